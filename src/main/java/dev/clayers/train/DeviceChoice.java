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

/**
 * {@code auto} for a training run: which device trains <em>this</em> network at <em>this</em>
 * batch fastest, by measurement. Device type alone guesses wrong: on a 2-core machine the Java
 * backend beat PoCL at batch 100 while {@code Backends.open("auto")} preferred PoCL.
 *
 * <p>Each candidate ({@link Backends#allIds()}: the Java backend and every real OpenCL device,
 * never a simulator) runs the run's own training steps on random inputs until they settle
 * ({@link #measure}); its figures are the settled speed and how long it took to get there. Given
 * the run's length in samples, the device that would finish it first wins: warm-up plus samples
 * over speed. That matters on a 2-core machine, where the Java backend's steps for the default
 * network were the faster but its JIT needed seconds to get there, so the default run finished
 * sooner on PoCL (measurements: docs/performance.md, "Tuning notes").
 * Figures are cached (an unsettled one marked as a lower bound) in {@code <cache>/auto.json} per
 * device name, driver, network and batch, so later runs of the same shape start at once; delete
 * the file to measure again. The choice is logged (INFO) with the figures behind it.
 *
 * <p>With a run length, a probe also stops once it has run as long as the best finish so far
 * (see {@link #choose(List, FitOptions, long)}): a device still warming up by then cannot finish
 * first, whatever its speed later. The Java backend is probed last for that reason too: on a
 * short run it is cut off after PoCL's estimate instead of spending its seconds of JIT warm-up.
 */
public final class DeviceChoice {
    private static final Logger log = LoggerFactory.getLogger(DeviceChoice.class);
    /** Time each device gets to show its speed, beyond opening it. */
    static final long PROBE_MILLIS = 250;

    private DeviceChoice() {}

    /**
     * One device's figure.
     *
     * @param id                the device id
     * @param samplesPerSecond  training samples per second of its fastest probe step
     * @param cached            whether the figure came from the cache file
     * @param settled           whether the step times had settled (cached figures always had); an
     *                          unsettled figure is a lower bound, typically the Java backend before its JIT is done
     * @param readyMillis       how long the probe ran before its steps settled: what a run on this
     *                          device pays before it reaches that speed (the Java backend's JIT)
     */
    public record Probe(String id, double samplesPerSecond, boolean cached, boolean settled, double readyMillis) {
        /** Seconds to train {@code samples} samples: the warm-up, then the settled speed. */
        public double secondsFor(long samples) {
            return readyMillis / 1000 + samples / samplesPerSecond;
        }
    }

    /** One cache entry. */
    record Entry(String device, String driver, String network, int batch, double samplesPerSecond, boolean settled, double readyMillis,
                 String measuredAt) {}

    /** The cache file now ({@code clayers.cache.dir} may differ between calls). */
    public static Path file() { return CacheDir.root().resolve("auto.json"); }

    /**
     * Opens the device that trains {@code layers} at {@code batch} fastest here (see the class
     * comment); the caller closes it. With one candidate it opens that one without measuring.
     */
    public static Backend fastest(List<? extends LayerSpec> layers, int batch) {
        return choose(layers, batch).backend();
    }

    /** As {@link #fastest(List, int)}, timing the steps of this run: its batch, optimizer, augmentation and weight decay. */
    public static Backend fastest(List<? extends LayerSpec> layers, FitOptions options) {
        return choose(layers, options).backend();
    }

    /**
     * As {@link #fastest(List, FitOptions)} for a run of {@code samples} training samples in all
     * (epochs times the training set): the device that finishes it first, warm-up included. A
     * short run can be faster on a device whose steps are slower but need no JIT warm-up.
     */
    public static Backend fastest(List<? extends LayerSpec> layers, FitOptions options, long samples) {
        return choose(layers, options, samples).backend();
    }

    /**
     * The device chosen and the figures behind the choice.
     *
     * @param backend the fastest device, open; the caller closes it
     * @param probes  every device that took part, in {@link Backends#allIds()} order
     */
    public record Choice(Backend backend, List<Probe> probes) {}

    /** As {@link #fastest}, with the figures. */
    public static Choice choose(List<? extends LayerSpec> layers, int batch) {
        if (batch < 1) throw new IllegalArgumentException("batch must be positive, got " + batch);
        return choose(layers, FitOptions.builder().batch(batch).build());
    }

    /** As {@link #fastest(List, FitOptions)}, with the figures: ranked by settled speed alone. */
    public static Choice choose(List<? extends LayerSpec> layers, FitOptions options) {
        return choose(layers, options, 0);
    }

    /**
     * As {@link #fastest(List, FitOptions, long)}, with the figures. Devices rank by
     * {@link Probe#secondsFor}(samples); with samples 0, by settled speed alone.
     *
     * <p>With samples, a device's probe ends by the best finish so far (at least
     * {@value #PROBE_MILLIS} ms): whatever warm-up a device has not finished by then, its run would
     * pay too, so it cannot finish first. Its figure, unsettled, is cached as a lower bound on its
     * warm-up, and a later run whose best finish comes before that bound leaves it out without
     * probing; a longer run measures it again.
     */
    public static Choice choose(List<? extends LayerSpec> layers, FitOptions options, long samples) {
        if (samples < 0) throw new IllegalArgumentException("samples must be >= 0, got " + samples);
        int batch = options.batch();
        // One discovery: it lists the OpenCL platforms and starts a Java backend to describe it.
        List<DeviceInfo> devices = Backends.all();
        List<String> ids = devices.stream().map(DeviceInfo::id).toList();
        if (ids.size() == 1) {
            log.info("auto: {} is the only device; using it", ids.get(0));
            return new Choice(Backends.open(ids.get(0)), List.of());
        }
        // The step's kernels depend on the optimizer, the shifts and weight decay as well as the shapes.
        String network = LayerSpec.describe(layers) + " " + options.optimizer().id() + (options.augment() > 0 ? " augment" : "")
                + (options.weightDecay() > 0 ? " decay" : "");
        // The Java backend last: its JIT compiles on the same cores and would slow an OpenCL CPU
        // device's probe (and its own probe leaves the JIT warm for training if it wins).
        List<String> listed = ids;
        ids = new ArrayList<>(ids);
        Map<String, Entry> cache = read();
        Map<String, DeviceInfo> infos = new java.util.HashMap<>();
        for (DeviceInfo d : devices) infos.put(d.id(), d);
        ids.sort(java.util.Comparator.comparing(id -> infos.containsKey(id) && infos.get(id).kind().onHeap()));
        List<Probe> probes = new ArrayList<>();
        Backend best = null;           // open when the best so far was measured in this call
        String bestId = null;
        double bestCost = Double.MAX_VALUE;
        boolean stored = false;
        for (String id : ids) {
            DeviceInfo info = infos.get(id);
            String key = info == null ? null : info.name() + "|" + info.driver() + "|" + network + "|" + batch;
            Entry e = key == null ? null : cache.get(key);
            Probe p;
            Backend b = null;
            // An unsettled figure is measured again: it may be a Java backend caught before C2 had started.
            // So is one from before the warm-up was recorded (readyMillis 0). Unless its warm-up, a lower
            // bound, already reaches past the best finish of this run: then it cannot finish first.
            boolean ruledOut = e != null && !e.settled() && samples > 0 && e.readyMillis() >= bestCost * 1000;
            if (e != null && e.samplesPerSecond() > 0 && (e.settled() || ruledOut) && e.readyMillis() > 0) {
                // A cached figure needs no device opened: only the chosen one is, at the end.
                p = new Probe(id, e.samplesPerSecond(), true, e.settled(), e.readyMillis());
            } else {
                try {
                    b = Backends.open(id);
                } catch (RuntimeException ex) {
                    log.warn("auto: cannot open {}: {}; leaving it out", id, ex.getMessage());
                    continue;
                }
                try {
                    long limit = samples > 0 && bestCost < Double.MAX_VALUE
                            ? Math.min(PROBE_MAX_MILLIS, Math.max(PROBE_MILLIS, (long) Math.ceil(bestCost * 1000))) : PROBE_MAX_MILLIS;
                    Measurement m = measure(b, layers, options, limit);
                    log.debug("auto: {} probe: {} steps in {} ms (limit {} ms), settled {}", id, m.steps(), Math.round(m.millis()),
                            limit, m.settled());
                    p = new Probe(id, m.samplesPerSecond(), false, m.settled(), m.millis());
                    // An unsettled figure is stored too, marked as a lower bound (the file shows what the
                    // probe saw), but the next run measures it again (see above).
                    DeviceInfo bi = b.info();
                    cache.put(bi.name() + "|" + bi.driver() + "|" + network + "|" + batch, new Entry(bi.name(), bi.driver(), network,
                            batch, p.samplesPerSecond(), m.settled(), m.millis(), Instant.now().toString()));
                    stored = true;
                } catch (RuntimeException ex) {
                    log.warn("auto: {} failed its probe ({}); leaving it out", id, ex.getMessage());
                    b.close();
                    continue;
                }
            }
            probes.add(p);
            double cost = samples > 0 ? p.secondsFor(samples) : 1 / p.samplesPerSecond();
            if (cost < bestCost) {
                if (best != null) best.close();
                best = b;
                bestId = id;
                bestCost = cost;
            } else if (b != null) {
                b.close();
            }
        }
        if (bestId == null) {
            log.warn("auto: no device passed its probe; using the Java cpu backend");
            return new Choice(Backends.open("cpu"), probes);
        }
        if (best == null) best = Backends.open(bestId);
        if (stored) write(cache);
        probes.sort(java.util.Comparator.comparingInt(p -> listed.indexOf(p.id())));
        List<String> figures = new ArrayList<>();
        for (Probe p : probes) {
            String cached = p.cached() ? " (cached)" : "";
            if (samples > 0 && !p.settled()) {
                // Its speed so far says little (JIT still compiling); what counts is that its warm-up alone reaches past the best.
                figures.add(String.format(Locale.ROOT, "%s still warming up after %.1f s (%,.0f samples/s so far), so over %.1f s%s",
                        p.id(), p.readyMillis() / 1000, p.samplesPerSecond(), p.readyMillis() / 1000, cached));
            } else {
                figures.add(String.format(Locale.ROOT, "%s %s%,.0f samples/s%s%s", p.id(), p.settled() ? "" : "at least ", p.samplesPerSecond(),
                        samples > 0 ? String.format(Locale.ROOT, " after %.1f s of warm-up, about %.1f s", p.readyMillis() / 1000, p.secondsFor(samples)) : "",
                        (p.settled() ? "" : " (not settled: still warming up)") + cached));
            }
        }
        log.info("auto: using {} ({}), the fastest for {} at batch {}{}: {}", best.id(), best.info().name(), network, batch,
                samples > 0 ? String.format(Locale.ROOT, " over this run's %,d samples", samples) : "", String.join(", ", figures));
        return new Choice(best, List.copyOf(probes));
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
    static final long WINDOW_MILLIS = 40;
    /**
     * A probe that has not settled by then ends anyway. The Java backend needs the longest: its
     * gemm is Vector-API code, tens of times slower until C2 has compiled it, and on a loaded
     * 2-core machine that took seconds. Paid once per device and shape: the figure is cached.
     */
    static final long PROBE_MAX_MILLIS = 4000;

    /**
     * Times the run's own training steps ({@link Trainer#step}: gather, shift, gradient, weight
     * decay, the run's optimizer) on random images of the network's input size, in windows of at
     * least {@value #WINDOW_MILLIS} ms, until the last {@value #SETTLED_WINDOWS} windows agree within
     * {@value #SETTLED_SPREAD}x (and, on the Java backend, the JIT is quiet): at least
     * {@value #PROBE_MILLIS} ms, at most {@value #PROBE_MAX_MILLIS} ms. The figure is the median
     * of those windows: the fastest single step flattered PoCL (measurements: docs/performance.md,
     * "Tuning notes").
     */
    static Measurement measure(Backend b, List<? extends LayerSpec> layers, FitOptions options) {
        return measure(b, layers, options, PROBE_MAX_MILLIS);
    }

    /** As {@link #measure(Backend, List, FitOptions)}, ending by {@code limit} ms (at most {@value #PROBE_MAX_MILLIS}) settled or not. */
    static Measurement measure(Backend b, List<? extends LayerSpec> layers, FitOptions options, long limit) {
        if (limit > PROBE_MAX_MILLIS) throw new IllegalArgumentException("probe limit " + limit + " ms is over " + PROBE_MAX_MILLIS);
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
                JitWatch jit = JitWatch.of(b);
                long start = System.nanoTime();
                double[] windows = new double[SETTLED_WINDOWS];
                int steps = 0, done = 0;
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
                    long took = System.nanoTime() - w0;
                    windows[done++ % SETTLED_WINDOWS] = inWindow * (double) batch / (took / 1e9);
                    double elapsedMs = (System.nanoTime() - start) / 1e6;
                    boolean settled = done >= SETTLED_WINDOWS && spread(windows) <= SETTLED_SPREAD
                            && jit.steady(steps);
                    if ((settled && elapsedMs >= PROBE_MILLIS) || elapsedMs >= limit) {
                        double[] sorted = windows.clone();
                        java.util.Arrays.sort(sorted, 0, Math.min(done, SETTLED_WINDOWS));
                        return new Measurement(sorted[(Math.min(done, SETTLED_WINDOWS) - 1) / 2], settled, steps, elapsedMs);
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
