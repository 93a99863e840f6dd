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
 * the state after the epoch. Internal.
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

    SyncEpoch(byte[] net, Map<String, String> settings, Broadcast<TrainingData> data, Broadcast<RunState> start,
              String device, int epoch) {
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

    private interface Work<T> {
        T run(BatchShare s);
    }

    /** {@code work} on every share at once (one thread per device), results in share order. */
    private static <T> List<T> onEach(ExecutorService threads, List<BatchShare> shares, Work<T> work) {
        if (threads == null) return Collections.singletonList(work.run(shares.get(0)));
        List<Future<T>> futures = new ArrayList<>();
        for (BatchShare s : shares) futures.add(threads.submit(() -> work.run(s)));
        List<T> out = new ArrayList<>();
        for (Future<T> f : futures) {
            try {
                out.add(f.get());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while the devices trained", e);
            } catch (java.util.concurrent.ExecutionException e) {
                if (e.getCause() instanceof RuntimeException re) throw re;
                throw new IllegalStateException(e.getCause());
            }
        }
        return out;
    }
}
