package dev.clayers.train;

import dev.clayers.backend.Backend;
import dev.clayers.backend.BackendLock;
import dev.clayers.backend.IntVector;
import dev.clayers.backend.Matrix;
import dev.clayers.data.Dataset;
import dev.clayers.layer.Layer;
import dev.clayers.layer.NonFiniteLossException;
import dev.clayers.layer.Param;
import dev.clayers.net.DeviceDataset;
import dev.clayers.net.Evaluation;
import dev.clayers.net.Sequential;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Synchronous data parallelism over several devices ({@link Training#fit(Sequential, List,
 * Dataset, Dataset, FitOptions)} runs a whole training run with it). Replica 0 is the caller's
 * network, optimizer and data on the first device; every other device gets a replica built from
 * the same weights, its own optimizer and its own copy of the training set.
 *
 * <p>Each step the global batch of {@code B} rows is cut into shares in device order: equal (the
 * first {@code B mod n} devices take one row more) or in proportion to {@link FitOptions#shares}. Every replica, on its own host thread at the
 * same time as the others, gathers its share, computes the gradient of the share's mean loss
 * scaled by its fraction of the batch (so the shares' gradients add up to the whole batch's) and
 * downloads it. The host adds the gradients in double, always in device order, rounds the sum
 * to float once and uploads it to every replica, and every replica applies the same weight decay
 * and optimizer update to the same weights, so the replicas stay identical and a run is the same
 * bit for bit each time on the same devices. Shifts, dropout masks and sampled batches are the
 * ones the whole batch draws on one device (each share draws its rows' part), so the run equals
 * one device at the same batch up to the order of float additions in the gradient sums.
 *
 * <p>Batch normalisation normalises each share by its own statistics, as PyTorch's default
 * {@code DataParallel} and {@code DistributedDataParallel} do (not synchronised); the running
 * averages that evaluation uses are replica 0's, copied to the others at the end of each epoch.
 * Evaluation runs on replica 0.
 *
 * <p><b>Threads.</b> Used by one thread (the one running {@code Training.fit}), which must hold
 * replica 0's backend lock and does replica 0's share itself; each other device has one host
 * thread of its own, which holds that device's lock while it works. {@link #close} stops them.
 */
final class DataParallel implements AutoCloseable {
    private final FitOptions config;
    private final Trainer first;
    private final DeviceDataset test;
    private final List<Replica> replicas = new ArrayList<>();
    private final List<ExecutorService> threads = new ArrayList<>();
    /** The whole batch's gradient, one array per parameter, rewritten every step. */
    private final float[][] sum;
    /** Whether {@link #sum} holds a step's gradient not yet applied. */
    private boolean pending;

    /**
     * @param net     replica 0's network (on {@code devices.get(0)}), trained in place
     * @param opt     replica 0's optimizer, which checkpoints save
     * @param train   the training set on the first device
     * @param test    the validation set on the first device, or null
     * @param first   the single-device trainer of replica 0 (its checks already passed; its advice on divergence)
     * @param devices every device, the network's first, each once
     */
    DataParallel(Sequential net, Optimizer opt, DeviceDataset train, DeviceDataset test, Trainer first,
                 List<Backend> devices, FitOptions config) {
        int[] split = checkDevices(net, devices, config);
        this.config = config;
        this.first = first;
        this.test = test;
        int n = devices.size(), batch = config.batch();
        try {
            Map<String, float[]> weights = net.weights();
            int firstRow = 0;
            for (int i = 0; i < n; i++) {
                int rows = split[i];
                float scale = (float) ((double) rows / batch);
                if (i == 0) {
                    replicas.add(new Replica(net, opt, train, false, 0, firstRow, rows, scale, config));
                } else {
                    replicas.add(Replica.open(devices.get(i), net, weights, train.host(), i, firstRow, rows, scale, config));
                    int index = i;
                    threads.add(Executors.newSingleThreadExecutor(r -> {
                        Thread t = new Thread(r, "clayers-replica-" + index + " (" + devices.get(index).id() + ")");
                        t.setDaemon(true);
                        return t;
                    }));
                }
                firstRow += rows;
            }
        } catch (RuntimeException e) {
            close();
            throw e;
        }
        this.sum = net.params().stream().map(p -> new float[p.value().size()]).toArray(float[][]::new);
    }

    /**
     * The devices must be distinct, the first the network's, no more than {@link
     * dev.clayers.Limits#MAX_DEVICES}, and no more than the batch has rows (every device needs at
     * least one row); shares, when given, one per device, each giving its device a row.
     *
     * @return the rows of each device's share, in device order
     */
    static int[] checkDevices(Sequential net, List<Backend> devices, FitOptions config) {
        if (devices == null || devices.isEmpty()) throw new IllegalArgumentException("devices must name at least one device");
        if (devices.size() > dev.clayers.Limits.MAX_DEVICES) {
            throw new IllegalArgumentException(devices.size() + " devices are more than the " + dev.clayers.Limits.MAX_DEVICES
                    + " that can train one network together");
        }
        if (devices.get(0) != net.backend()) {
            throw new IllegalArgumentException("the first device must be the network's (" + net.backend().id()
                    + "), got " + (devices.get(0) == null ? "null" : devices.get(0).id())
                    + "; the other devices get replicas of it");
        }
        Set<String> seen = new HashSet<>();
        for (Backend b : devices) {
            if (b == null) throw new IllegalArgumentException("devices must not contain null");
            String id = dev.clayers.backend.Backends.withoutShape(b.id());
            if (!seen.add(id)) {
                throw new IllegalArgumentException("device " + id + " is listed twice; name each device once");
            }
        }
        return config.shareRows(devices.size());
    }

    /**
     * Each device's rows of a batch, in device order: equal shares (the first {@code batch mod n}
     * devices take one row more), or in proportion to {@code shares}, rounded down with the rows
     * left over going to the largest remainders (the first device on a tie), so the rows add up
     * to the batch and the split depends on nothing but its arguments.
     *
     * @throws InvalidOptionException when the batch has fewer rows than there are devices, or the
     *     shares are not one per device or leave a device no row
     */
    static int[] rows(int batch, List<Integer> shares, int n) {
        if (batch < n) {
            throw new InvalidOptionException("batch", batch + " is smaller than the " + n
                    + " devices; each device needs at least one row of every batch");
        }
        if (shares.isEmpty()) {
            int[] rows = new int[n];
            for (int i = 0; i < n; i++) rows[i] = batch / n + (i < batch % n ? 1 : 0);
            return rows;
        }
        if (shares.size() != n) {
            throw new InvalidOptionException("shares", FitOptions.sharesText(shares) + " has " + shares.size() + " entries for "
                    + n + " devices; give one share per device");
        }
        int[] rows = proportional(batch, shares);
        for (int i = 0; i < n; i++) {
            if (rows[i] == 0) {
                throw new InvalidOptionException("shares", FitOptions.sharesText(shares) + " gives device " + (i + 1)
                        + " no row of a batch of " + batch + "; give it a larger share or use a larger batch");
            }
        }
        return rows;
    }

    /** {@link #rows} for measured shares, where a device too slow for a row of its own still gets one (from the largest share). */
    static int[] rowsAtLeastOne(int batch, List<Integer> shares) {
        int[] rows = proportional(batch, shares);
        for (int i = 0; i < rows.length; i++) {
            while (rows[i] == 0) {
                int largest = 0;
                for (int j = 1; j < rows.length; j++) if (rows[j] > rows[largest]) largest = j;
                rows[largest]--;
                rows[i]++;
            }
        }
        return rows;
    }

    /** Rows in proportion to the shares, rounded down, the rest to the largest remainders (the earlier device on a tie). */
    private static int[] proportional(int batch, List<Integer> shares) {
        int n = shares.size();
        long total = 0;
        for (int w : shares) total += w;
        int[] rows = new int[n];
        long[] remainder = new long[n];
        int given = 0;
        for (int i = 0; i < n; i++) {
            long exact = (long) batch * shares.get(i);
            rows[i] = (int) (exact / total);
            remainder[i] = exact % total;
            given += rows[i];
        }
        for (int left = batch - given; left > 0; left--) {
            int best = 0;
            for (int i = 1; i < n; i++) if (remainder[i] > remainder[best]) best = i;
            rows[best]++;
            remainder[best] = -1;
        }
        return rows;
    }

    /**
     * Rows per second of each device on its share, all devices at once as in training: the median
     * of {@code steps} timed gradients (after untimed ones for at least half a second), in device order. No update is applied;
     * the caller restores any layer state the steps moved (batch-norm running averages).
     */
    double[] rowsPerSecond(int steps) {
        if (!config.sampled()) {   // sampled steps draw their own rows into order
            int[] identity = new int[replicas.get(0).train.size()];
            for (int i = 0; i < identity.length; i++) identity[i] = i;
            onAll(r -> r.be().writeInts(r.order, identity));
        }
        int n = replicas.size();
        // Untimed steps first, for at least half a second: the Java backend's kernels are only
        // compiled by the JIT after many calls, and timed cold they made it look 10x slower.
        long warm = System.nanoTime();
        for (int s = 0; s < 2 || (System.nanoTime() - warm < 500_000_000L && s < 500); s++) onAll(r -> r.gradient(0));
        double[][] seconds = new double[n][steps];
        for (int s = 0; s < steps; s++) {
            int step = s;
            onAll(r -> {
                long t0 = System.nanoTime();
                r.gradient(0);
                seconds[r.index][step] = (System.nanoTime() - t0) / 1e9;
            });
        }
        double[] out = new double[n];
        for (int i = 0; i < n; i++) {
            Arrays.sort(seconds[i]);
            out[i] = replicas.get(i).rows / Math.max(seconds[i][steps / 2], 1e-9);
        }
        return out;
    }

    /**
     * After replica 0's optimizer was restored from a checkpoint: the same state and step count in
     * every other replica's optimizer (the weights came with the network the replicas were built from).
     */
    void copyOptimizerFromFirst() {
        Replica r0 = replicas.get(0);
        Map<String, float[]> state = new LinkedHashMap<>();
        for (Map.Entry<String, Matrix> e : r0.opt.state(r0.net.params()).entrySet()) {
            state.put(e.getKey(), r0.be().download(e.getValue()));
        }
        long steps = r0.opt.steps();
        onOthers(r -> {
            r.opt.setSteps(steps);
            for (Map.Entry<String, Matrix> e : r.opt.state(r.net.params()).entrySet()) r.be().write(e.getValue(), state.get(e.getKey()));
        });
    }

    /** Trains one epoch (1-based) on every device and evaluates on the first, as {@link Trainer#runEpoch} does on one. */
    EpochMetrics runEpoch(int epoch, Trainer.Listener listener) {
        int batch = config.batch();
        long iters;
        if (config.sampled()) {
            long done = (long) (epoch - 1) * first.iterationsPerEpoch();
            iters = Math.max(0, Math.min(first.iterationsPerEpoch(), config.sampledIterations() - done));
        } else {
            iters = first.iterationsPerEpoch();
        }
        int[] order = config.sampled() ? null
                : Trainer.permutation(replicas.get(0).train.size(), Trainer.epochRandom(config.seed(), epoch));
        float lr = config.learningRate(epoch);
        onAll(r -> {
            if (order != null) r.be().writeInts(r.order, order);
            r.opt.setLearningRate(lr);
        });
        listener.epochStarted(epoch, iters * batch);
        long t0 = System.nanoTime();
        double lossSum = 0;
        for (long it = 0; it < iters; it++) {
            int offset = config.sampled() ? 0 : (int) (it * batch);
            boolean update = pending;
            pending = false;
            try {
                onAll(r -> {
                    if (update) r.update(sum);
                    r.gradient(offset);
                });
            } catch (NonFiniteLossException e) {
                throw new NonFiniteLossException("training diverged in epoch " + epoch + ", iteration " + (it + 1)
                        + ": loss is not finite; " + first.likelyCause());
            }
            addGradients();
            pending = true;
            double loss = 0;
            for (Replica r : replicas) loss += (double) r.loss * r.scale;
            lossSum += (float) loss;
            listener.progress((it + 1) * batch);
        }
        boolean update = pending;
        pending = false;
        onAll(r -> {
            if (update) r.update(sum);
            r.be().finish();
        });
        copyLayerStateFromFirst();
        double seconds = (System.nanoTime() - t0) / 1e9;
        long e0 = System.nanoTime();
        int evalBatch = Math.max(batch, 1000);
        Replica r0 = replicas.get(0);
        Evaluation tr = r0.train.evaluate(r0.net, evalBatch, false);
        Evaluation te = test == null ? null : test.evaluate(r0.net, evalBatch, false);
        double evalSeconds = (System.nanoTime() - e0) / 1e9;
        EpochMetrics m = new EpochMetrics(epoch, r0.opt.steps(), iters == 0 ? Double.NaN : lossSum / iters,
                tr.accuracy(), te == null ? Double.NaN : te.loss(),
                te == null ? Double.NaN : te.accuracy(), iters * batch / Math.max(seconds, 1e-9), seconds, evalSeconds);
        listener.epochEnded(m);
        return m;
    }

    /**
     * The whole batch's gradient into {@link #sum}: each parameter's shares added in double in
     * device order and rounded to float once, so the sum never depends on which device finished
     * first. (Two shares added in float are that already: one correctly rounded addition.) It
     * runs on this thread once every device is done: adding slices on the devices' threads took
     * one more hand-over between threads per step, which cost more than it saved (a 784-1000-10
     * sum is under a millisecond).
     */
    private void addGradients() {
        addInOrder(replicas.stream().map(r -> r.grads).toList(), sum);
    }

    /**
     * {@code out[k] = sum over shares of shares.get(i)[k]}, added in double in list order and rounded to float once
     * (two shares: one float addition, which is the same); {@link BatchShare#sum} is this for other processes.
     */
    static void addInOrder(List<float[][]> shares, float[][] out) {
        int n = shares.size();
        for (int k = 0; k < out.length; k++) {
            float[] o = out[k];
            if (n == 1) {
                System.arraycopy(shares.get(0)[k], 0, o, 0, o.length);
            } else if (n == 2) {
                float[] a = shares.get(0)[k], b = shares.get(1)[k];
                for (int j = 0; j < o.length; j++) o[j] = a[j] + b[j];
            } else {
                for (int j = 0; j < o.length; j++) {
                    double acc = shares.get(0)[k][j];
                    for (int r = 1; r < n; r++) acc += shares.get(r)[k][j];
                    o[j] = (float) acc;
                }
            }
        }
    }

    /**
     * Batch norm's running averages (the layers' state) of replica 0 into every other replica, as
     * DistributedDataParallel broadcasts buffers: evaluation and checkpoints read replica 0's, and
     * the replicas then hold the same everything.
     */
    private void copyLayerStateFromFirst() {
        Replica r0 = replicas.get(0);
        Map<String, float[]> state = new LinkedHashMap<>();
        for (Layer l : r0.net.layers()) for (Map.Entry<String, Matrix> e : l.state().entrySet()) state.put(e.getKey(), r0.be().download(e.getValue()));
        if (state.isEmpty()) return;
        onOthers(r -> {
            for (Layer l : r.net.layers()) for (Map.Entry<String, Matrix> e : l.state().entrySet()) r.be().write(e.getValue(), state.get(e.getKey()));
        });
    }

    /** Every replica's parameters and layer state, by name, in device order (tests compare them). */
    List<Map<String, float[]>> replicaWeights() {
        List<Map<String, float[]>> out = new ArrayList<>();
        for (Replica r : replicas) {
            r.lock().lock();
            try {
                out.add(r.net.weights());
            } finally {
                r.lock().unlock();
            }
        }
        return out;
    }

    /** Runs {@code work} for every replica at once: replica 0 on this thread, each other on its own. */
    private void onAll(Consumer<Replica> work) {
        run(work, true);
    }

    private void onOthers(Consumer<Replica> work) {
        run(work, false);
    }

    /**
     * Submits the other replicas' work first, does replica 0's here, then waits for every one in
     * device order; the first failure (in device order) is thrown once all have stopped, so no
     * device is still busy when the caller goes on to close it.
     */
    private void run(Consumer<Replica> work, boolean withFirst) {
        List<Future<?>> futures = new ArrayList<>();
        for (int i = 1; i < replicas.size(); i++) {
            Replica r = replicas.get(i);
            futures.add(threads.get(i - 1).submit(() -> {
                r.lock().lock();
                try {
                    work.accept(r);
                } finally {
                    r.lock().unlock();
                }
            }));
        }
        RuntimeException failure = null;
        if (withFirst) {
            Replica r0 = replicas.get(0);
            r0.lock().lock();
            try {
                work.accept(r0);
            } catch (RuntimeException e) {
                failure = firstOf(failure, e);
            } finally {
                r0.lock().unlock();
            }
        }
        boolean interrupted = false;
        for (Future<?> f : futures) {
            while (true) {
                try {
                    f.get();
                    break;
                } catch (InterruptedException e) {
                    interrupted = true;   // the devices' work is finished first: it holds their buffers
                } catch (ExecutionException e) {
                    failure = firstOf(failure, e.getCause() instanceof RuntimeException re ? re
                            : e.getCause() instanceof Error err ? rethrow(err)
                            : new IllegalStateException(e.getCause().getMessage(), e.getCause()));
                    break;
                }
            }
        }
        if (interrupted) Thread.currentThread().interrupt();
        if (failure != null) throw failure;
    }

    /** The first failure in device order. */
    private static RuntimeException firstOf(RuntimeException kept, RuntimeException next) {
        return kept == null ? next : kept;
    }

    private static RuntimeException rethrow(Error e) {
        throw e;
    }

    /** Stops the host threads and closes the replicas this class made (replica 0 is the caller's). */
    @Override
    public void close() {
        for (ExecutorService t : threads) t.shutdown();
        boolean interrupted = false;
        for (ExecutorService t : threads) {
            try {
                if (!t.awaitTermination(1, TimeUnit.MINUTES)) {
                    throw new IllegalStateException("a replica's host thread did not stop within a minute");
                }
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        threads.clear();
        RuntimeException failure = null;
        for (Replica r : replicas) {
            try {
                r.close();
            } catch (RuntimeException e) {
                if (failure == null) failure = e;
            }
        }
        replicas.clear();
        if (interrupted) Thread.currentThread().interrupt();
        if (failure != null) throw failure;
    }

    /** One device's network, optimizer, data and step buffers, and its share of every batch ({@link BatchShare} wraps one). */
    static final class Replica implements AutoCloseable {
        final Sequential net;
        final Optimizer opt;
        final DeviceDataset train;
        /** Whether this class made the network, optimizer and data (all but replica 0). */
        final boolean owned;
        /** The device's place in the list. */
        final int index;
        final int firstRow;
        final int rows;
        final float scale;
        final FitOptions config;
        final Matrix x;
        final IntVector t;
        final IntVector order;
        final List<Matrix> decayW;
        final List<Matrix> decayGrads;
        /** Every parameter's gradient buffer, in order. */
        final List<Matrix> gradients;
        /** The last {@link #gradient}'s values on the host, one array per parameter, rewritten every step. */
        final float[][] grads;
        float loss;

        Replica(Sequential net, Optimizer opt, DeviceDataset train, boolean owned, int index, int firstRow, int rows,
                        float scale, FitOptions config) {
            this.net = net;
            this.index = index;
            this.opt = opt;
            this.train = train;
            this.owned = owned;
            this.firstRow = firstRow;
            this.rows = rows;
            this.scale = scale;
            this.config = config;
            Backend be = net.backend();
            Matrix xb = null;
            IntVector tb = null;
            try {
                xb = be.alloc(rows, train.host().features());
                tb = be.allocInts(rows);
                this.order = be.allocInts(config.sampled() ? config.batch() : train.size());
            } catch (RuntimeException e) {
                if (xb != null) xb.close();
                if (tb != null) tb.close();
                throw e;
            }
            this.x = xb;
            this.t = tb;
            List<Param> weights = net.params().stream().filter(p -> p.name().endsWith(".W")).toList();
            this.decayW = weights.stream().map(Param::value).toList();
            this.decayGrads = weights.stream().map(Param::grad).toList();
            this.gradients = net.params().stream().map(Param::grad).toList();
            this.grads = gradients.stream().map(g -> new float[g.size()]).toArray(float[][]::new);
        }

        /** A replica of {@code like} on {@code device} with {@code weights}, its own optimizer and copy of the data. */
        static Replica open(Backend device, Sequential like, Map<String, float[]> weights, Dataset train, int index,
                            int firstRow, int rows, float scale, FitOptions config) {
            return open(device, like.layerSpecs(), like.normaliser().orElse(null), weights, train, index, firstRow, rows,
                    scale, config);
        }

        /** A replica of the network {@code layers} with {@code weights} (and {@code normaliser}, or null) on {@code device}. */
        static Replica open(Backend device, List<? extends dev.clayers.net.LayerSpec> layers, dev.clayers.data.Normaliser normaliser,
                            Map<String, float[]> weights, Dataset train, int index, int firstRow, int rows, float scale,
                            FitOptions config) {
            Sequential net = null;
            Optimizer opt = null;
            DeviceDataset data = null;
            try {
                net = Sequential.fromWeights(device, layers, weights);
                if (normaliser != null) net.setNormaliser(normaliser);
                opt = config.optimizer().create(device, config.learningRate());
                data = DeviceDataset.resident(device, train, normaliser);
                return new Replica(net, opt, data, true, index, firstRow, rows, scale, config);
            } catch (RuntimeException e) {
                if (data != null) data.close();
                if (opt != null) opt.close();
                if (net != null) net.close();
                throw e;
            }
        }

        Backend be() { return net.backend(); }

        java.util.concurrent.locks.ReentrantLock lock() { return BackendLock.of(be()); }

        /** Applies the batch's summed gradient: into every gradient buffer, then weight decay and the optimizer's step. */
        void update(float[][] sum) {
            Backend be = be();
            List<Param> params = net.params();
            be.write(gradients, Arrays.asList(sum));
            if (config.weightDecay() > 0) be.axpy(config.weightDecay(), decayW, decayGrads);
            opt.step(params);
        }

        /**
         * This replica's share of the batch at {@code offset} of the order, as {@link Trainer#step}
         * gathers the whole batch (the same seeds, from the step count), and its gradient, downloaded.
         */
        void gradient(int offset) {
            Backend be = be();
            long step = opt.steps();
            if (config.sampled()) {
                be.randomIndices(order, train.size(), Trainer.stepSeed(config.seed(), step, Trainer.Stream.BATCH));
            }
            int at = offset + firstRow;
            if (config.augment() > 0) {
                be.gatherRowsShifted(train.images(), order, at, train.host().cols(), train.host().rows(), config.augment(),
                        Trainer.stepSeed(config.seed(), step, Trainer.Stream.SHIFTS), firstRow, x);
            } else {
                be.gatherRows(train.images(), order, at, x);
            }
            be.gatherInts(train.labels(), order, at, t);
            loss = net.gradient(x, t, Trainer.stepSeed(config.seed(), step, Trainer.Stream.DROPOUT), firstRow, scale);
            be.read(gradients, Arrays.asList(grads));
        }

        @Override
        public void close() {
            x.close();
            t.close();
            order.close();
            if (owned) {
                train.close();
                opt.close();
                net.close();
            }
        }
    }
}
