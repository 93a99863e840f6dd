package dev.clayers.spark;

import dev.clayers.backend.Backend;
import dev.clayers.net.LayerSpec;
import dev.clayers.train.BatchShare;
import dev.clayers.train.FitOptions;
import org.apache.spark.BarrierTaskContext;
import org.apache.spark.broadcast.Broadcast;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.collection.Iterator;
import scala.runtime.AbstractFunction1;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * One epoch of synchronous training as one task of a barrier stage (every task of the stage runs at
 * once, one per worker). The tasks first tell each other how many devices they hold, which fixes
 * the shares of every batch: all devices of task 0 in order, then task 1's, and so on. Each step
 * every task computes its devices' shares (at the same time, one thread per device), sends them
 * with {@code allGather}, adds all shares in that fixed order and applies the sum, so every device
 * of every task holds the same weights after every step; that is {@code Training.fit} over all the
 * devices, hence one device at the same batch up to the order of float additions. Task 0 returns
 * the state after the epoch.
 *
 * <p>With {@code every} K &gt; 1 (parameter averaging) a task applies the gradient of its own rows'
 * mean loss to its own copy each step, and every K steps (and at the end of the epoch) the tasks
 * exchange their weights with {@code allGather} and all take the average, weighted by their rows;
 * the optimizer state carried into the next epoch is task 0's. Internal.
 */
final class SyncEpoch extends AbstractFunction1<Iterator<Integer>, Iterator<RunState>> implements Serializable {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(SyncEpoch.class);

    /** The network's layers, as a model file (layer specs are not serialisable). */
    private final byte[] net;
    /** The fit options as {@link FitOptions#settings()} (the options themselves are not serialisable). */
    private final HashMap<String, String> settings;
    private final Broadcast<TrainingData> data;
    private final Broadcast<RunState> start;
    private final String device;
    private final int epoch;
    /** 1: synchronous; K > 1: parameter averaging every K steps. */
    private final int every;

    SyncEpoch(byte[] net, Map<String, String> settings, Broadcast<TrainingData> data, Broadcast<RunState> start,
              String device, int epoch, int every) {
        this.every = every;
        this.net = net;
        this.settings = new HashMap<>(settings);
        this.data = data;
        this.start = start;
        this.device = device;
        this.epoch = epoch;
    }

    @Override
    public Iterator<RunState> apply(Iterator<Integer> partition) {
        BarrierTaskContext ctx = BarrierTaskContext.get();
        List<LayerSpec> layers = NetBytes.read(net).layers();
        FitOptions options = FitOptions.fromSettings(settings).build();
        int task = ctx.partitionId();
        List<Backend> devices = Devices.of(device);
        String[] counts = Barrier.allGather(ctx, Integer.toString(devices.size()));
        int total = 0, mine = 0;
        for (int i = 0; i < counts.length; i++) {
            int c = Integer.parseInt(counts[i]);
            if (i < task) mine += c;
            total += c;
        }
        List<int[]> split = BatchShare.split(options.batch(), total);
        RunState state = start.value();
        List<BatchShare> shares = new ArrayList<>();
        ExecutorService threads = devices.size() > 1 ? Executors.newFixedThreadPool(devices.size()) : null;
        try {
            for (int d = 0; d < devices.size(); d++) {
                int[] s = split.get(mine + d);
                BatchShare share = BatchShare.open(devices.get(d), layers, state.weights(), null, data.value().dataset(), options,
                        s[0], s[1]);
                shares.add(share);
                if (state.steps() > 0) share.restoreOptimizer(state.optimizer(), state.steps());   // else a fresh optimizer
                share.startEpoch(epoch);
            }
            LOG.info("epoch {} attempt {}: task {} of {} trains shares {}..{} of {} on {}", epoch, ctx.stageAttemptNumber(), task,
                    counts.length, mine, mine + devices.size() - 1, total, devices.stream().map(Backend::id).toList());
            int[] sizes = null;
            int iterations = shares.get(0).iterationsPerEpoch();
            double lossSum = 0;
            for (int it = 0; it < iterations; it++) {
                int step = it;
                List<Codec.Share> local = onEach(threads, shares, s -> new Codec.Share(s.gradient(step), (double) s.loss() * s.scale()));
                if (sizes == null) {
                    sizes = new int[local.get(0).gradient().length];
                    for (int k = 0; k < sizes.length; k++) sizes[k] = local.get(0).gradient()[k].length;
                }
                if (every > 1) {
                    lossSum += localStep(threads, shares, local, options.batch());
                    if ((it + 1) % every == 0 || it == iterations - 1) average(ctx, shares);
                    continue;
                }
                String[] all = Barrier.allGather(ctx, Codec.encode(local));
                List<float[][]> grads = new ArrayList<>(total);
                double loss = 0;
                for (String m : all) {
                    for (Codec.Share s : Codec.decode(m, sizes)) {
                        grads.add(s.gradient());
                        loss += s.weightedLoss();
                    }
                }
                lossSum += (float) loss;
                float[][] sum = BatchShare.sum(grads);
                onEach(threads, shares, s -> {
                    s.apply(sum);
                    return null;
                });
            }
            if (task != 0) return scala.collection.JavaConverters.asScalaIterator(Collections.<RunState>emptyIterator());
            BatchShare first = shares.get(0);
            RunState out = new RunState(new LinkedHashMap<>(first.weights()), new LinkedHashMap<>(first.optimizerState()),
                    first.steps(), iterations == 0 ? Double.NaN : lossSum / iterations, ctx.stageAttemptNumber(), total);
            return scala.collection.JavaConverters.asScalaIterator(List.of(out).iterator());
        } finally {
            if (threads != null) threads.shutdownNow();
            shares.forEach(BatchShare::close);
        }
    }

    /**
     * Parameter averaging, between two averages: the task's devices add their shares (in device order) and
     * apply the gradient of the mean loss of the task's rows of the batch to their copy; returns that loss.
     */
    private static double localStep(ExecutorService threads, List<BatchShare> shares, List<Codec.Share> local, int batch) {
        double fraction = 0, loss = 0;
        for (BatchShare s : shares) fraction += s.scale();
        for (Codec.Share s : local) loss += s.weightedLoss();
        float[][] sum = BatchShare.sum(local.stream().map(Codec.Share::gradient).toList());
        float factor = (float) (1 / fraction);
        for (float[] p : sum) for (int j = 0; j < p.length; j++) p[j] *= factor;
        onEach(threads, shares, s -> {
            s.apply(sum);
            return null;
        });
        return loss / fraction;
    }

    /**
     * Every task's weights (parameters and layer state), gathered with {@code allGather} and averaged in task
     * order, weighted by each task's rows of the batch, into every device's copy.
     */
    private static void average(BarrierTaskContext ctx, List<BatchShare> shares) {
        Map<String, float[]> w = shares.get(0).weights();
        double fraction = 0;
        for (BatchShare s : shares) fraction += s.scale();
        float[][] values = w.values().toArray(float[][]::new);
        int[] sizes = java.util.Arrays.stream(values).mapToInt(v -> v.length).toArray();
        String[] all = Barrier.allGather(ctx, Codec.encode(List.of(new Codec.Share(values, fraction))));
        double[][] acc = new double[values.length][];
        for (int k = 0; k < acc.length; k++) acc[k] = new double[sizes[k]];
        double weights = 0;
        for (String m : all) {
            Codec.Share s = Codec.decode(m, sizes).get(0);
            weights += s.weightedLoss();
            for (int k = 0; k < acc.length; k++) {
                float[] v = s.gradient()[k];
                for (int j = 0; j < v.length; j++) acc[k][j] += s.weightedLoss() * v[j];
            }
        }
        Map<String, float[]> avg = new LinkedHashMap<>();
        int k = 0;
        for (String name : w.keySet()) {
            float[] v = new float[sizes[k]];
            for (int j = 0; j < v.length; j++) v[j] = (float) (acc[k][j] / weights);
            avg.put(name, v);
            k++;
        }
        for (BatchShare s : shares) {
            java.util.concurrent.locks.ReentrantLock lock = dev.clayers.backend.BackendLock.of(s.network().backend());
            lock.lock();
            try {
                s.network().loadWeights(avg);
            } finally {
                lock.unlock();
            }
        }
    }

    private interface Work<T> {
        T run(BatchShare s);
    }

    /**
     * {@code work} on every share at once (one thread per device), results in share order. Waits for
     * every device before it returns or throws; the first failure (in device order) is thrown once all
     * have stopped, so no device is still busy when the caller goes on to close its share.
     */
    private static <T> List<T> onEach(ExecutorService threads, List<BatchShare> shares, Work<T> work) {
        if (threads == null) return Collections.singletonList(work.run(shares.get(0)));
        List<Future<T>> futures = new ArrayList<>();
        for (BatchShare s : shares) futures.add(threads.submit(() -> work.run(s)));
        List<T> out = new ArrayList<>();
        Throwable failure = null;
        boolean interrupted = false;
        for (Future<T> f : futures) {
            while (true) {
                try {
                    out.add(f.get());
                    break;
                } catch (InterruptedException e) {
                    interrupted = true;   // the devices' work is finished first: it holds their buffers
                } catch (java.util.concurrent.ExecutionException e) {
                    if (failure == null) failure = e.getCause();   // the first in device order
                    break;
                }
            }
        }
        if (interrupted) Thread.currentThread().interrupt();
        if (failure instanceof RuntimeException re) throw re;
        if (failure instanceof Error err) throw err;
        if (failure != null) throw new IllegalStateException(failure.getMessage(), failure);
        // Spark cancels a task by interrupting it: stop the epoch, now that no device is busy.
        if (interrupted) throw new IllegalStateException("interrupted while the devices trained");
        return out;
    }
}
