package dev.clayers.train;

import dev.clayers.backend.Backend;
import dev.clayers.backend.IntVector;
import dev.clayers.backend.Matrix;
import dev.clayers.layer.NonFiniteLossException;
import dev.clayers.layer.Param;
import dev.clayers.net.DeviceDataset;
import dev.clayers.net.Evaluation;
import dev.clayers.net.Sequential;

import java.util.List;
import java.util.Random;

/**
 * Runs epochs of mini-batch training on the network's device ({@link Training#fit} runs a whole
 * training run with it). The datasets, the batch buffers
 * and the permutation live on the device; per step only the loss comes back.
 *
 * <p>A training set too large for the device ({@link DeviceDataset#streamed()}) stays on the host:
 * the epoch's permutation is drawn on the host as always, and each chunk of rows in that order
 * is copied into a device chunk buffer (a whole number of batches) when the steps reach it; a
 * batch is then gathered from the chunk exactly as from the resident set, so the batches, and so
 * the weights, are bit for bit those of the resident path. (In book mode the drawn indices come
 * back to the host and their rows go up, one batch per step.)
 *
 * <p>The order of batches in epoch {@code e} depends only on the seed and {@code e}, so a run
 * resumed from a checkpoint after epoch {@code e} continues exactly as an uninterrupted one.
 */
public final class Trainer implements AutoCloseable {
    /** Receives progress; called on the training thread. */
    public interface Listener {
        /** An epoch starts; it will train on {@code samples} rows. */
        default void epochStarted(int epoch, long samples) {}
        /** Rows trained so far in this epoch. */
        default void progress(long samplesDone) {}
        /** The epoch's steps and evaluation are done. */
        default void epochEnded(EpochMetrics metrics) {}
        /** {@link Training#fit} finished the epoch, its checkpoint included; {@code history} holds every epoch so far. */
        default void epochFinished(EpochMetrics metrics, List<EpochMetrics> history) {}
        /** Asked after every epoch: true ends the run there (the history says {@link History.Stop#LISTENER}). */
        default boolean stopRequested() { return false; }
    }

    private final Sequential net;
    private final Optimizer optimizer;
    private final DeviceDataset train;
    private final DeviceDataset test;
    private final FitOptions config;
    private final Matrix xBatch;
    private final IntVector tBatch;
    private final IntVector order;
    private final int evalBatch;
    /** The weight matrices (not the biases) and their gradients, which weight decay acts on. */
    private final List<Matrix> decayW;
    private final List<Matrix> decayGrads;
    /** Streaming only (else 0 and null): rows per chunk, the chunk's rows, labels, and 0..chunkRows-1. */
    private final int chunkRows;
    private final Matrix chunkX;
    private final IntVector chunkT;
    private final IntVector chunkIdx;
    /** Streaming only: the epoch's permutation (on the host) and which chunk of it the device holds. */
    private int[] hostOrder;
    private int loadedChunk = -1;

    /**
     * @param test the validation set evaluated after every epoch, or null for none
     */
    public Trainer(Sequential net, Optimizer optimizer, DeviceDataset train, DeviceDataset test, FitOptions config) {
        boolean images = train.host().isImage();
        if (config.batch() > train.size()) {
            throw new InvalidOptionException("batch", config.batch() + " is larger than the " + train.size()
                    + (images ? " training images" : " training rows"));
        }
        if (config.augment() > 0 && !images) {
            throw new InvalidOptionException("augment", "shifts images, but " + train.host().name() + " is rows of "
                    + train.host().features() + " features");
        }
        if (config.augment() > 0 && train.host().channels() != 1) {
            throw new InvalidOptionException("augment", "shifts one-channel images, but " + train.host().name() + " has "
                    + train.host().channels() + " channels");
        }
        if (train.host().features() != net.inputs()) {
            throw new IllegalArgumentException("the data has " + train.host().features() + " features per image but the"
                    + " network expects " + net.inputs());
        }
        if (train.host().classes() > net.outputs()) {
            throw new IllegalArgumentException("the data has " + train.host().classes() + " classes but the network has "
                    + net.outputs() + " outputs");
        }
        if (test != null) net.checkData(test.host());
        this.net = net;
        this.optimizer = optimizer;
        this.train = train;
        this.test = test;
        this.config = config;
        Backend be = net.backend();
        this.xBatch = be.alloc(config.batch(), train.host().features());
        this.tBatch = be.allocInts(config.batch());
        this.order = be.allocInts(config.sampled() ? config.batch() : train.size());
        this.evalBatch = Math.max(config.batch(), 1000);
        List<Param> weights = net.params().stream().filter(p -> p.name().endsWith(".W")).toList();
        this.decayW = weights.stream().map(Param::value).toList();
        this.decayGrads = weights.stream().map(Param::grad).toList();
        if (train.streamed()) {
            this.chunkRows = chunkRows(train, config, DeviceDataset.budgetBytes(be.info()));
            this.chunkX = be.alloc(chunkRows, train.host().features());
            this.chunkT = be.allocInts(chunkRows);
            int[] idx = new int[chunkRows];
            for (int i = 0; i < chunkRows; i++) idx[i] = i;
            this.chunkIdx = be.uploadInts(idx);
        } else {
            this.chunkRows = 0;
            this.chunkX = null;
            this.chunkT = null;
            this.chunkIdx = null;
        }
    }

    /**
     * Rows per streamed chunk: as many whole batches as the budget holds (at least one), so no
     * batch straddles two chunks; one batch in book mode, whose batches are drawn anywhere.
     */
    static int chunkRows(DeviceDataset train, FitOptions config, long budgetBytes) {
        int batch = config.batch();
        if (config.sampled()) return batch;
        long rowBytes = (train.host().features() + 1L) * Float.BYTES;
        long batches = Math.max(1, budgetBytes / rowBytes / batch);
        long maxBatches = (train.size() + batch - 1L) / batch;
        long rows = Math.min(batches, maxBatches) * batch;
        long cap = dev.clayers.Limits.MAX_MATRIX_ELEMENTS / train.host().features() / batch * batch;
        return (int) Math.max(batch, Math.min(rows, cap));
    }

    /** Iterations in one epoch (the book's iter_per_epoch in book mode). */
    public int iterationsPerEpoch() {
        return config.sampled() ? Math.max(train.size() / config.batch(), 1) : train.size() / config.batch();
    }

    /** How many epochs the configuration asks for. */
    public int epochs() { return config.epochs(); }

    /** The seeded generator for epoch {@code epoch} (1-based); independent of every other epoch. */
    static Random epochRandom(long seed, int epoch) {
        return new Random(seed * 0x9E3779B97F4A7C15L + epoch);
    }

    /** What a step draws at random; each stream gets its own seeds. */
    enum Stream { BATCH, SHIFTS, DROPOUT }

    /**
     * The 32-bit seed of one random stream at one step: a SplitMix64 finaliser of (run seed,
     * step, stream). Everything a step draws derives from {@code --seed} and the optimizer's step
     * count, which checkpoints keep, so a resumed run draws what the uninterrupted one would.
     */
    static int stepSeed(long seed, long step, Stream stream) {
        long z = seed + 0x9E3779B97F4A7C15L * (step * 3 + stream.ordinal() + 1);
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return (int) ((z ^ (z >>> 31)) >>> 32);
    }

    /** Trains one epoch (1-based) and evaluates on both sets. */
    public EpochMetrics runEpoch(int epoch, Listener listener) {
        Backend be = net.backend();
        int batch = config.batch();
        long iters;
        if (config.sampled()) {
            long first = (long) (epoch - 1) * iterationsPerEpoch();
            iters = Math.max(0, Math.min(iterationsPerEpoch(), config.sampledIterations() - first));
        } else {
            iters = iterationsPerEpoch();
        }
        shuffle(epoch);
        optimizer.setLearningRate(config.learningRate(epoch));
        listener.epochStarted(epoch, iters * batch);
        long t0 = System.nanoTime();
        double lossSum = 0;
        for (long it = 0; it < iters; it++) {
            float loss;
            try {
                loss = step(config.sampled() ? 0 : (int) (it * batch));
            } catch (NonFiniteLossException e) {
                throw new NonFiniteLossException("training diverged in epoch " + epoch + ", iteration " + (it + 1)
                        + ": loss is not finite; " + likelyCause());
            }
            lossSum += loss;
            listener.progress((it + 1) * batch);
        }
        be.finish();
        double seconds = (System.nanoTime() - t0) / 1e9;
        long e0 = System.nanoTime();
        Evaluation tr = train.evaluate(net, evalBatch, false);
        Evaluation te = test == null ? null : test.evaluate(net, evalBatch, false);
        double evalSeconds = (System.nanoTime() - e0) / 1e9;
        EpochMetrics m = new EpochMetrics(epoch, optimizer.steps(), iters == 0 ? Double.NaN : lossSum / iters,
                tr.accuracy(), te == null ? Double.NaN : te.loss(),
                te == null ? Double.NaN : te.accuracy(), iters * batch / Math.max(seconds, 1e-9), seconds, evalSeconds);
        listener.epochEnded(m);
        return m;
    }

    /**
     * One training step, everything a step of {@link #runEpoch} does: the batch at {@code offset}
     * of the order (drawn with replacement in book mode), shifted when augmenting, the gradient,
     * weight decay and the optimizer's update. {@link DeviceChoice} times exactly this, so that a
     * device's probe pays for the same kernels as its training.
     *
     * @return the batch's loss (the one value read back per step)
     */
    float step(int offset) {
        Backend be = net.backend();
        if (config.sampled()) {
            // The book's np.random.choice(train_size, batch_size): with replacement, drawn on
            // the device from (seed, step), so no indices cross from the host.
            be.randomIndices(order, train.size(), stepSeed(config.seed(), optimizer.steps(), Stream.BATCH));
        }
        Matrix images = train.streamed() ? chunkX : train.images();
        IntVector labels = train.streamed() ? chunkT : train.labels();
        IntVector rows = train.streamed() ? chunkIdx : order;
        int at = train.streamed() ? stage(offset) : offset;
        if (config.augment() > 0) {
            be.gatherRowsShifted(images, rows, at, train.host().imageWidth(), train.host().imageHeight(),
                    config.augment(), stepSeed(config.seed(), optimizer.steps(), Stream.SHIFTS), xBatch);
        } else {
            be.gatherRows(images, rows, at, xBatch);
        }
        be.gatherInts(labels, rows, at, tBatch);
        float loss = net.gradient(xBatch, tBatch, stepSeed(config.seed(), optimizer.steps(), Stream.DROPOUT));
        // Weight decay adds wd * W to every weight matrix's gradient (not the biases'): one list op a step.
        if (config.weightDecay() > 0) be.axpy(config.weightDecay(), decayW, decayGrads);
        optimizer.step(net.params());
        return loss;
    }

    /** Writes a fresh batch order for an epoch; the probe's steps use the order as a plain permutation. */
    void shuffle(int epoch) {
        if (config.sampled()) return;
        int[] p = permutation(train.size(), epochRandom(config.seed(), epoch));
        if (train.streamed()) {
            hostOrder = p;
            loadedChunk = -1;
        } else {
            net.backend().writeInts(order, p);
        }
    }

    /**
     * Streaming: makes the device's chunk hold the rows of the batch at {@code offset} of the
     * epoch's order, copying the chunk up when the steps enter it, and returns the batch's offset
     * within the chunk. In book mode the batch's drawn indices are read back and their rows copied.
     */
    private int stage(int offset) {
        Backend be = net.backend();
        if (config.sampled()) {
            int[] drawn = be.downloadInts(order);
            be.write(chunkX, train.hostRows(drawn, 0, drawn.length, chunkRows));
            be.writeInts(chunkT, train.hostLabels(drawn, 0, drawn.length, chunkRows));
            return 0;
        }
        int chunk = offset / chunkRows;
        if (chunk != loadedChunk) {
            int from = chunk * chunkRows, n = Math.min(chunkRows, train.size() - from);
            be.write(chunkX, train.hostRows(hostOrder, from, n, chunkRows));
            be.writeInts(chunkT, train.hostLabels(hostOrder, from, n, chunkRows));
            loadedChunk = chunk;
        }
        return offset - chunk * chunkRows;
    }

    /**
     * Advice that names the setting most likely at fault: weights already huge before the first
     * update come from the initialisation; a weight decay whose step {@code lr * lambda} exceeds 1
     * flips and grows the weights each step; otherwise the learning rate is the usual culprit.
     */
    String likelyCause() {
        float maxWeight = 0;
        for (Param p : net.params()) {
            for (float v : net.backend().download(p.value())) maxWeight = Math.max(maxWeight, Math.abs(v));
        }
        if (optimizer.steps() == 0) {
            return "the initial weights are too large (largest |w| " + maxWeight + "); initialise with a smaller std"
                    + " (he or xavier, or a std such as 0.01)";
        }
        float lr = optimizer.learningRate();
        if (config.weightDecay() > 0 && (config.weightDecay() >= 1 || (double) lr * config.weightDecay() >= 1)) {
            return "the weight decay " + config.weightDecay() + " is too large: with learning rate " + lr
                    + " each step multiplies the weights by 1 - lr * decay = " + (float) (1 - (double) lr * config.weightDecay())
                    + "; lower it well below 1";
        }
        return "lower the learning rate (now " + lr + ")";
    }

    static int[] permutation(int n, Random rng) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) p[i] = i;
        for (int i = n - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int tmp = p[i];
            p[i] = p[j];
            p[j] = tmp;
        }
        return p;
    }

    @Override
    public void close() {
        xBatch.close();
        tBatch.close();
        order.close();
        if (chunkX != null) {
            chunkX.close();
            chunkT.close();
            chunkIdx.close();
        }
    }
}
