package dev.clayers.train;

import dev.clayers.backend.Backend;
import dev.clayers.backend.BackendLock;
import dev.clayers.backend.Matrix;
import dev.clayers.data.Dataset;
import dev.clayers.data.Normaliser;
import dev.clayers.net.LayerSpec;
import dev.clayers.net.Sequential;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One device's share of every batch of a synchronous data-parallel run whose devices live in
 * several processes (clayers-spark's executors): the step of {@link Training#fit(Sequential,
 * List, Dataset, Dataset, FitOptions)}, with the gradient sum left to the caller, who moves the
 * gradients between processes.
 *
 * <p>The whole run has {@code n} shares in a fixed order, cut by {@link #split}; every process
 * holds the whole training set and a share per device. Each step every share computes its
 * {@link #gradient} (the gradient of its rows' mean loss scaled by its fraction of the batch, with
 * the shifts and dropout masks the whole batch would draw on one device); the caller gathers all
 * {@code n} of them, in share order, to every process, adds them with {@link #sum} (the same
 * rounding everywhere) and {@link #apply applies} the sum on every share. The shares then hold
 * the same weights and optimizer state, and the run equals {@link DataParallel} over the same
 * {@code n} devices, hence one device at the same batch up to the order of float additions.
 *
 * <p>Each epoch visits the training set in the order {@link Training#fit} uses (from the options'
 * seed and the epoch). The state between epochs is {@link #weights()}, {@link #optimizerState()}
 * and {@link #steps()}; a share opened from them (and {@link #restoreOptimizer}) goes on exactly
 * where the run was, which is how a failed epoch is run again. Batches sampled with replacement
 * (the book's recipe) are not supported. A share is used by one thread at a time and holds its
 * device's lock while it works.
 */
public final class BatchShare implements AutoCloseable {
    private final DataParallel.Replica replica;
    private final FitOptions options;
    private final int iterations;

    private BatchShare(DataParallel.Replica replica, FitOptions options, int iterations) {
        this.replica = replica;
        this.options = options;
        this.iterations = iterations;
    }

    /**
     * The shares of a batch of {@code batch} rows over {@code parts} devices, in order, as
     * {@code {firstRow, rows}} pairs: equal shares, the first {@code batch mod parts} one row larger
     * (as {@link Training#fit(Sequential, List, Dataset, Dataset, FitOptions)} splits it).
     *
     * @throws InvalidOptionException when the batch has fewer rows than there are parts
     */
    public static List<int[]> split(int batch, int parts) {
        if (parts <= 0) throw new IllegalArgumentException("parts must be positive, got " + parts);
        List<int[]> out = new ArrayList<>();
        int first = 0;
        for (int rows : DataParallel.rows(batch, List.of(), parts)) {
            out.add(new int[] {first, rows});
            first += rows;
        }
        return out;
    }

    /**
     * The checks of the data against the options that {@link #open} makes before anything is
     * opened, for a coordinator to make once before it starts the processes that open the shares
     * (where each failure would otherwise repeat in every process).
     *
     * @throws InvalidOptionException for sampled batches, a batch larger than the set, or shifts of
     *         anything but one-channel images
     */
    public static void check(Dataset train, FitOptions options) {
        if (options.sampled()) {
            throw new InvalidOptionException("sampledIterations", "batches sampled with replacement are not supported across"
                    + " processes; use shuffled epochs (sampledIterations 0)");
        }
        if (options.batch() > train.size()) {
            throw new InvalidOptionException("batch", options.batch() + " is larger than the " + train.size() + " training rows");
        }
        if (options.augment() > 0 && (!train.isImage() || train.channels() != 1)) {
            throw new InvalidOptionException("augment", "shifts one-channel images, but " + train.name() + " is "
                    + train.channels() + "x" + train.rows() + "x" + train.cols());
        }
    }

    /**
     * Opens the share of rows {@code firstRow .. firstRow + rows - 1} of every batch on {@code device}:
     * a network of {@code layers} holding {@code weights} (parameters and layer state by name, as
     * {@link Sequential#weights()} gives them), {@code normaliser} (or null) applied to the
     * training set, which goes to the device whole, and a fresh optimizer of the options' kind.
     *
     * @throws IllegalArgumentException when the data does not fit the network or the options (a
     *         batch larger than the set, shifts of non-images, sampled batches, a share outside the batch)
     */
    public static BatchShare open(Backend device, List<? extends LayerSpec> layers, Map<String, float[]> weights,
                                  Normaliser normaliser, Dataset train, FitOptions options, int firstRow, int rows) {
        check(train, options);
        if (firstRow < 0 || rows <= 0 || firstRow + rows > options.batch()) {
            throw new IllegalArgumentException("share of rows " + firstRow + ".." + (firstRow + rows - 1)
                    + " is outside a batch of " + options.batch());
        }
        int inputs = Sequential.inputs(layers);
        if (train.features() != inputs) {
            throw new IllegalArgumentException("the data has " + train.features() + " features per row but the network expects "
                    + inputs);
        }
        int outputs = layers.get(layers.size() - 1).classScores();
        if (train.classes() > outputs) {
            throw new IllegalArgumentException("the data has " + train.classes() + " classes but the network has " + outputs
                    + " outputs");
        }
        float scale = (float) ((double) rows / options.batch());
        DataParallel.Replica r = DataParallel.Replica.open(device, layers, normaliser, weights, train, 0, firstRow, rows,
                scale, options);
        return new BatchShare(r, options, train.size() / options.batch());
    }

    /** Steps in one epoch: whole batches in the training set (the rest of the shuffled set is left out, as on one device). */
    public int iterationsPerEpoch() { return iterations; }

    /** The network this share trains (its device's). */
    public Sequential network() { return replica.net; }

    /** Sets the order of the rows and the learning rate of epoch {@code epoch} (1-based). */
    public void startEpoch(int epoch) {
        int[] order = Trainer.permutation(replica.train.size(), Trainer.epochRandom(options.seed(), epoch));
        float lr = options.learningRate(epoch);
        locked(() -> {
            replica.be().writeInts(replica.order, order);
            replica.opt.setLearningRate(lr);
        });
    }

    /**
     * This share's scaled gradient at step {@code iteration} (0-based) of the epoch, one array per
     * parameter in the network's order; its unscaled mean loss is then {@link #loss()}. The arrays
     * are the share's own and the next call overwrites them: copy them to keep them longer.
     *
     * @throws dev.clayers.layer.NonFiniteLossException when the loss is not finite
     */
    public float[][] gradient(int iteration) {
        if (iteration < 0 || iteration >= iterations) {
            throw new IllegalArgumentException("iteration " + iteration + " is outside 0.." + (iterations - 1));
        }
        locked(() -> replica.gradient(iteration * options.batch()));
        return replica.grads;
    }

    /** The mean loss of this share's rows at the last {@link #gradient} (not scaled). */
    public float loss() { return replica.loss; }

    /** The share's fraction of the batch: the weight of its {@link #loss()} in the batch's mean loss. */
    public float scale() { return replica.scale; }

    /** Applies the whole batch's gradient (from {@link #sum}): weight decay and the optimizer's step. */
    public void apply(float[][] sum) {
        locked(() -> replica.update(sum));
    }

    /**
     * The shares' gradients added in list order (in double, rounded to float once), as one process
     * adds its devices'; every process that adds the same list gets the same bits.
     */
    public static float[][] sum(List<float[][]> shares) {
        if (shares.isEmpty()) throw new IllegalArgumentException("no shares to add");
        float[][] out = new float[shares.get(0).length][];
        for (int k = 0; k < out.length; k++) {
            int len = shares.get(0)[k].length;
            for (float[][] s : shares) {
                if (s.length != out.length || s[k].length != len) {
                    throw new IllegalArgumentException("shares of different networks: parameter " + k + " has " + len
                            + " and " + s[k].length + " values");
                }
            }
            out[k] = new float[len];
        }
        DataParallel.addInOrder(shares, out);
        return out;
    }

    /** The network's parameters and layer state by name (what {@link #open} takes). */
    public Map<String, float[]> weights() {
        ReentrantLock lock = BackendLock.of(replica.be());
        lock.lock();
        try {
            replica.be().finish();
            return replica.net.weights();
        } finally {
            lock.unlock();
        }
    }

    /** The optimizer's state buffers by name (empty for SGD). */
    public Map<String, float[]> optimizerState() {
        Map<String, float[]> out = new LinkedHashMap<>();
        locked(() -> {
            for (Map.Entry<String, Matrix> e : replica.opt.state(replica.net.params()).entrySet()) {
                out.put(e.getKey(), replica.be().download(e.getValue()));
            }
        });
        return out;
    }

    /** Optimizer steps taken so far in the run (the per-step seeds derive from it). */
    public long steps() { return replica.opt.steps(); }

    /**
     * Puts back the optimizer's state and step count (from {@link #optimizerState()} and
     * {@link #steps()} of the run's last synchronised step).
     *
     * @throws IllegalArgumentException when a buffer is missing or has the wrong size
     */
    public void restoreOptimizer(Map<String, float[]> state, long steps) {
        locked(() -> {
            for (Map.Entry<String, Matrix> e : replica.opt.state(replica.net.params()).entrySet()) {
                float[] v = state.get(e.getKey());
                if (v == null) throw new IllegalArgumentException("optimizer state lacks " + e.getKey());
                replica.opt.checkState(e.getKey(), e.getValue(), v);
                replica.be().write(e.getValue(), v);
            }
            replica.opt.setSteps(steps);
        });
    }

    private void locked(Runnable work) {
        ReentrantLock lock = BackendLock.of(replica.be());
        lock.lock();
        try {
            work.run();
        } finally {
            lock.unlock();
        }
    }

    /** Frees the network, optimizer, data and buffers on the device (the device stays open). */
    @Override
    public void close() {
        replica.close();
    }
}
