package dev.clayers.bench;

import dev.clayers.backend.cpu.JitWatch;
import dev.clayers.backend.Backend;
import dev.clayers.backend.DeviceInfo;
import dev.clayers.backend.Verifier;

import java.io.PrintStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Runs cases on devices and times them: the first call is timed apart (lazy compilation), then
 * warm-up (until the JIT is done, within bounds), then {@code reps} samples, each a batch of calls long enough to be timed well, with
 * {@code finish()} before the clock stops. Gemm results are checked against a reference first.
 */
public final class Bench {
    private static final Logger log = LoggerFactory.getLogger(Bench.class);

    private Bench() {}

    /** An open device and how long opening it took (context and kernel builds). */
    public record Opened(Backend backend, double openMs) {}

    /**
     * Runs every case on every device (case by case, devices side by side). Progress goes to
     * {@code progress}; nothing goes to stdout.
     */
    public static BenchReport run(List<Opened> devices, List<BenchCase> cases, BenchSettings settings, GemmReference reference,
                                  PrintStream progress) {
        String started = Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
        String loadStart = loadAverage();
        List<BenchResult> results = new ArrayList<>();
        List<Verifier.Result> checks = new ArrayList<>();
        Map<String, Double> firstCalls = new LinkedHashMap<>();
        Map<GemmShape, float[]> refs = new HashMap<>();
        for (BenchCase c : cases) {
            for (Opened d : devices) {
                Backend b = d.backend();
                progress.printf("bench: %s %s on %s ...", c.workload().title(), c.name(), b.id());
                progress.flush();
                String check = "";
                if (c.gemm() != null) {
                    Verifier.Result r = check(b, c.gemm(), refs.computeIfAbsent(c.gemm(),
                            s -> reference.multiply(s, BenchCases.data(s, true), BenchCases.data(s, false))));
                    checks.add(r);
                    check = r.pass() ? "PASS" : "FAIL: max abs error " + fmt(r.maxAbs()) + " > " + r.tolerance();
                }
                BenchResult res = time(b, c, settings, check);
                results.add(res);
                firstCalls.merge(b.id(), res.firstCallMs(), Double::sum);
                progress.printf(" %s %s (min %s, max %s, %d x %d calls)%s%n", fmt(res.median()), res.unit(), fmt(res.min()),
                        fmt(res.max()), res.reps(), res.callsPerRep(), res.failed() ? " " + check : "");
            }
        }
        List<DeviceRun> runs = devices.stream()
                .map(d -> new DeviceRun(d.backend().info(), d.openMs(), firstCalls.getOrDefault(d.backend().id(), 0.0))).toList();
        return new BenchReport(started, host(), settings, runs, results, checks, "at start " + loadStart + ", at end " + loadAverage());
    }

    /** The device's product against the reference's, with {@code Verifier}'s gemm tolerance. */
    static Verifier.Result check(Backend b, GemmShape s, float[] expected) {
        float[] a = BenchCases.data(s, true), x = BenchCases.data(s, false);
        try (var ma = b.upload(a, s.aRows(), s.aCols()); var mx = b.upload(x, s.bRows(), s.bCols()); var c = b.alloc(s.m(), s.n())) {
            b.gemm(s.transA(), s.transB(), 1f, ma, mx, 0f, c);
            Verifier.Tolerance tol = Verifier.gemm(s.k(), 1f, max(a), max(x), 0f, 0f);
            return Verifier.compare("gemm " + (s.transA() ? "T" : "N") + (s.transB() ? "T" : "N") + " " + s.label(), b.id(),
                    s.m() + "x" + s.n() + "x" + s.k(), expected, b.download(c), tol);
        }
    }

    private static float max(float[] v) {
        float m = 0;
        for (float f : v) m = Math.max(m, Math.abs(f));
        return m;
    }

    /** Length of one warm-up stretch: the JIT must stay quiet for this long to end the warm-up. */
    private static final long STRETCH_NANOS = 100_000_000L;

    /**
     * Untimed calls, the device waited for after each, in stretches of about 100 ms: at least
     * {@code warmupNanos}, then on until the device is steady, at most {@code maxWarmupNanos}.
     * Steady means {@link JitWatch#steady} (no compilation finished; on the Java backend none
     * running either, and at least {@value JitWatch#JAVA_MIN_CALLS} calls made) and a time per call
     * within {@value #STEADY_SPREAD}x of the stretch before. The Java backend's speed keeps
     * changing until C2 has compiled its loops: its Vector-API loops run many times slower before
     * C2 has them, for seconds on 2 busy cores, which is why the ceiling is 10 s (measurements:
     * docs/performance.md, "Tuning notes").
     *
     * @return nanoseconds per call over the last stretch
     */
    private static double warmUp(Backend b, BenchCase.Run run, BenchSettings s, String caseName) {
        JitWatch jit = JitWatch.of(b);
        long stretch = Math.min(STRETCH_NANOS, s.warmupNanos());
        long w0 = System.nanoTime();
        double before = Double.NaN;
        long total = 0;
        while (true) {
            jit.mark();
            long c0 = System.nanoTime();
            int calls = 0;
            do {
                run.call();
                b.finish();
                calls++;
            } while (System.nanoTime() - c0 < stretch);
            long now = System.nanoTime();
            double perCall = (now - c0) / (double) calls;
            total += calls;
            boolean steady = jit.steady(total) && Math.max(perCall, before) <= STEADY_SPREAD * Math.min(perCall, before);
            before = perCall;
            if (steady && now - w0 >= s.warmupNanos()) return perCall;
            if (now - w0 >= s.maxWarmupNanos()) {
                // A ceiling of 0 asks for no warm-up (tests): nothing was expected to settle.
                if (s.maxWarmupNanos() > 0) log.warn("bench: {} on {} was not steady after {} s of warm-up (the JIT still compiling, or the machine busy):"
                        + " its figure may be low; rerun it with bench --only", caseName, b.id(), s.maxWarmupNanos() / 1_000_000_000L);
                return perCall;
            }
        }
    }

    /** Two stretches in a row must agree this closely in time per call. */
    private static final double STEADY_SPREAD = 1.15;

    static BenchResult time(Backend b, BenchCase c, BenchSettings s, String check) {
        try (BenchCase.Run run = c.setup().prepare(b)) {
            b.finish();
            long t0 = System.nanoTime();
            run.call();
            b.finish();
            double firstMs = (System.nanoTime() - t0) / 1e6;

            double perCall = Math.max(1, warmUp(b, run, s, c.name()));
            long calls = Math.max(1, (long) Math.ceil(s.minSampleNanos() / perCall));
            int reps = s.reps();
            double sampleSeconds = calls * perCall / 1e9;
            if (reps * sampleSeconds > s.maxCaseSeconds()) reps = Math.max(Math.min(3, reps), (int) (s.maxCaseSeconds() / sampleSeconds));

            double[] rates = new double[reps];
            for (int i = 0; i < reps; i++) {
                long start = System.nanoTime();
                for (long j = 0; j < calls; j++) run.call();
                b.finish();
                double seconds = (System.nanoTime() - start) / 1e9;
                rates[i] = c.workPerCall() * calls / seconds / c.workload().scale();
            }
            Arrays.sort(rates);
            double median = reps % 2 == 1 ? rates[reps / 2] : (rates[reps / 2 - 1] + rates[reps / 2]) / 2;
            return new BenchResult(c.workload().title(), c.name(), b.id(), c.workload().unit(), rates[0], median, rates[reps - 1], reps,
                    calls, firstMs, check);
        }
    }

    /** The 1, 5 and 15 minute load averages from {@code /proc/loadavg}, or "unknown". */
    public static String loadAverage() {
        try {
            String[] f = java.nio.file.Files.readString(java.nio.file.Path.of("/proc/loadavg")).trim().split("\\s+");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (java.io.IOException | RuntimeException e) {
            return "unknown";
        }
    }

    public static String host() {
        return System.getProperty("os.name") + " " + System.getProperty("os.version") + " " + System.getProperty("os.arch") + ", "
                + Runtime.getRuntime().availableProcessors() + " cores, Java " + Runtime.version();
    }

    /** Three significant figures or so, never scientific: 0.0123, 1.23, 12.3, 123, 12345. */
    public static String fmt(double v) {
        if (Double.isNaN(v)) return "NaN";
        double a = Math.abs(v);
        if (a >= 100) return String.format(Locale.ROOT, "%,.0f", v);   // 31,864 as train prints it
        if (a >= 10) return String.format(Locale.ROOT, "%.1f", v);
        if (a >= 1) return String.format(Locale.ROOT, "%.2f", v);
        if (a >= 0.01 || a == 0) return String.format(Locale.ROOT, "%.3f", v);
        return String.format(Locale.ROOT, "%.2e", v);
    }

    /** A device in one line: id, name, driver, OpenCL (or Java) version. */
    public static String describe(DeviceInfo d) {
        return d.id() + " = " + d.name() + "; driver " + d.driver() + "; " + d.version();
    }
}
