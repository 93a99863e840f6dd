package dev.clayers.train;

import dev.clayers.backend.cpu.JitWatch;
import dev.clayers.backend.Backend;
import dev.clayers.backend.Backends;
import dev.clayers.backend.DeviceInfo;
import dev.clayers.data.Dataset;
import dev.clayers.io.CacheDir;
import dev.clayers.io.JsonCache;
import dev.clayers.net.DeviceDataset;
import dev.clayers.net.LayerSpec;
import dev.clayers.net.Sequential;
import dev.clayers.net.WeightInit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import dev.clayers.backend.opencl.DeviceProfile;

/**
 * {@code auto} for a training run: which device trains <em>this</em> network at <em>this</em>
 * batch fastest. Device type alone guesses wrong: on a 2-core machine the Java backend beat PoCL
 * at the book's conv net while PoCL won the dense nets by far.
 *
 * <p>Each device's figure (samples per second, and the warm-up a run pays before reaching it) comes
 * from the first of these that has one:
 * <ol>
 *   <li><b>a real run</b>: after training, {@link #record} stores the speed its epochs really had
 *       (the first left out) and, for the Java backend, the warm-up its first epoch paid;</li>
 *   <li><b>a short probe</b> (OpenCL devices): the run's own training steps ({@link Trainer#step})
 *       on random inputs, at most {@value #OPENCL_PROBE_MILLIS} ms after the first step (kernel
 *       set-up), settled or not: an OpenCL device has no JIT, its steps are steady from the second;</li>
 *   <li><b>an estimate</b> (the Java backend): its Vector-API loops run tens of times slower until
 *       C2 has compiled them, which takes seconds (one interpreted step of the default net took
 *       4 s on a busy 2-core machine), so no probe short enough for a first run can see its
 *       speed. It is estimated from the network's multiply-adds ({@link #macsPerSample}) at the
 *       rate its last real run reached on any network, else at
 *       {@value #JAVA_GFLOPS_PER_CORE} GFLOP/s per core, with {@value #JAVA_WARMUP_SECONDS} s of JIT
 *       (stretched by the machine's load: {@link #loadFactor}).</li>
 * </ol>
 * The device that would finish the run first (warm-up plus samples over speed) wins. Choosing
 * thus costs one short probe per OpenCL device (about a second in all on a quiet machine, never a
 * wait for a JIT on a busy one), and nothing once figures are cached in {@code <cache>/auto.json}
 * (per device name, driver, network and batch; delete the file to measure again). The choice is
 * logged (INFO) in one line.
 *
 * <p>Thread rule: the static methods may be called from any thread; two processes choosing at once
 * each write the whole file atomically, the last one winning.
 */
public final class DeviceChoice {
    private static final Logger log = LoggerFactory.getLogger(DeviceChoice.class);
    /** Time an OpenCL device's probe may take for its steps after the first. */
    static final long OPENCL_PROBE_MILLIS = 250;
    /**
     * The Java backend's training rate per core until a real run says better: about half of what
     * it reached on the 2-core AVX-512 EPYC (784-100-10 at 46,632 samples/s, 22 GFLOP/s), so that
     * an OpenCL device that is really faster is not passed over for an optimistic guess.
     */
    static final double JAVA_GFLOPS_PER_CORE = 5;
    /** The JIT warm-up a Java-backend run pays until a real run says better (2-4 s quiet, 10 s busy on 2 cores). */
    static final double JAVA_WARMUP_SECONDS = 3;

    private DeviceChoice() {}

    /** Where a figure came from. */
    public enum Source {
        /** Measured by a real run ({@link #record}). */
        REAL("real run"),
        /** This call's probe. */
        PROBE("probe"),
        /** An earlier call's probe, from the cache. */
        CACHED("cached probe"),
        /** Estimated from the network's multiply-adds (the Java backend without a real run of this network). */
        ESTIMATE("estimate");

        private final String words;

        Source(String words) { this.words = words; }

        @Override public String toString() { return words; }
    }

    /**
     * One device's figure.
     *
     * @param id                the device id
     * @param samplesPerSecond  training samples per second once warm
     * @param warmupSeconds     what a run pays before reaching that speed (the Java backend's JIT); 0 for
     *                          an OpenCL device, whose kernel set-up its probe already paid
     * @param source            where the figure came from
     */
    public record Probe(String id, double samplesPerSecond, double warmupSeconds, Source source) {
        /** Seconds to train {@code samples} samples: the warm-up, then the speed. */
        public double secondsFor(long samples) {
            return warmupSeconds + samples / samplesPerSecond;
        }

        /** Whether the figure came from the cache file. */
        public boolean cached() { return source == Source.REAL || source == Source.CACHED; }

        /** {@code opencl:0:0 41,000/s (probe)}, {@code cpu 4,100/s + 3 s JIT (estimate)}: for the log line. */
        String brief() {
            return String.format(Locale.ROOT, "%s %,.0f/s%s (%s)", id, samplesPerSecond,
                    warmupSeconds > 0 ? String.format(Locale.ROOT, " + %.0f s JIT", warmupSeconds) : "", source);
        }
    }

    /**
     * One cache entry.
     *
     * @param real   whether a real run measured it (else a probe)
     * @param macs   the network's multiply-adds per sample ({@link #macsPerSample}), to turn a real
     *               Java-backend speed into a rate for other networks
     * @param warmupMillis  the warm-up that run paid (Java backend), 0 otherwise
     */
    record Entry(String device, String driver, String network, int batch, double samplesPerSecond, boolean real, long macs,
                 double warmupMillis, String measuredAt) {}

    /** The cache file now ({@code clayers.cache.dir} may differ between calls). */
    public static Path file() { return CacheDir.root().resolve("auto.json"); }

    /**
     * Opens the device that trains {@code layers} at {@code batch} fastest here (see the class
     * comment); the caller closes it. With one candidate it opens that one without measuring.
     */
    public static Backend fastest(List<? extends LayerSpec> layers, int batch) {
        return choose(layers, batch).backend();
    }

    /** As {@link #fastest(List, int)}, for the steps of this run: its batch, optimizer, augmentation and weight decay. */
    public static Backend fastest(List<? extends LayerSpec> layers, FitOptions options) {
        return choose(layers, options, 0).backend();
    }

    /**
     * As {@link #fastest(List, FitOptions)} for a run of {@code samples} training samples in all
     * (epochs times the training set): the device that finishes it first, warm-up included.
     */
    public static Backend fastest(List<? extends LayerSpec> layers, FitOptions options, long samples) {
        return choose(layers, options, samples).backend();
    }

    /**
     * The device chosen and the figures behind the choice.
     *
     * @param backend the fastest device, open; the caller closes it
     * @param probes  every device that took part, in {@link Backends#allIds()} order
     * @param millis  how long the choice took, beyond opening the chosen device (which a run on it
     *                pays anyway: on a first run, the kernel build)
     */
    public record Choice(Backend backend, List<Probe> probes, double millis) {
        /** One short line: what was chosen, from which figures, in how long. */
        public String explain() {
            StringBuilder sb = new StringBuilder("auto: ").append(backend.id());
            if (probes.isEmpty()) return sb.append(" (").append(backend.info().name()).append("), the only device").toString();
            sb.append(String.format(Locale.ROOT, ", chosen in %.1f s: ", millis / 1000));
            return sb.append(String.join(", ", probes.stream().map(Probe::brief).toList())).toString();
        }
    }

    /** As {@link #fastest}, with the figures. */
    public static Choice choose(List<? extends LayerSpec> layers, int batch) {
        if (batch < 1) throw new IllegalArgumentException("batch must be positive, got " + batch);
        return choose(layers, FitOptions.builder().batch(batch).build(), 0);
    }

    /** The cache key's network part: the step's kernels depend on the optimizer, the shifts and weight decay as well as the shapes. */
    private static String network(List<? extends LayerSpec> layers, FitOptions options) {
        return LayerSpec.describe(layers) + " " + options.optimizer().id() + (options.augment() > 0 ? " augment" : "")
                + (options.weightDecay() > 0 ? " decay" : "");
    }

    private static String key(DeviceInfo d, String network, int batch) {
        return d.name() + "|" + d.driver() + "|" + network + "|" + batch;
    }

    /**
     * Multiply-adds of one sample's forward pass: each layer's parameters times the positions it
     * is applied at (1 for an affine layer, H x W of the output for a convolution). A training step
     * does about three times this (forward, then dx and dW), two FLOPs each.
     */
    public static long macsPerSample(List<? extends LayerSpec> layers) {
        List<int[]> shapes = Sequential.outputShapes(layers);
        long macs = 0;
        for (int i = 0; i < layers.size(); i++) {
            int[] s = shapes.get(i);
            long positions = 1;
            for (int k = 1; k < s.length; k++) positions *= s[k];
            macs += layers.get(i).parameterCount() * positions;
        }
        return Math.max(macs, 1);
    }

    /**
     * As {@link #fastest(List, FitOptions, long)}, with the figures. Devices rank by
     * {@link Probe#secondsFor}(samples); with samples 0, by speed alone.
     */
    public static Choice choose(List<? extends LayerSpec> layers, FitOptions options, long samples) {
        if (samples < 0) throw new IllegalArgumentException("samples must be >= 0, got " + samples);
        long t0 = System.nanoTime();
        int batch = options.batch();
        // One discovery: it lists the OpenCL platforms and starts a Java backend to describe it.
        List<DeviceInfo> devices = Backends.all();
        if (devices.size() == 1) {
            Backend only = Backends.open(devices.get(0).id());
            Choice c = new Choice(only, List.of(), (System.nanoTime() - t0) / 1e6);
            log.info(c.explain());
            return c;
        }
        String network = network(layers, options);
        long macs = macsPerSample(layers);
        Map<String, Entry> cache = read();
        List<Probe> probes = new ArrayList<>();
        Map<String, Backend> open = new java.util.HashMap<>();
        Map<String, Long> openNanos = new java.util.HashMap<>();
        boolean stored = false;
        try {
            for (DeviceInfo info : devices) {
                String id = info.id();
                Entry e = cache.get(key(info, network, batch));
                if (e != null && e.samplesPerSecond() > 0) {
                    // A cached figure needs no device opened: only the chosen one is, at the end.
                    probes.add(new Probe(id, e.samplesPerSecond(), e.warmupMillis() / 1000, e.real() ? Source.REAL : Source.CACHED));
                    continue;
                }
                if (info.kind().onHeap()) {
                    probes.add(javaEstimate(id, info, cache, macs));
                    continue;
                }
                Backend b;
                long o0 = System.nanoTime();
                try {
                    b = Backends.open(id);
                    openNanos.put(id, System.nanoTime() - o0);
                } catch (RuntimeException ex) {
                    log.warn("auto: cannot open {}: {}; leaving it out", id, ex.getMessage());
                    continue;
                }
                open.put(id, b);
                try {
                    Measurement m = measure(b, layers, options, OPENCL_PROBE_MILLIS);
                    log.debug("auto: {} probe: {} steps in {} ms, settled {}", id, m.steps(), Math.round(m.millis()), m.settled());
                    probes.add(new Probe(id, m.samplesPerSecond(), 0, Source.PROBE));
                    cache.put(key(info, network, batch), new Entry(info.name(), info.driver(), network, batch,
                            m.samplesPerSecond(), false, macs, 0, Instant.now().toString()));
                    stored = true;
                } catch (RuntimeException ex) {
                    log.warn("auto: {} failed its probe ({}); leaving it out", id, ex.getMessage());
                    open.remove(id).close();
                }
            }
            if (stored) write(cache);
            Probe best = probes.stream().min(java.util.Comparator.comparingDouble(p -> samples > 0 ? p.secondsFor(samples)
                    : 1 / p.samplesPerSecond())).orElse(null);
            String chosenId = best == null ? "cpu" : best.id();
            if (best == null) log.warn("auto: no device passed its probe; using the Java cpu backend");
            long o0 = System.nanoTime();
            Backend chosen = open.containsKey(chosenId) ? open.remove(chosenId) : Backends.open(chosenId);
            long opening = openNanos.getOrDefault(chosenId, System.nanoTime() - o0);
            Choice c = new Choice(chosen, List.copyOf(probes), (System.nanoTime() - t0 - opening) / 1e6);
            log.info(c.explain());
            return c;
        } finally {
            open.values().forEach(Backend::close);
        }
    }

    /**
     * The Java backend's figure without a real run of this network: its multiply-adds at the rate
     * of its latest real run on any network (and that run's warm-up), else the defaults.
     */
    private static Probe javaEstimate(String id, DeviceInfo info, Map<String, Entry> cache, long macs) {
        Entry latest = cache.values().stream()
                .filter(e -> e.real() && e.macs() > 0 && e.device().equals(info.name()) && e.driver().equals(info.driver()))
                .max(java.util.Comparator.comparing(Entry::measuredAt)).orElse(null);
        double flopsPerSecond = latest != null ? latest.samplesPerSecond() * 6.0 * latest.macs()
                : JAVA_GFLOPS_PER_CORE * 1e9 * Runtime.getRuntime().availableProcessors();
        double warmup = latest != null && latest.warmupMillis() > 0 ? latest.warmupMillis() / 1000 : JAVA_WARMUP_SECONDS * loadFactor();
        return new Probe(id, flopsPerSecond / (6.0 * macs), warmup, Source.ESTIMATE);
    }

    /**
     * How much longer the JIT's work takes on this machine now: the load average over the cores,
     * at least 1. C2 compiles on the same cores as everything else; on a 2-core machine at load
     * 8-10 the Java backend's first epoch took 10-20 s more than the next ones, against about 3 s quiet.
     */
    static double loadFactor() {
        double load = java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
        int cores = Runtime.getRuntime().availableProcessors();
        return load > 0 && Double.isFinite(load) ? Math.max(1, load / cores) : 1;
    }

    /**
     * Stores the speed a real run had on {@code device}: {@code samplesPerSecond} over its epochs
     * after the first, and {@code warmupSeconds}, what its first epoch took beyond that speed (the
     * Java backend's JIT; 0 elsewhere). Later choices for the same network use it instead of a
     * probe's figure, and the Java backend's rate carries over to other networks. A failure to write
     * is logged and otherwise ignored: the cache only saves time.
     */
    public static void record(List<? extends LayerSpec> layers, FitOptions options, DeviceInfo device, double samplesPerSecond,
                              double warmupSeconds) {
        if (!(samplesPerSecond > 0) || !Double.isFinite(samplesPerSecond) || DeviceProfile.isSimulator(device)) return;
        double warm = device.kind().onHeap() && warmupSeconds > 0 && Double.isFinite(warmupSeconds) ? warmupSeconds : 0;
        String network = network(layers, options);
        Map<String, Entry> cache = read();
        cache.put(key(device, network, options.batch()), new Entry(device.name(), device.driver(), network, options.batch(),
                samplesPerSecond, true, macsPerSample(layers), warm * 1000, Instant.now().toString()));
        write(cache);
    }

    /**
     * A probe's result: samples per second over the last {@value #SETTLED_WINDOWS} windows of steps,
     * and whether they had settled (within {@value #SETTLED_SPREAD}x of each other, with the JIT
     * quiet on the Java backend) before the time ran out.
     */
    record Measurement(double samplesPerSecond, boolean settled, int steps, double millis) {}

    /** Windows of steps that must agree before a probe ends. */
    static final int SETTLED_WINDOWS = 3;
    /** How closely: the fastest window at most this factor faster than the slowest. */
    static final double SETTLED_SPREAD = 1.15;
    /** A window lasts at least this long (and one step at least). */
    static final long WINDOW_MILLIS = 25;

    /** As {@link #measure(Backend, List, FitOptions, long)} with an OpenCL device's cap. */
    static Measurement measure(Backend b, List<? extends LayerSpec> layers, FitOptions options) {
        return measure(b, layers, options, OPENCL_PROBE_MILLIS);
    }

    /**
     * Times the run's own training steps ({@link Trainer#step}: gather, shift, gradient, weight
     * decay, the run's optimizer) on random images of the network's input size, in windows of at
     * least {@value #WINDOW_MILLIS} ms, until the last {@value #SETTLED_WINDOWS} windows agree within
     * {@value #SETTLED_SPREAD}x (and the JIT is quiet), or {@code limit} ms have passed. The first
     * step is not timed (an OpenCL device's first launches set kernels up). The figure is the
     * median of the last windows: the fastest single step flattered PoCL (measurements:
     * docs/performance.md, "Tuning notes").
     */
    static Measurement measure(Backend b, List<? extends LayerSpec> layers, FitOptions options, long limit) {
        long start = System.nanoTime(), deadline = start + limit * 1_000_000L;
        int batch = options.batch();
        try (Sequential net = Sequential.of(b, WeightInit.HE, 7, layers);
             Optimizer opt = options.optimizer().create(b, options.learningRate())) {
            int features = net.inputs();
            int side = (int) Math.round(Math.sqrt(features));
            boolean image = side > 1 && side * side == features;
            int n = 4 * batch;
            Random rnd = new Random(7);
            float[] xs = new float[n * features];
            for (int i = 0; i < xs.length; i++) xs[i] = rnd.nextFloat();
            int[] ys = new int[n];
            for (int i = 0; i < n; i++) ys[i] = rnd.nextInt(net.outputs());
            Dataset data = new Dataset("probe", xs, ys, image ? side : 1, image ? side : features, net.outputs());
            FitOptions probe = options.toBuilder().epochs(1).augment(image ? options.augment() : 0).listener(null)
                    .checkpointDir(null).stopAfterEpoch(0).build();
            try (DeviceDataset train = new DeviceDataset(b, data);
                 Trainer trainer = new Trainer(net, opt, train, null, probe)) {
                trainer.shuffle(1);
                trainer.step(0);    // not timed: kernel set-up on OpenCL
                b.finish();
                JitWatch jit = JitWatch.of(b);
                double[] windows = new double[SETTLED_WINDOWS];
                int steps = 1, done = 0;
                while (true) {
                    long w0 = System.nanoTime();
                    jit.mark();
                    int inWindow = 0;
                    do {
                        trainer.step((steps % 4) * batch);
                        steps++;
                        inWindow++;
                    } while (System.nanoTime() - w0 < WINDOW_MILLIS * 1_000_000L);
                    b.finish();
                    long now = System.nanoTime();
                    windows[done++ % SETTLED_WINDOWS] = inWindow * (double) batch / ((now - w0) / 1e9);
                    boolean quiet = jit.steady(steps);
                    boolean settled = quiet && done >= SETTLED_WINDOWS && spread(windows) <= SETTLED_SPREAD;
                    if (settled || now >= deadline) {
                        double[] sorted = windows.clone();
                        int have = Math.min(done, SETTLED_WINDOWS);
                        java.util.Arrays.sort(sorted, 0, have);
                        return new Measurement(sorted[(have - 1) / 2], settled, steps, (now - start) / 1e6);
                    }
                }
            }
        }
    }

    private static double spread(double[] w) {
        double lo = Double.MAX_VALUE, hi = 0;
        for (double v : w) {
            lo = Math.min(lo, v);
            hi = Math.max(hi, v);
        }
        return hi / lo;
    }

    private static Map<String, Entry> read() {
        return JsonCache.read(file(), Entry.class, e -> e.samplesPerSecond() > 0, "auto-choice cache");
    }

    private static void write(Map<String, Entry> entries) {
        try {
            JsonCache.write(file(), entries);
        } catch (IOException e) {
            log.warn("cannot write the auto-choice cache: {}; the next run measures again", dev.clayers.io.OutputFiles.reason(e));
        }
    }
}
