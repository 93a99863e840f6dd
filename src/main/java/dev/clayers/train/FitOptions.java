package dev.clayers.train;

import dev.clayers.Limits;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * How {@link Training#fit} trains: every setting besides the network and the data, with
 * defaults, checked when built.
 *
 * <pre>{@code
 * FitOptions options = FitOptions.builder().epochs(20).batch(100)
 *         .optimizer(Optimizer.Kind.ADAM).learningRate(0.002f).build();
 * }</pre>
 *
 * @param epochs                passes over the training set (with {@code sampledIterations}: epoch-equivalents to report)
 * @param batch                 mini-batch size
 * @param optimizer             the update rule
 * @param learningRate          positive step size at the start of the schedule
 * @param schedule              how the step size changes over the epochs
 * @param weightDecay           L2 penalty {@code (lambda/2) sum W^2} on the weights (not biases), added to
 *                              the gradient as {@code lambda W}; 0 for none
 * @param augment               largest random translation in pixels of training images (image data only); 0 for none
 * @param seed                  seeds the order of batches, dropout masks and shifts (the weights are the network's)
 * @param sampledIterations     0: each epoch is a shuffled pass without replacement; else the book's
 *                              recipe: this many iterations of batches sampled with replacement
 * @param earlyStopping         when to stop before the last epoch ({@link EarlyStopping}); null never stops early
 * @param stopAfterEpoch        stop after this epoch, leaving the checkpoint to resume (time-limited
 *                              jobs; needs {@code checkpointDir}); 0 for none
 * @param checkpointDir         keep the latest checkpoint here after every epoch; null for none
 * @param checkpointMetadata    extra settings stored in the checkpoints (how the network was made,
 *                              where the data came from), given back by {@link Checkpoint#load}
 * @param keepBest              with a {@code checkpointDir}: also save the network of the best epoch (by the
 *                              early-stopping monitor, or the loss) as {@code DIR/best.safetensors}
 * @param shares                on several devices, each device's relative share of every batch in device
 *                              order (3:1 gives the first three rows in four); empty for equal shares
 * @param listener              told of progress, on the training thread; it may stop the run
 */
public record FitOptions(int epochs, int batch, Optimizer.Kind optimizer, float learningRate, Schedule schedule,
                         float weightDecay, int augment, long seed, int sampledIterations, EarlyStopping earlyStopping,
                         int stopAfterEpoch, Path checkpointDir, Map<String, String> checkpointMetadata, boolean keepBest,
                         List<Integer> shares, Trainer.Listener listener) {
    /** Largest {@link #augment} shift: beyond this a 28x28 digit leaves the frame. */
    public static final int MAX_SHIFT = 8;
    /** Largest relative share of one device ({@link #shares}). */
    public static final int MAX_SHARE = 1_000_000;

    /**
     * Checks every option and fills the defaults (no metadata, a listener that does nothing).
     *
     * @throws InvalidOptionException naming the first option with a value it cannot take
     */
    public FitOptions {
        if (batch <= 0) throw new InvalidOptionException("batch", "must be positive, got " + batch);
        if (batch > Limits.MAX_BATCH) {
            throw new InvalidOptionException("batch", "is " + batch + ", more than the limit of " + Limits.format(Limits.MAX_BATCH)
                    + "; " + Limits.howToRaise("clayers.maxBatch"));
        }
        if (epochs <= 0) throw new InvalidOptionException("epochs", "must be positive, got " + epochs);
        if (optimizer == null) throw new InvalidOptionException("optimizer", "must be set");
        if (!(learningRate > 0) || !Float.isFinite(learningRate)) {
            throw new InvalidOptionException("learningRate", "must be a positive number, got " + learningRate);
        }
        if (schedule == null) throw new InvalidOptionException("schedule", "must be set");
        if (!(weightDecay >= 0) || !Float.isFinite(weightDecay)) {
            throw new InvalidOptionException("weightDecay", "must be >= 0, got " + weightDecay);
        }
        if (augment < 0 || augment > MAX_SHIFT) {
            throw new InvalidOptionException("augment", "must be 0.." + MAX_SHIFT + " pixels, got " + augment);
        }
        if (sampledIterations < 0) throw new InvalidOptionException("sampledIterations", "must be >= 0, got " + sampledIterations);
        if (keepBest && checkpointDir == null) throw new InvalidOptionException("keepBest", "needs a checkpointDir");
        if (stopAfterEpoch < 0 || (stopAfterEpoch > 0 && checkpointDir == null)) {
            throw new InvalidOptionException("stopAfterEpoch", "needs a checkpointDir and an epoch >= 1, got " + stopAfterEpoch);
        }
        checkpointMetadata = Map.copyOf(checkpointMetadata == null ? Map.of() : checkpointMetadata);
        shares = shares == null ? List.of() : List.copyOf(shares);
        if (shares.size() > Limits.MAX_DEVICES) {
            throw new InvalidOptionException("shares", "has " + shares.size() + " entries; at most " + Limits.MAX_DEVICES + " devices train together");
        }
        for (int w : shares) {
            if (w < 1 || w > MAX_SHARE) {
                throw new InvalidOptionException("shares", "each share must be 1.." + MAX_SHARE + ", got " + sharesText(shares));
            }
        }
        if (listener == null) listener = new Trainer.Listener() {};
    }

    /** A builder holding the defaults (see {@link Builder}). */
    public static Builder builder() { return new Builder(); }

    /** A builder holding these options, to change some. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.epochs = epochs;
        b.batch = batch;
        b.optimizer = optimizer;
        b.learningRate = learningRate;
        b.schedule = schedule;
        b.weightDecay = weightDecay;
        b.augment = augment;
        b.seed = seed;
        b.sampledIterations = sampledIterations;
        b.earlyStopping = earlyStopping;
        b.keepBest = keepBest;
        b.stopAfterEpoch = stopAfterEpoch;
        b.checkpointDir = checkpointDir;
        b.checkpointMetadata = checkpointMetadata;
        b.shares = shares;
        b.listener = listener;
        return b;
    }

    /** Epochs without improvement before an early stop; 0 when the run never stops early. */
    public int earlyStoppingPatience() { return earlyStopping == null ? 0 : earlyStopping.patience(); }

    /** Whether batches are sampled with replacement (the book's recipe). */
    public boolean sampled() { return sampledIterations > 0; }

    /** The learning rate of epoch {@code epoch} (1-based) under the schedule. */
    public float learningRate(int epoch) { return schedule.rate(learningRate, epoch, epochs); }

    /**
     * The book's recipe (SGD lr 0.1, batch 100, 10,000 iterations of batches sampled with
     * replacement, constant rate), reported every epoch-equivalent of a training set this large.
     */
    public static Builder book(int trainSize) {
        int iterPerEpoch = Math.max(trainSize / 100, 1);
        return builder().optimizer(Optimizer.Kind.SGD).learningRate(0.1f).batch(100).schedule(Schedule.CONSTANT)
                .sampledIterations(10_000).epochs((10_000 + iterPerEpoch - 1) / iterPerEpoch);
    }

    /** The settings that decide the numbers, as strings (checkpoints and saved models keep them). */
    public Map<String, String> settings() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("optimizer", optimizer.id());
        m.put("lr", Float.toString(learningRate));
        m.put("batch", Integer.toString(batch));
        m.put("epochs", Integer.toString(epochs));
        m.put("seed", Long.toString(seed));
        m.put("book_iterations", Integer.toString(sampledIterations));
        m.put("weight_decay", Float.toString(weightDecay));
        m.put("augment", Integer.toString(augment));
        m.put("schedule", schedule.id());
        if (!shares.isEmpty()) m.put("shares", sharesText(shares));
        return m;
    }

    /**
     * Each device's rows of a batch when {@code devices} devices train together, in device order
     * (equal, or in proportion to {@link #shares}; they add up to {@link #batch}).
     *
     * @throws InvalidOptionException when the batch has fewer rows than there are devices, or the
     *     shares are not one per device or leave a device no row
     */
    public int[] shareRows(int devices) {
        if (devices < 1) throw new IllegalArgumentException("devices must be positive, got " + devices);
        return devices == 1 ? new int[] {batch} : DataParallel.rows(batch, shares, devices);
    }

    /** Shares as {@code 3:1}, the form {@link #parseShares} reads. */
    public static String sharesText(List<Integer> shares) {
        return String.join(":", shares.stream().map(String::valueOf).toList());
    }

    /**
     * Reads shares written as {@code 3:1} (or {@code 3,1}); the range of each is checked when the
     * options are built.
     *
     * @throws InvalidOptionException when the text is not positive whole numbers separated by colons
     */
    public static List<Integer> parseShares(String text) {
        if (text == null || !text.trim().matches("\\d{1,9}([:,]\\d{1,9})*")) {
            throw new InvalidOptionException("shares", "must be whole numbers separated by colons, one per device (3:1), got '"
                    + text + "'");
        }
        return Arrays.stream(text.trim().split("[:,]")).map(Integer::parseInt).toList();
    }

    /** Reads what {@link #settings()} wrote into a builder. */
    public static Builder fromSettings(Map<String, String> m) {
        return builder().optimizer(Optimizer.Kind.parse(m.get("optimizer"))).learningRate(Float.parseFloat(m.get("lr")))
                .batch(Integer.parseInt(m.get("batch"))).epochs(Integer.parseInt(m.get("epochs")))
                .seed(Long.parseLong(m.get("seed"))).sampledIterations(Integer.parseInt(m.get("book_iterations")))
                .weightDecay(Float.parseFloat(m.get("weight_decay"))).augment(Integer.parseInt(m.get("augment")))
                .schedule(Schedule.parse(m.get("schedule")))
                .shares(m.containsKey("shares") ? parseShares(m.get("shares")) : List.of());
    }

    /** Settings with defaults: 20 epochs, batch 100, Adam, lr 0.002, cosine schedule, seed 42, nothing else. */
    public static final class Builder {
        private int epochs = 20;
        private int batch = 100;
        private Optimizer.Kind optimizer = Optimizer.Kind.ADAM;
        private float learningRate = 0.002f;
        private Schedule schedule = Schedule.COSINE;
        private float weightDecay;
        private int augment;
        private long seed = 42;
        private int sampledIterations;
        private EarlyStopping earlyStopping;
        private boolean keepBest;
        private int stopAfterEpoch;
        private Path checkpointDir;
        private Map<String, String> checkpointMetadata = Map.of();
        private List<Integer> shares = List.of();
        private Trainer.Listener listener;

        private Builder() {}

        /**
         * Passes over the training set, positive (default 20); with {@link #sampledIterations} the epoch-equivalents to
         * report.
         */
        public Builder epochs(int v) { epochs = v; return this; }
        /** Mini-batch size in rows, 1 to {@link Limits#MAX_BATCH} (default 100). */
        public Builder batch(int v) { batch = v; return this; }
        /** The update rule (default {@link Optimizer.Kind#ADAM}). */
        public Builder optimizer(Optimizer.Kind v) { optimizer = v; return this; }
        /** Step size at the start of the schedule, positive and finite (default 0.002). */
        public Builder learningRate(float v) { learningRate = v; return this; }
        /** How the step size changes over the epochs (default {@link Schedule#COSINE}). */
        public Builder schedule(Schedule v) { schedule = v; return this; }
        /** L2 penalty lambda on the weights (not biases), {@code >= 0}; 0, the default, for none. */
        public Builder weightDecay(float v) { weightDecay = v; return this; }
        /**
         * Largest random shift of training images in pixels, 0 to {@link FitOptions#MAX_SHIFT}; 0, the default, for
         * none. Image data only.
         */
        public Builder augment(int v) { augment = v; return this; }
        /** Seeds the batch order, dropout masks and shifts (default 42); the initial weights are the network's. */
        public Builder seed(long v) { seed = v; return this; }
        /**
         * The book's recipe: this many iterations of batches sampled with replacement; 0, the default, shuffles a pass
         * per epoch instead.
         */
        public Builder sampledIterations(int v) { sampledIterations = v; return this; }
        /**
         * Stops when the validation loss (the training loss without a validation set) has not
         * improved for {@code v} epochs; 0 never stops early. Shorthand for
         * {@code earlyStopping(EarlyStopping.on(Monitor.LOSS, v))}.
         */
        public Builder earlyStoppingPatience(int v) {
            if (v < 0) throw new InvalidOptionException("earlyStoppingPatience", "must be >= 0, got " + v);
            earlyStopping = v == 0 ? null : EarlyStopping.on(EarlyStopping.Monitor.LOSS, v);
            return this;
        }
        /** When to stop before the last epoch; null never stops early. */
        public Builder earlyStopping(EarlyStopping v) { earlyStopping = v; return this; }
        /** With a checkpoint folder: keep the best epoch's network as {@code best.safetensors} there. */
        public Builder keepBest(boolean v) { keepBest = v; return this; }
        /**
         * Stops after this epoch, leaving the checkpoint to resume (needs a {@link #checkpointDir}); 0, the default,
         * runs every epoch.
         */
        public Builder stopAfterEpoch(int v) { stopAfterEpoch = v; return this; }
        /** Keeps the latest checkpoint in this folder after every epoch; null, the default, for none. */
        public Builder checkpointDir(Path v) { checkpointDir = v; return this; }
        /** Extra settings stored in the checkpoints and given back by {@link Checkpoint#load}; null for none. */
        public Builder checkpointMetadata(Map<String, String> v) { checkpointMetadata = v; return this; }
        /**
         * On several devices, each device's relative share of every batch, in device order ({@code 3, 1}: the first
         * device takes three rows in four); empty or null, the default, for equal shares.
         * {@link Training#measureShares} measures shares that match the devices' speeds.
         */
        public Builder shares(List<Integer> v) { shares = v; return this; }
        /** {@link #shares(List)} as numbers. */
        public Builder shares(int... v) { shares = v == null ? null : Arrays.stream(v).boxed().toList(); return this; }
        /** Told of progress on the training thread, and may stop the run; null for a listener that does nothing. */
        public Builder listener(Trainer.Listener v) { listener = v; return this; }

        /** @throws InvalidOptionException naming the first option with a value it cannot take */
        public FitOptions build() {
            return new FitOptions(epochs, batch, optimizer, learningRate, schedule, weightDecay, augment, seed,
                    sampledIterations, earlyStopping, stopAfterEpoch, checkpointDir, checkpointMetadata, keepBest, shares, listener);
        }
    }
}
