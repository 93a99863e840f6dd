package dev.clayers.train;

import dev.clayers.backend.Backend;
import dev.clayers.backend.Backends;
import dev.clayers.backend.DeviceInfo;
import dev.clayers.backend.IntVector;
import dev.clayers.backend.Matrix;
import dev.clayers.io.CacheDir;
import dev.clayers.io.JsonCache;
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
 * never a simulator) runs training steps of the network (gradient and an SGD update, on random
 * inputs) until they settle ({@link #measure}); its figure is the fastest step, the one least
 * disturbed by the JIT and other load. Figures are cached (an unsettled one marked as a lower bound) in {@code <cache>/auto.json} per device
 * name, driver, network and batch, so later runs of the same shape start at once; delete the
 * file to measure again. The choice is logged (INFO) with the figures behind it.
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
     */
    public record Probe(String id, double samplesPerSecond, boolean cached, boolean settled) {}

    /** One cache entry. */
    record Entry(String device, String driver, String network, int batch, double samplesPerSecond, boolean settled, String measuredAt) {}

    /** The cache file now ({@code clayers.cache.dir} may differ between calls). */
    public static Path file() { return CacheDir.root().resolve("auto.json"); }

    /**
     * Opens the device that trains {@code layers} at {@code batch} fastest here (see the class
     * comment); the caller closes it. With one candidate it opens that one without measuring.
     */
    public static Backend fastest(List<? extends LayerSpec> layers, int batch) {
        return choose(layers, batch).backend();
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
        // One discovery: it lists the OpenCL platforms and starts a Java backend to describe it.
        List<DeviceInfo> devices = Backends.all();
        List<String> ids = devices.stream().map(DeviceInfo::id).toList();
        if (ids.size() == 1) {
            log.info("auto: {} is the only device; using it", ids.get(0));
            return new Choice(Backends.open(ids.get(0)), List.of());
        }
        String network = LayerSpec.describe(layers);
        Map<String, Entry> cache = read();
        Map<String, DeviceInfo> infos = new java.util.HashMap<>();
        for (DeviceInfo d : devices) infos.put(d.id(), d);
        List<Probe> probes = new ArrayList<>();
        Backend best = null;           // open when the best so far was measured in this call
        String bestId = null;
        double bestSpeed = -1;
        boolean stored = false;
        for (String id : ids) {
            DeviceInfo info = infos.get(id);
            String key = info == null ? null : info.name() + "|" + info.driver() + "|" + network + "|" + batch;
            Entry e = key == null ? null : cache.get(key);
            Probe p;
            Backend b = null;
            if (e != null && e.samplesPerSecond() > 0) {
                // A cached figure needs no device opened: only the chosen one is, at the end.
                p = new Probe(id, e.samplesPerSecond(), true, e.settled());
            } else {
                try {
                    b = Backends.open(id);
                } catch (RuntimeException ex) {
                    log.warn("auto: cannot open {}: {}; leaving it out", id, ex.getMessage());
                    continue;
                }
                try {
                    Measurement m = measure(b, layers, batch);
                    log.debug("auto: {} probe: {} steps in {} ms, settled {}", id, m.steps(), Math.round(m.millis()), m.settled());
                    p = new Probe(id, m.samplesPerSecond(), false, m.settled());
                    // An unsettled figure is kept too, marked as a lower bound: measuring again on every run
                    // would cost each start the same second and most likely the same answer.
                    DeviceInfo bi = b.info();
                    cache.put(bi.name() + "|" + bi.driver() + "|" + network + "|" + batch, new Entry(bi.name(), bi.driver(), network,
                            batch, p.samplesPerSecond(), m.settled(), Instant.now().toString()));
                    stored = true;
                } catch (RuntimeException ex) {
                    log.warn("auto: {} failed its probe ({}); leaving it out", id, ex.getMessage());
                    b.close();
                    continue;
                }
            }
            probes.add(p);
            if (p.samplesPerSecond() > bestSpeed) {
                if (best != null) best.close();
                best = b;
                bestId = id;
                bestSpeed = p.samplesPerSecond();
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
        List<String> figures = new ArrayList<>();
        for (Probe p : probes) {
            figures.add(String.format(Locale.ROOT, "%s %s%,.0f samples/s%s", p.id(), p.settled() ? "" : "at least ", p.samplesPerSecond(),
                    (p.settled() ? "" : " (not settled: still warming up)") + (p.cached() ? " (cached)" : "")));
        }
        log.info("auto: using {} ({}), the fastest for {} at batch {}: {}", best.id(), best.info().name(), network, batch,
                String.join(", ", figures));
        return new Choice(best, List.copyOf(probes));
    }

    /**
     * A probe's result: samples per second of the fastest step, and whether the steps had settled
     * (the last {@value #SETTLED_STEPS} within {@value #SETTLED_SPREAD}x of the fastest) or the time ran out first.
     */
    record Measurement(double samplesPerSecond, boolean settled, int steps, double millis) {}

    /** Steps that must all be close to the fastest before a probe ends. */
    static final int SETTLED_STEPS = 3;
    /** How close: each within this factor of the fastest step. */
    static final double SETTLED_SPREAD = 1.15;
    /** A probe that has not settled by then ends anyway (the Java backend's JIT may take this long). */
    static final long PROBE_MAX_MILLIS = 1200;

    /**
     * Times training steps of {@code layers} on {@code b} until they settle: at least
     * {@value #PROBE_MILLIS} ms, then until the last {@value #SETTLED_STEPS} steps are within
     * {@value #SETTLED_SPREAD}x of the fastest (on the Java backend the first steps run before the JIT has
     * compiled the gemm and are tens of times slower), at most {@value #PROBE_MAX_MILLIS} ms.
     */
    static Measurement measure(Backend b, List<? extends LayerSpec> layers, int batch) {
        Random rnd = new Random(7);
        try (Sequential net = Sequential.of(b, WeightInit.HE, 7, layers);
             Optimizer opt = Optimizer.Kind.SGD.create(b, 0.01f)) {
            int in = net.inputs(), out = net.outputs();
            float[] xs = new float[batch * in];
            for (int i = 0; i < xs.length; i++) xs[i] = rnd.nextFloat();
            int[] ts = new int[batch];
            for (int i = 0; i < batch; i++) ts[i] = rnd.nextInt(out);
            try (Matrix x = b.upload(xs, batch, in); IntVector t = b.uploadInts(ts)) {
                long start = System.nanoTime();
                long fastest = Long.MAX_VALUE;
                long[] recent = new long[SETTLED_STEPS];
                int steps = 0;
                boolean settled = false;
                while (true) {
                    long t0 = System.nanoTime();
                    net.gradient(x, t);
                    opt.step(net.params());
                    b.finish();
                    long took = System.nanoTime() - t0;
                    fastest = Math.min(fastest, took);
                    recent[steps % SETTLED_STEPS] = took;
                    steps++;
                    double elapsedMs = (System.nanoTime() - start) / 1e6;
                    if (steps >= SETTLED_STEPS) {
                        settled = true;
                        for (long r : recent) settled &= r <= SETTLED_SPREAD * fastest;
                    }
                    if ((settled && elapsedMs >= PROBE_MILLIS) || elapsedMs >= PROBE_MAX_MILLIS) {
                        return new Measurement(batch / (fastest / 1e9), settled, steps, elapsedMs);
                    }
                }
            }
        }
    }

    private static Map<String, Entry> read() {
        return JsonCache.read(file(), Entry.class, e -> e.samplesPerSecond() > 0, "auto-choice cache");
    }

    private static void write(Map<String, Entry> entries) {
        try {
            JsonCache.write(file(), entries);
        } catch (IOException e) {
            log.warn("cannot write the auto-choice cache {}: {}; the next run measures again", file(), e.toString());
        }
    }
}
