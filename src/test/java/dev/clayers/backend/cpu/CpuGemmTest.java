package dev.clayers.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link CpuGemm} against a plain triple loop in double, for every kernel this JVM can load
 * (the Vector-API one only with {@code --add-modules jdk.incubator.vector}), all four transpose
 * cases, odd shapes that leave ragged micro-tiles and span several KC slices, and alpha/beta
 * variants.
 *
 * <p>Tolerance: each C entry is a float sum of k products. With |a| &le; amax, |b| &le; bmax,
 * every partial sum is at most k·amax·bmax in size, and the float rounding error of a length-k
 * sum (any order, FMA or not) is bounded by about k·eps·k·amax·bmax in the worst case and
 * sqrt(k)·eps·... typically; eps = 6e-8. We use 1e-5·k·amax·bmax (plus the beta·C term's own
 * rounding, eps·|beta·C|): about 160 eps per unit of k·amax·bmax, far above typical error for
 * k &le; 1000 yet far below the size of any indexing or transpose mistake (an O(amax·bmax) error
 * per wrong term).
 */
class CpuGemmTest {

    static List<GemmKernel> kernels() {
        List<GemmKernel> ks = new ArrayList<>();
        ks.add(CpuGemm.SCALAR);
        ks.addAll(CpuGemm.VECTOR_KERNELS);
        return ks;
    }

    static final int[][] SHAPES = {   // m, n, k: ragged MR/NR tiles, several KC slices (k > 256, k > 1024) and MC blocks (m > 168, m > 336)
        {1, 1, 1}, {9, 50, 1100}, {7, 33, 100}, {33, 1000, 7}, {100, 784, 100}, {784, 100, 100},
        {1000, 1, 33}, {100, 100, 784}, {100, 10, 100}, {13, 17, 600},
        {5, CpuGemm.NC + 20, 3},   // crosses an NC panel boundary
        {20, 10, 1000},            // ten classes, several KC slices of B packed once
        {3, 2, 70_000},            // narrow B too deep to pack once (CpuGemm.NARROW_B_MAX): packed per slice
        {600, 56, 2100},           // two row strips, each with several KC slices and MC blocks
    };

    static Stream<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        for (GemmKernel kern : kernels()) {
            for (int[] s : SHAPES) {
                for (int t = 0; t < 4; t++) {
                    out.add(Arguments.of(kern.name(), kern, s[0], s[1], s[2], (t & 1) != 0, (t & 2) != 0));
                }
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0} m={2} n={3} k={4} tA={5} tB={6}")
    @MethodSource("cases")
    void matchesDoubleReference(String name, GemmKernel kern, int m, int n, int k, boolean tA, boolean tB) {
        Random r = new Random(31L * m + 7L * n + k + (tA ? 1 : 0) + (tB ? 2 : 0));
        float[] a = random(r, m * k, 1f), b = random(r, k * n, 2f);
        float[][] alphaBeta = {{1f, 0f}, {-0.5f, 1f}, {2f, -0.75f}};
        for (float[] ab : alphaBeta) {
            float alpha = ab[0], beta = ab[1];
            float[] c0 = random(r, m * n, 3f);
            if (beta == 0f) java.util.Arrays.fill(c0, Float.NaN);   // beta == 0 must ignore C, NaN included
            float[] want = reference(tA, tB, m, n, k, alpha, a, b, beta, c0);
            // Packed (A packed too, or read in place wherever the kernel can), and unpacked wherever
            // the kernel can (B not transposed, vector kernel).
            for (int path = 0; path < 3; path++) {
                long directFlops = path < 2 ? 0 : Long.MAX_VALUE;
                CpuGemm.PackA packA = path == 1 ? CpuGemm.PackA.NEVER : CpuGemm.PackA.ALWAYS;
                String what = name + (path == 0 ? " packed" : path == 1 ? " packed B, A in place" : " direct") + " alpha=" + alpha + " beta=" + beta;
                float[] c = c0.clone();
                CpuGemm.gemm(kern, 1, directFlops, packA, tA, tB, m, n, k, alpha, a, b, beta, c);
                assertClose(want, c, k, Math.abs(alpha) * 1f * 2f, beta, c0, what);

                float[] cMulti = c0.clone();
                CpuGemm.gemm(kern, 2, directFlops, packA, tA, tB, m, n, k, alpha, a, b, beta, cMulti);
                // Each strip runs the same kernel over the same data: bitwise identical.
                assertArrayEquals(c, cMulti, what + ": 2 threads differ from 1 thread");
            }
        }
    }

    /**
     * Callers on four threads at once, each with packed products whose strips run on the spin pool
     * or, when another caller holds it, on fork/join, with per-thread packing buffers: every
     * result as on one thread, bit for bit.
     */
    @Test
    void concurrentCallersMatchOneThread() throws Exception {
        int m = 400, n = 96, k = 1500;
        Random r = new Random(9);
        float[] a = random(r, m * k, 1f), b = random(r, k * n, 1f);
        float[][] want = new float[4][m * n];
        for (int t = 0; t < 4; t++) CpuGemm.gemm(CpuGemm.DEFAULT, 1, (t & 1) != 0, (t & 2) != 0, m, n, k, 1f, a, b, 0f, want[t]);
        java.util.concurrent.ExecutorService callers = java.util.concurrent.Executors.newFixedThreadPool(4);
        try {
            List<java.util.concurrent.Future<?>> runs = new ArrayList<>();
            for (int caller = 0; caller < 4; caller++) {
                runs.add(callers.submit(() -> {
                    for (int round = 0; round < 20; round++) {
                        int t = round & 3;
                        float[] c = new float[m * n];
                        CpuGemm.gemm((t & 1) != 0, (t & 2) != 0, m, n, k, 1f, a, b, 0f, c);
                        assertArrayEquals(want[t], c, "round " + round + " tA=" + ((t & 1) != 0) + " tB=" + ((t & 2) != 0));
                    }
                    return null;
                }));
            }
            for (java.util.concurrent.Future<?> run : runs) run.get(2, java.util.concurrent.TimeUnit.MINUTES);
        } finally {
            callers.shutdownNow();
        }
    }

    @Test
    void publicEntryUsesBothCoresAndMatches() {
        int m = 300, n = 500, k = 700;   // above the parallel threshold
        Random r = new Random(5);
        float[] a = random(r, m * k, 1f), b = random(r, k * n, 1f);
        for (int t = 0; t < 4; t++) {
            boolean tA = (t & 1) != 0, tB = (t & 2) != 0;
            float[] c = new float[m * n], c1 = new float[m * n];
            CpuGemm.gemm(tA, tB, m, n, k, 1f, a, b, 0f, c);
            CpuGemm.gemm(CpuGemm.DEFAULT, 1, tA, tB, m, n, k, 1f, a, b, 0f, c1);
            assertArrayEquals(c1, c);
            assertClose(reference(tA, tB, m, n, k, 1f, a, b, 0f, c1), c, k, 1f, 0f, c1, "public tA=" + tA + " tB=" + tB);
        }
    }

    @Test
    void zeroAlphaOrZeroKOnlyScalesC() {
        float[] a = {Float.NaN, 1, 2, 3}, b = {Float.NaN, 1, 2, 3};
        float[] c = {1, 2, 3, 4};
        CpuGemm.gemm(false, false, 2, 2, 2, 0f, a, b, 2f, c);
        assertArrayEquals(new float[] {2, 4, 6, 8}, c);
        float[] d = {Float.NaN, 1};
        CpuGemm.gemm(false, false, 1, 2, 0, 1f, new float[0], new float[0], 0f, d);
        assertArrayEquals(new float[] {0, 0}, d);
    }

    @Test
    void shortArraysFailWithShapes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> CpuGemm.gemm(false, true, 2, 3, 4, 1f, new float[8], new float[11], 0f, new float[6]));
        assertEquals("gemm: b has 11 elements, needs 12 (3x4)", e.getMessage());
    }

    @Test
    void vectorKernelLoadsWhenModulePresent() {
        boolean present = ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();
        assumeTrue(present, "jdk.incubator.vector not in the boot layer: only the scalar kernel is tested");
        assertNotNull(CpuGemm.VECTOR);
        assertFalse(CpuGemm.kernelName().isEmpty());
    }

    private static float[] reference(boolean tA, boolean tB, int m, int n, int k, float alpha,
                                     float[] a, float[] b, float beta, float[] c0) {
        float[] out = new float[m * n];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double s = 0;
                for (int p = 0; p < k; p++) {
                    double x = tA ? a[p * m + i] : a[i * k + p];
                    double y = tB ? b[j * k + p] : b[p * n + j];
                    s += x * y;
                }
                double v = alpha * s + (beta == 0f ? 0 : (double) beta * c0[i * n + j]);
                out[i * n + j] = (float) v;
            }
        }
        return out;
    }

    /** See the class comment for the bound; amaxBmax carries |alpha|·max|a|·max|b|. */
    private static void assertClose(float[] want, float[] got, int k, float amaxBmax, float beta, float[] c0, String what) {
        for (int i = 0; i < want.length; i++) {
            double tol = 1e-5 * Math.max(k, 1) * amaxBmax
                    + (beta == 0f ? 0 : 1e-6 * Math.abs(beta * c0[i]));
            if (!(Math.abs(want[i] - got[i]) <= tol)) {
                throw new AssertionError(what + ": C[" + i + "] = " + got[i] + ", want " + want[i] + " (tol " + tol + ")");
            }
        }
    }

    private static float[] random(Random r, int len, float scale) {
        float[] x = new float[len];
        for (int i = 0; i < len; i++) x[i] = (2 * r.nextFloat() - 1) * scale;
        return x;
    }
}
