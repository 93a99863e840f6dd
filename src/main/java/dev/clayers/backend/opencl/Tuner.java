package dev.clayers.backend.opencl;

import dev.clayers.backend.Backend;
import dev.clayers.backend.Backends;
import dev.clayers.backend.DeviceInfo;
import dev.clayers.backend.Matrix;
import dev.clayers.backend.Verifier;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Searches the gemm kernel's parameters on one OpenCL device and stores the fastest correct choice
 * in the {@link TuningCache}, which every later {@link OpenClBackend} on that device uses.
 *
 * <p>Per candidate (an override spec such as {@code GEMM=cpu,CPU_RM=6,CPU_VW=16,CPU_WGN=1,CPU_WGM=16}):
 * open a backend built with it; check it first, against the Java reference backend, on all four
 * transpose combinations of a ragged shape, with alpha/beta and a NaN-filled C (a wrong or
 * unbuildable candidate is discarded and reported, never timed); then time n x n x n products:
 * two warm-up calls, then {@code reps} calls each from enqueue to {@code finish()}; the score is
 * the median GFLOP/s.
 */
public final class Tuner {
    private static final Pattern OPENCL_ID = Pattern.compile("opencl:(\\d+):(\\d+)");

    private Tuner() {}

    /**
     * One candidate's fate.
     *
     * @param spec    the override spec tried
     * @param problem why it was discarded (build failure, wrong result), or null when it was timed
     */
    public record Outcome(String spec, String problem, double minGflops, double medianGflops, double maxGflops) {
        public boolean ok() { return problem == null; }
    }

    /** What a tuning run found; {@code best} is null when no candidate survived (nothing was stored). */
    public record Report(DeviceInfo device, int n, List<Outcome> outcomes, Outcome best, Path cacheFile) {}

    /**
     * The candidates for a device: for CPUs the register-blocked kernel over register blocks that
     * fit 16 AVX2 registers or 32 AVX-512 ones and a few work-group shapes, plus the tiled kernel's default as a
     * control; for GPUs the tiled kernel over tile sizes, plus one register-blocked candidate.
     * {@code quick} keeps a handful.
     */
    public static List<String> grid(DeviceInfo info, boolean quick) {
        boolean cpu = DeviceProfile.naturalShape(info) == DeviceProfile.Shape.CPU;
        // 8,32 (the AVX-512 default), 8,48 and 12,32 (24 accumulators) only fit AVX-512's 32 registers.
        List<String> cpuBlocks = quick ? List.of("6,16", "8,32", "8,48", "4,16", "8,8")
                : List.of("6,16", "8,32", "8,48", "12,32", "6,32", "4,16", "8,8", "12,8", "4,8", "2,16");
        List<String> cpuGroups = quick ? List.of("1,16", "1,4") : List.of("1,16", "1,4", "1,64", "4,4", "8,1");
        List<String> tiled = quick ? List.of("64,16,4", "32,16,4") : List.of("64,16,4", "32,16,4", "32,8,4", "64,8,8", "16,8,4");
        List<String> out = new ArrayList<>();
        if (cpu) {
            for (String b : cpuBlocks) for (String g : cpuGroups) out.add(cpuSpec(b, g));
            out.add(tiledSpec(tiled.get(0)));
        } else {
            for (String t : tiled) out.add(tiledSpec(t));
            out.add(cpuSpec("4,8", "8,8"));
        }
        return out;
    }

    private static String cpuSpec(String block, String group) {
        String[] b = block.split(","), g = group.split(",");
        return "GEMM=cpu,CPU_RM=" + b[0] + ",CPU_VW=" + b[1] + ",CPU_WGN=" + g[0] + ",CPU_WGM=" + g[1];
    }

    private static String tiledSpec(String t) {
        String[] v = t.split(",");
        return "GEMM=tiled,TSM=" + v[0] + ",TSN=" + v[0] + ",TSK=" + v[1] + ",WPTM=" + v[2] + ",WPTN=" + v[2];
    }

    /** Tunes the device named by {@code deviceSpec} (an OpenCL id or name substring) over {@link #grid}. */
    public static Report tune(String deviceSpec, boolean quick, Consumer<String> progress) throws IOException {
        String id;
        try (Backend b = Backends.open(deviceSpec)) {
            id = b.id();
        }
        Matcher m = OPENCL_ID.matcher(id);
        if (!m.matches()) throw new IllegalArgumentException("tune needs an OpenCL device, got " + id + "; see 'clayers devices'");
        int platform = Integer.parseInt(m.group(1)), device = Integer.parseInt(m.group(2));
        DeviceInfo info = OpenClDevices.find(platform, device).info();
        return tune(platform, device, grid(info, quick), quick ? 512 : 1024, quick ? 3 : 5, progress);
    }

    /** Tunes over exactly {@code specs}, timing n x n x n products; stores the winner. */
    static Report tune(int platform, int device, List<String> specs, int n, int reps, Consumer<String> progress) throws IOException {
        OpenClDevices.Handle h = OpenClDevices.find(platform, device);
        if (h == null) throw new IllegalArgumentException("no OpenCL device " + OpenClDevices.id(platform, device));
        DeviceInfo info = h.info();
        List<Outcome> outcomes = new ArrayList<>();
        for (String spec : specs) {
            Outcome o = tryOne(platform, device, spec, n, reps);
            outcomes.add(o);
            progress.accept(o.ok()
                    ? String.format("%-62s GFLOP/s min %8.2f median %8.2f max %8.2f", spec, o.minGflops(), o.medianGflops(), o.maxGflops())
                    : String.format("%-62s DISCARDED: %s", spec, o.problem()));
        }
        Outcome best = outcomes.stream().filter(Outcome::ok).max(Comparator.comparingDouble(Outcome::medianGflops)).orElse(null);
        if (best != null) {
            TuningCache.store(info, new TuningCache.Entry(info.name(), info.driver(), TuningCache.gemmSourceHash(), best.spec(),
                    best.medianGflops(), n + "x" + n + "x" + n, Instant.now().toString()));
        }
        return new Report(info, n, outcomes, best, TuningCache.file());
    }

    private static Outcome tryOne(int platform, int device, String spec, int n, int reps) {
        try (OpenClBackend b = OpenClBackend.open(platform, device, spec)) {
            String wrong = check(b);
            if (wrong != null) return new Outcome(spec, "wrong result: " + wrong, 0, 0, 0);
            double[] gf = time(b, n, reps);
            return new Outcome(spec, null, gf[0], gf[gf.length / 2], gf[gf.length - 1]);
        } catch (RuntimeException e) {
            String msg = String.valueOf(e.getMessage());
            int nl = msg.indexOf('\n');
            return new Outcome(spec, e.getClass().getSimpleName() + ": " + (nl < 0 ? msg : msg.substring(0, nl)), 0, 0, 0);
        }
    }

    /** Null when the candidate agrees with the Java reference on every case, else the first failure. */
    private static String check(OpenClBackend b) {
        Random rnd = new Random(7);
        try (Verifier.Pair p = new Verifier.Pair(b)) {
            for (boolean ta : new boolean[] {false, true}) {
                for (boolean tb : new boolean[] {false, true}) {
                    for (Verifier.Result r : new Verifier.Result[] {
                            p.gemm(rnd, ta, tb, 37, 53, 29, 1f, 0f, true),
                            p.gemm(rnd, ta, tb, 100, 33, 100, -0.5f, 1f, false),
                            p.gemm(rnd, ta, tb, 1, 17, 3, 2f, 0.25f, false)}) {
                        if (!r.pass()) return r.toString();
                    }
                }
            }
        }
        return null;
    }

    /** GFLOP/s of {@code reps} n x n x n products, sorted ascending. */
    private static double[] time(Backend b, int n, int reps) {
        Random rnd = new Random(1);
        try (Matrix a = b.upload(Verifier.random(rnd, n * n), n, n); Matrix x = b.upload(Verifier.random(rnd, n * n), n, n);
             Matrix c = b.alloc(n, n)) {
            double flops = 2.0 * n * n * n;
            for (int i = 0; i < 2; i++) b.gemm(false, false, 1f, a, x, 0f, c);
            b.finish();
            double[] gf = new double[reps];
            for (int i = 0; i < reps; i++) {
                long t0 = System.nanoTime();
                b.gemm(false, false, 1f, a, x, 0f, c);
                b.finish();
                gf[i] = flops / (System.nanoTime() - t0);
            }
            Arrays.sort(gf);
            return gf;
        }
    }
}
