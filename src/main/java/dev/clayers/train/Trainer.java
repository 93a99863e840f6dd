package dev.clayers.train;

import dev.clayers.backend.Backend;
import dev.clayers.backend.IntVector;
import dev.clayers.backend.Matrix;
import dev.clayers.layer.NonFiniteLossException;
import dev.clayers.layer.Param;
import dev.clayers.net.Sequential;

import java.util.List;
import java.util.Random;

/**
 * Runs epochs of mini-batch training on the network's device. The datasets, the batch buffers
 * and the permutation live on the device; per step only the loss comes back.
 *
 * <p>The order of batches in epoch {@code e} depends only on the seed and {@code e}, so a run
 * resumed from a checkpoint after epoch {@code e} continues exactly as an uninterrupted one.
 */
public final class Trainer implements AutoCloseable {
    /** Receives progress; called on the training thread. */
    public interface Listener {
        default void epochStarted(int epoch, long samples) {}
        default void progress(long samplesDone) {}
        default void epochEnded(EpochMetrics metrics) {}
    }

    private final Sequential net;
    private final Optimizer optimizer;
    private final DeviceDataset train;
    private final DeviceDataset test;
    private final TrainConfig config;
    private final Matrix xBatch;
    private final IntVector tBatch;
    private final IntVector order;
    private final int evalBatch;

    public Trainer(Sequential net, Optimizer optimizer, DeviceDataset train, DeviceDataset test, TrainConfig config) {
        if (config.batch() > train.size()) {
            throw new IllegalArgumentException("--batch " + config.batch() + " is larger than the " + train.size()
                    + " training images");
        }
        if (train.host().features() != net.architecture().input()) {
            throw new IllegalArgumentException("the data has " + train.host().features() + " features per image but the"
                    + " network expects " + net.architecture().input());
        }
        if (train.host().classes() > net.architecture().output()) {
            throw new IllegalArgumentException("the data has " + train.host().classes() + " classes but the network has "
                    + net.architecture().output() + " outputs");
        }
        this.net = net;
        this.optimizer = optimizer;
        this.train = train;
        this.test = test;
        this.config = config;
        Backend be = net.backend();
        this.xBatch = be.alloc(config.batch(), train.host().features());
        this.tBatch = be.allocInts(config.batch());
        this.order = be.allocInts(config.book() ? config.batch() : train.size());
        this.evalBatch = Math.max(config.batch(), 1000);
    }

    /** Iterations in one epoch (the book's iter_per_epoch in book mode). */
    public int iterationsPerEpoch() {
        return config.book() ? Math.max(train.size() / config.batch(), 1) : train.size() / config.batch();
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
        if (config.book()) {
            long first = (long) (epoch - 1) * iterationsPerEpoch();
            iters = Math.max(0, Math.min(iterationsPerEpoch(), config.bookIterations() - first));
        } else {
            iters = iterationsPerEpoch();
            be.writeInts(order, permutation(train.size(), epochRandom(config.seed(), epoch)));
        }
        optimizer.setLearningRate(config.learningRate(epoch));
        listener.epochStarted(epoch, iters * batch);
        // Weight decay adds wd * W to every weight matrix's gradient (not the biases'): one list op a step.
        List<Param> weights = net.params().stream().filter(p -> p.name().endsWith(".W")).toList();
        List<Matrix> decayW = weights.stream().map(Param::value).toList();
        List<Matrix> decayGrads = weights.stream().map(Param::grad).toList();
        long t0 = System.nanoTime();
        double lossSum = 0;
        for (long it = 0; it < iters; it++) {
            int offset;
            if (config.book()) {
                // The book's np.random.choice(train_size, batch_size): with replacement, drawn on
                // the device from (seed, step), so no indices cross from the host.
                be.randomIndices(order, train.size(), stepSeed(config.seed(), optimizer.steps(), Stream.BATCH));
                offset = 0;
            } else {
                offset = (int) (it * batch);
            }
            if (config.augment() > 0) {
                be.gatherRowsShifted(train.images(), order, offset, train.host().cols(), train.host().rows(),
                        config.augment(), stepSeed(config.seed(), optimizer.steps(), Stream.SHIFTS), xBatch);
            } else {
                be.gatherRows(train.images(), order, offset, xBatch);
            }
            be.gatherInts(train.labels(), order, offset, tBatch);
            float loss;
            try {
                loss = net.gradient(xBatch, tBatch, stepSeed(config.seed(), optimizer.steps(), Stream.DROPOUT));
            } catch (NonFiniteLossException e) {
                throw new NonFiniteLossException("training diverged in epoch " + epoch + ", iteration " + (it + 1)
                        + ": loss is not finite; lower the learning rate (now " + optimizer.learningRate() + ")");
            }
            if (config.weightDecay() > 0) be.axpy(config.weightDecay(), decayW, decayGrads);
            optimizer.step(net.params());
            lossSum += loss;
            listener.progress((it + 1) * batch);
        }
        be.finish();
        double seconds = (System.nanoTime() - t0) / 1e9;
        long e0 = System.nanoTime();
        DeviceDataset.Evaluation tr = train.evaluate(net, evalBatch, false);
        DeviceDataset.Evaluation te = test.evaluate(net, evalBatch, false);
        double evalSeconds = (System.nanoTime() - e0) / 1e9;
        EpochMetrics m = new EpochMetrics(epoch, optimizer.steps(), iters == 0 ? Double.NaN : lossSum / iters,
                tr.accuracy(), te.loss(), te.accuracy(), iters * batch / Math.max(seconds, 1e-9), seconds, evalSeconds);
        listener.epochEnded(m);
        return m;
    }

    private static int[] permutation(int n, Random rng) {
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
    }
}
