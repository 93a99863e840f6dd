package dev.clayers.train;

import dev.clayers.backend.MemoryBudget;
import dev.clayers.backend.Backend;
import dev.clayers.data.Dataset;
import dev.clayers.io.AtomicFiles;
import dev.clayers.io.OutputFiles;
import dev.clayers.net.DeviceDataset;
import dev.clayers.net.Sequential;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A whole training run in one call: the data goes to the network's device once, then epochs of
 * mini-batch steps ({@link Trainer}), each followed by evaluation, a checkpoint when asked, the
 * listener, and the early-stopping check.
 *
 * <pre>{@code
 * History h = Training.fit(net, train, test, FitOptions.builder().epochs(5).build());
 * }</pre>
 */
public final class Training {
    private static final Logger log = LoggerFactory.getLogger(Training.class);

    private Training() {}

    /**
     * Trains {@code net} in place and returns the metrics of every epoch. Each call starts a fresh
     * optimizer (its moments at zero); to continue a run exactly, checkpoint it and {@link #resume}.
     * Early stopping leaves the weights of the last epoch trained unless it restores the best ({@link EarlyStopping#restoringBest()}).
     *
     * @param validation evaluated after every epoch (the metrics' test columns), or null for none
     * @throws InvalidOptionException when an option does not fit the data (a batch larger than the set)
     * @throws dev.clayers.layer.NonFiniteLossException when training diverges
     * @throws UncheckedIOException when a checkpoint cannot be written
     */
    public static History fit(Sequential net, Dataset train, Dataset validation, FitOptions options) {
        return run(net, List.of(), train, validation, options, null);
    }

    /**
     * {@link #fit(Sequential, Dataset, Dataset, FitOptions)} on several devices at once, by
     * synchronous data parallelism: {@code net} lives on {@code devices.get(0)} and every other
     * device gets a replica of it for the run; each step splits the batch into equal shares, one
     * per device, computed at the same time on one host thread per device, adds their gradients
     * in device order and applies the same update on every device (see {@link DataParallel} for
     * what is guaranteed). {@code net} ends with the trained weights; the replicas are closed.
     * One device is exactly {@link #fit(Sequential, Dataset, Dataset, FitOptions)}.
     *
     * <pre>{@code
     * List<Backend> devices = Backends.openEach("opencl:0:0,opencl:0:1");
     * try (Sequential net = Sequential.of(devices.get(0), affine(784, 100), relu(), affine(100, 10))) {
     *     Training.fit(net, devices, train, test, FitOptions.builder().batch(200).epochs(5).build());
     * } finally {
     *     devices.forEach(Backend::close);
     * }
     * }</pre>
     *
     * @param devices the devices, the network's first, each once
     * @throws IllegalArgumentException when a device is listed twice or the first is not the network's
     * @throws InvalidOptionException   when the batch has fewer rows than there are devices
     */
    public static History fit(Sequential net, List<Backend> devices, Dataset train, Dataset validation, FitOptions options) {
        DataParallel.checkDevices(net, devices, options);
        return run(net, devices.subList(1, devices.size()), train, validation, options, null);
    }

    /**
     * Shares of a batch that match the devices' speeds, for {@link FitOptions.Builder#shares}:
     * every device computes gradients of its equal share at the same time, as in training (untimed
     * steps for half a second, then the median of 5 timed), and each gets rows in proportion to its rows per
     * second, at least one. The result is rows of {@code options.batch()}, in device order; pass it
     * on to train with it, so the run (and its checkpoints) repeat bit for bit, which a measurement
     * would not. {@code net} is left as it was (no update is applied; layer state is restored).
     *
     * <pre>{@code
     * List<Integer> rows = Training.measureShares(net, devices, train, options);
     * Training.fit(net, devices, train, test, options.toBuilder().shares(rows).build());
     * }</pre>
     *
     * @throws IllegalArgumentException as {@link #fit(Sequential, List, Dataset, Dataset, FitOptions)} does for bad devices
     */
    public static List<Integer> measureShares(Sequential net, List<Backend> devices, Dataset train, FitOptions options) {
        if (net == null || train == null || options == null) throw new IllegalArgumentException("measureShares needs a network, data and options");
        FitOptions equal = options.toBuilder().shares(List.of()).checkpointDir(null).keepBest(false).stopAfterEpoch(0)
                .earlyStopping(null).build();
        DataParallel.checkDevices(net, devices, equal);
        if (devices.size() == 1) return List.of(options.batch());
        net.checkData(train);
        // Every device holds the training set, as in the run itself: a set too large fails here with the run's one line.
        checkMemory(net, net.backend(), train, null, equal, Long.MAX_VALUE);
        for (Backend d : devices) {
            if (d != net.backend()) checkMemory(net, d, train, null, equal, Long.MAX_VALUE);
        }
        net.beginTraining();
        try {
            net.lock().lock();
            Map<String, float[]> saved = net.weights();
            try (Optimizer opt = equal.optimizer().create(net.backend(), equal.learningRate());
                 DeviceDataset tr = DeviceDataset.within(net.backend(), train, net.normaliser().orElse(null), Long.MAX_VALUE);
                 Trainer trainer = new Trainer(net, opt, tr, null, equal);
                 DataParallel parallel = new DataParallel(net, opt, tr, null, trainer, devices, equal)) {
                double[] speed = parallel.rowsPerSecond(5);
                double fastest = java.util.Arrays.stream(speed).max().orElse(1);
                List<Integer> weights = java.util.Arrays.stream(speed).mapToObj(v -> (int) Math.max(1, Math.round(v / fastest * 10_000)))
                        .toList();
                int[] rows = DataParallel.rowsAtLeastOne(options.batch(), weights);
                log.info("shares measured at batch {}: {} rows/s -> rows {}", options.batch(),
                        java.util.Arrays.stream(speed).mapToObj(v -> String.format(java.util.Locale.ROOT, "%.0f", v)).toList(),
                        FitOptions.sharesText(java.util.Arrays.stream(rows).boxed().toList()));
                return java.util.Arrays.stream(rows).boxed().toList();
            } finally {
                net.loadWeights(saved);
                net.lock().unlock();
            }
        } finally {
            net.endTraining();
        }
    }

    /**
     * Continues the run checkpointed in {@code state} (from {@link Checkpoint#load}) on {@code net},
     * built from {@code state.model()}: restores the optimizer and trains epochs
     * {@code state.epoch() + 1 .. options.epochs()}. The returned history includes the earlier epochs.
     * Use the checkpoint's options ({@code state.options()}, with a larger epoch count if wanted)
     * for the numbers of an uninterrupted run.
     */
    public static History resume(Sequential net, Dataset train, Dataset validation, FitOptions options,
                                 Checkpoint.State state) {
        if (state == null || options == null) throw new IllegalArgumentException("resume needs the checkpoint's state and options");
        if (state.epoch() >= options.epochs()) {
            throw new InvalidOptionException("epochs", options.epochs() + " is not more than the " + state.epoch()
                    + " epochs the checkpoint already finished");
        }
        return run(net, List.of(), train, validation, options, state);
    }

    /** {@link #resume(Sequential, Dataset, Dataset, FitOptions, Checkpoint.State)} on several devices, as {@link #fit(Sequential, List, Dataset, Dataset, FitOptions)} trains. */
    public static History resume(Sequential net, List<Backend> devices, Dataset train, Dataset validation, FitOptions options,
                                 Checkpoint.State state) {
        DataParallel.checkDevices(net, devices, options);
        if (state.epoch() >= options.epochs()) return resume(net, train, validation, options, state);   // its one-line error
        return run(net, devices.subList(1, devices.size()), train, validation, options, state);
    }

    /**
     * The whole run holds the backend's lock ({@link Sequential#lock()}): a fit of another network
     * on the same backend waits for this one instead of interleaving its steps (which crashed
     * OpenCL drivers). A second fit of the same network from another thread is an error at once.
     */
    private static History run(Sequential net, List<Backend> others, Dataset train, Dataset validation, FitOptions options,
                               Checkpoint.State resumed) {
        if (net == null || train == null || options == null) {
            throw new IllegalArgumentException("fit needs a network, a training set and options; got "
                    + (net == null ? "no network" : train == null ? "no training set" : "no options"));
        }
        net.beginTraining();
        try {
            net.lock().lock();
            try {
                return runLocked(net, others, train, validation, options, resumed);
            } finally {
                net.lock().unlock();
            }
        } finally {
            net.endTraining();
        }
    }

    private static History runLocked(Sequential net, List<Backend> others, Dataset train, Dataset validation,
                                     FitOptions options, Checkpoint.State resumed) {
        Backend be = net.backend();
        net.checkData(train);
        List<EpochMetrics> history = new ArrayList<>(resumed == null ? List.of() : resumed.metrics());
        // Sets larger than the device's data budget stay on the host and stream (Trainer), with the
        // same numbers; the network's normaliser is applied on the way up. Several devices keep the
        // sets resident on each (DataParallel gathers every share on its own device).
        long budget = others.isEmpty() ? DeviceDataset.budgetBytes(be.info()) : Long.MAX_VALUE;
        long trainBytes = DeviceDataset.bytes(train);
        long left = trainBytes <= budget ? budget - trainBytes : budget;
        checkMemory(net, be, train, validation, options, budget);
        for (Backend other : others) checkMemory(net, other, train, validation, options, budget);
        if (options.checkpointDir() != null) prepareCheckpointDir(options.checkpointDir());
        dev.clayers.data.Normaliser normaliser = net.normaliser().orElse(null);
        try (Optimizer opt = options.optimizer().create(be, options.learningRate());
             DeviceDataset tr = DeviceDataset.within(be, train, normaliser, budget);
             DeviceDataset va = validation == null ? null : DeviceDataset.within(be, validation, normaliser, left);
             Trainer trainer = new Trainer(net, opt, tr, va, options);
             // Several devices: replicas on the others; checkpoints, early stopping and evaluation stay on net.
             DataParallel parallel = others.isEmpty() ? null : new DataParallel(net, opt, tr, va, trainer,
                     devices(net, others), options)) {
            if (resumed != null) Checkpoint.restore(resumed, net, opt);
            if (parallel != null && resumed != null) parallel.copyOptimizerFromFirst();
            int first = resumed == null ? 1 : resumed.epoch() + 1;
            EarlyStopping stopping = options.earlyStopping();
            EarlyStopping.Monitor monitor = stopping == null ? EarlyStopping.Monitor.LOSS : stopping.monitor();
            boolean hasValidation = validation != null;
            if (!hasValidation && monitor.name().startsWith("VALIDATION")) {
                throw new InvalidOptionException("earlyStopping", "monitors " + monitor.describe(false)
                        + " but fit was given no validation set");
            }
            EarlyStopping judge = stopping != null ? stopping : EarlyStopping.on(monitor, 1);
            double best = Double.NaN;
            int bestEpoch = 0;
            int sinceBest = 0;
            Map<String, float[]> bestWeights = null;
            History.Stop stop = History.Stop.COMPLETED;
            for (int epoch = first; epoch <= options.epochs(); epoch++) {
                EpochMetrics m = parallel != null ? parallel.runEpoch(epoch, options.listener())
                        : trainer.runEpoch(epoch, options.listener());
                requireFiniteWeights(net, epoch);
                history.add(m);
                if (options.checkpointDir() != null) {
                    Checkpoint.save(options.checkpointDir(), net, opt, options, epoch, history);
                }
                options.listener().epochFinished(m, history);
                double monitored = monitor.of(m, hasValidation);
                if (judge.improves(monitored, best)) {
                    best = monitored;
                    bestEpoch = epoch;
                    sinceBest = 0;
                    if (stopping != null && stopping.restoreBest()) bestWeights = net.weights();
                    if (options.keepBest()) Checkpoint.saveBest(options.checkpointDir(), net, options, epoch, m);
                } else if (stopping != null && ++sinceBest >= stopping.patience()) {
                    log.info("stopping after epoch {}: the {} has not improved on {} (epoch {}) for {} epochs", epoch,
                            monitor.describe(hasValidation), best, bestEpoch, sinceBest);
                    if (epoch < options.epochs()) {
                        stop = History.Stop.EARLY_STOPPING;
                        break;
                    }
                }
                if (options.listener().stopRequested()) {
                    log.info("stopping after epoch {}: the listener asked to", epoch);
                    if (epoch < options.epochs()) {
                        stop = History.Stop.LISTENER;
                        break;
                    }
                }
                if (options.stopAfterEpoch() > 0 && epoch >= options.stopAfterEpoch() && epoch < options.epochs()) {
                    return new History(history, History.Stop.STOP_AFTER, bestEpoch);
                }
            }
            if (bestWeights != null && bestEpoch != history.get(history.size() - 1).epoch()) {
                log.info("restoring the weights of epoch {}, the best by {} ({})", bestEpoch, monitor.describe(hasValidation),
                        best);
                net.loadWeights(bestWeights);
            }
            return new History(history, stop, bestEpoch);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the checkpoint in " + options.checkpointDir(), e);
        }
    }

    private static List<Backend> devices(Sequential net, List<Backend> others) {
        List<Backend> all = new ArrayList<>();
        all.add(net.backend());
        all.addAll(others);
        return all;
    }

    /**
     * The loss can stay finite while a weight overflows (ReLU maps NaN to 0, so the bad unit just
     * goes quiet): an epoch that leaves a non-finite weight has diverged, and must not be
     * returned, kept as the best or checkpointed as if it had trained.
     */
    private static void requireFiniteWeights(Sequential net, int epoch) {
        for (Map.Entry<String, float[]> w : net.weights().entrySet()) {
            float[] v = w.getValue();
            for (int i = 0; i < v.length; i++) {
                if (!Float.isFinite(v[i])) {
                    throw new dev.clayers.layer.NonFiniteLossException("training diverged in epoch " + epoch + ": " + w.getKey()
                            + " holds " + v[i] + " at index " + i + " (the loss stayed finite); lower the learning rate, or"
                            + " check the initial weights and the optimizer state resumed from");
                }
            }
        }
    }

    /**
     * Estimates the device memory of the run before allocating it (a network that fits may not fit
     * with Adam's two moment buffers and a large batch) and fails at once if the device lacks it.
     * The estimate leaves out small buffers, so a run it lets through may still fail, with the
     * device's out-of-memory error.
     */
    private static void checkMemory(Sequential net, Backend device, Dataset train, Dataset validation, FitOptions options,
                                    long budget) {
        int slots;
        try (Optimizer probe = options.optimizer().create(device, options.learningRate())) {
            slots = probe.stateBuffersPerParam();   // its buffers are made on first use, so the probe holds none
        }
        long params = Sequential.parameterCount(net.layerSpecs());
        long widths = 0;   // values each layer puts out per row
        for (int[] shape : Sequential.outputShapes(net.layerSpecs())) widths += java.util.Arrays.stream(shape).asLongStream().reduce(1, (a, b) -> a * b);
        long rows = Math.max(options.batch(), 1000);   // evaluation runs batches of at least 1000 rows
        // A streamed set holds at most a budget's worth on the device at a time.
        long data = Math.min(DeviceDataset.bytes(train), budget) / Float.BYTES + (validation == null ? 0
                : Math.min(DeviceDataset.bytes(validation), budget) / Float.BYTES);
        // Parameters: value and gradient (already allocated) plus the optimizer's buffers. Activations:
        // each layer keeps its output and the gradient flowing back.
        long added = Float.BYTES * (params * slots + data + 2 * rows * widths
                + (long) options.batch() * train.features());
        String name = Sequential.describe(net.layerSpecs());
        MemoryBudget.check("training " + name + " with " + options.optimizer().id() + " and batch "
                + options.batch(), added, 2 * params * Float.BYTES, 0, device.info(),
                "use a smaller batch or narrower layers");
    }

    /**
     * Before the first epoch: a checkpoint folder that cannot be written fails now, not after an
     * epoch of work; temporary files left by a run killed while writing its checkpoint go.
     */
    private static void prepareCheckpointDir(Path dir) {
        try {
            OutputFiles.checkFolder(dir, "checkpoint folder");
            int stale = AtomicFiles.removeStaleTemps(dir, Checkpoint.FILE);
            if (stale > 0) log.info("removed {} temporary file(s) left in {} by an interrupted checkpoint write", stale, dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e.getMessage(), e);
        }
    }
}
