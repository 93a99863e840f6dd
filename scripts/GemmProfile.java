// Where the Java gemm's time goes, one core against the machine's own FMA peak. Run from the
// repository root after a build (add -XX:UseAVX=2 for the AVX2 tile on an AVX-512 machine):
//   java --add-modules jdk.incubator.vector -cp target/clayers.jar scripts/GemmProfile.java [SIZE...]
// Prints GFLOP/s, median [min-max] of 7 samples of 200 ms after 1.5 s of untimed calls, for:
//   fma peak      a loop of independent vector FMAs on registers (as many accumulators as the
//                 tile has), no loads: what one core can do at this moment's clock;
//   tile L1/L2    the macro-kernel (GemmKernel.multiply) alone on packed operands: kc 64 and a
//                 B sliver that stay in L1, then the kernel's own KC/MC blocking;
//   gemm SIZE     the whole product (packing, threads) on 1 and on 2 threads.
// Reads package-private classes by reflection (the jar is on the class path, an unnamed module).
import java.lang.invoke.*;
import java.lang.reflect.*;
import java.util.*;
import jdk.incubator.vector.*;

public class GemmProfile {
    interface Op { void run() throws Throwable; }

    static double[] time(Op op, double flopsPerCall) throws Throwable {
        long end = System.nanoTime() + 1_500_000_000L;
        while (System.nanoTime() < end) op.run();
        double[] s = new double[7];
        for (int i = 0; i < s.length; i++) {
            long t0 = System.nanoTime(), calls = 0;
            do { op.run(); calls++; } while (System.nanoTime() - t0 < 200_000_000L);
            s[i] = flopsPerCall * calls / (System.nanoTime() - t0);
        }
        if (System.getenv("PROFILE_RAW") != null) System.out.println(Arrays.toString(s));
        Arrays.sort(s);
        return s;
    }

    static void print(String what, double[] s, double peak) {
        System.out.printf(Locale.ROOT, "%-34s %7.1f [%.1f-%.1f] GFLOP/s%s%n", what, s[3], s[0], s[6],
                peak > 0 ? String.format(Locale.ROOT, "  %3.0f %% of fma peak", 100 * s[3] / peak) : "");
    }

    static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    static float sink;

    // 24 independent chains (the 8x3 tile's accumulators); the AVX2 tile has 12, which also
    // cover four cycles of latency on two FMA pipes.
    static float fmaLoop(int n, float x0, float y0) {
        FloatVector x = FloatVector.broadcast(S, x0), y = FloatVector.broadcast(S, y0);
        FloatVector a0 = x, a1 = x, a2 = x, a3 = x, a4 = x, a5 = x, a6 = x, a7 = x, a8 = x, a9 = x, a10 = x, a11 = x;
        for (int i = 0; i < n; i++) {
            a0 = x.fma(y, a0); a1 = x.fma(y, a1); a2 = x.fma(y, a2); a3 = x.fma(y, a3);
            a4 = x.fma(y, a4); a5 = x.fma(y, a5); a6 = x.fma(y, a6); a7 = x.fma(y, a7);
            a8 = x.fma(y, a8); a9 = x.fma(y, a9); a10 = x.fma(y, a10); a11 = x.fma(y, a11);
        }
        return a0.add(a1).add(a2).add(a3).add(a4).add(a5).add(a6).add(a7).add(a8).add(a9).add(a10).add(a11).reduceLanes(VectorOperators.ADD);
    }

    public static void main(String[] args) throws Throwable {
        Class<?> gemm = Class.forName("dev.clayers.backend.cpu.CpuGemm");
        Class<?> kernelType = Class.forName("dev.clayers.backend.cpu.GemmKernel");
        Field pick = gemm.getDeclaredField("DEFAULT");
        pick.setAccessible(true);
        Object kernel = pick.get(null);
        MethodHandles.Lookup lk = MethodHandles.privateLookupIn(gemm, MethodHandles.lookup());
        MethodHandle multiply = lk.findVirtual(kernelType, "multiply", MethodType.methodType(void.class, int.class, int.class, int.class,
                float[].class, float[].class, boolean.class, float[].class, int.class, int.class)).bindTo(kernel);
        MethodHandle full = lk.findStatic(gemm, "gemm", MethodType.methodType(void.class, kernelType, int.class, boolean.class, boolean.class,
                int.class, int.class, int.class, float.class, float[].class, float[].class, float.class, float[].class)).bindTo(kernel);
        int mr = (int) lk.findVirtual(kernelType, "mr", MethodType.methodType(int.class)).invoke(kernel);
        int nr = (int) lk.findVirtual(kernelType, "nr", MethodType.methodType(int.class)).invoke(kernel);
        int kcK = (int) lk.findVirtual(kernelType, "kc", MethodType.methodType(int.class)).invoke(kernel);
        int mcK = (int) lk.findVirtual(kernelType, "mc", MethodType.methodType(int.class)).invoke(kernel);
        String name = (String) lk.findVirtual(kernelType, "name", MethodType.methodType(String.class)).invoke(kernel);
        System.out.printf(Locale.ROOT, "kernel %s (MR %d, NR %d, KC %d, MC %d), %d-bit vectors, Java %s%n", name, mr, nr, kcK, mcK,
                S.vectorBitSize(), System.getProperty("java.version"));

        // Timed by its own loop: through the Op lambda, C2 recompiled the inlined loop into a slower form.
        int n = 1 << 20;
        for (long end = System.nanoTime() + 1_500_000_000L; System.nanoTime() < end; ) sink += fmaLoop(n, 1.0000001f, 1e-9f);
        double[] peak = new double[7];
        for (int i = 0; i < peak.length; i++) {
            long t0 = System.nanoTime(), calls = 0;
            do { sink += fmaLoop(n, 1.0000001f, 1e-9f); calls++; } while (System.nanoTime() - t0 < 200_000_000L);
            peak[i] = 2.0 * 12 * S.length() * n * calls / (System.nanoTime() - t0);
        }
        if (System.getenv("PROFILE_RAW") != null) System.out.println(Arrays.toString(peak));
        Arrays.sort(peak);
        print("fma peak, 1 thread", peak, 0);
        double p = peak[3];

        Random r = new Random(1);
        float[][] blocks = {{64, mr * 4, nr * 2}, {kcK, mcK, nr * 8}};
        for (float[] blk : blocks) {
            int kc = (int) blk[0], mc = (int) blk[1], nc = (int) blk[2];
            float[] ap = new float[mc * kc], bp = new float[kc * nc], c = new float[mc * nc];
            for (int i = 0; i < ap.length; i++) ap[i] = r.nextFloat();
            for (int i = 0; i < bp.length; i++) bp[i] = r.nextFloat();
            print("tile kc " + kc + " mc " + mc + " nc " + nc, time(() -> { multiply.invokeExact(mc, nc, kc, ap, bp, true, c, 0, nc); },
                    2.0 * mc * nc * kc), p);
        }
        int[] sizes = args.length == 0 ? new int[] {1024, 2048} : Arrays.stream(args).mapToInt(Integer::parseInt).toArray();
        for (int size : sizes) {
            float[] a = new float[size * size], b = new float[size * size], c = new float[size * size];
            for (int i = 0; i < a.length; i++) { a[i] = r.nextFloat(); b[i] = r.nextFloat(); }
            for (int threads = 1; threads <= 2; threads++) {
                int t = threads;
                print("gemm " + size + ", " + t + " thread" + (t > 1 ? "s" : ""), time(() -> { full.invokeExact(t, false, false, size, size, size,
                        1f, a, b, 0f, c); }, 2.0 * size * size * size), p * t);
            }
        }
    }
}
