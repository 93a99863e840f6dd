package dev.clayers.backend;

import dev.clayers.backend.cpu.CpuBackend;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The batch normalization ops on every device against the Java reference (double sums): per
 * feature (P = 1) and per channel (P = H*W), batch 1, channel counts 1, 3 and 7, an offset mean so
 * the variance is a small difference, and channels of 1, 7, 33, 100, 784 and 1000 values. Tolerance
 * 2e-5 relative to the values' scale (float sums of up to a few thousand values, Kahan-compensated on
 * the device). A second run on the same device gives the same bits (the reductions have a fixed order).
 */
class BatchNormContractTest {
    private static final float EPS = 1e-6f;

    /** (N, C, P). */
    private static List<int[]> cases(String id) {
        List<int[]> c = new ArrayList<>(List.of(new int[] {5, 7, 1}, new int[] {1, 3, 9}, new int[] {4, 3, 25}, new int[] {2, 1, 6},
                // M = N * P of 1, 7, 33, 100, 784 and 1000: under, across and over a work-group of the GPU shape's reductions
                new int[] {1, 2, 1}, new int[] {7, 2, 1}, new int[] {33, 3, 1}, new int[] {4, 2, 25}, new int[] {1, 2, 784},
                new int[] {1000, 3, 1}, new int[] {10, 2, 100}));
        if (!TestDevices.small(id)) c.add(new int[] {100, 30, 576});
        return c;
    }

    private static float[] random(int n, long seed, float offset, float scale) {
        Random rng = new Random(seed);
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = offset + scale * (float) rng.nextGaussian();
        return a;
    }

    private static void assertClose(float[] expected, float[] actual, double scale, String what) {
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], actual[i], 2e-5 * Math.max(scale, Math.abs(expected[i])), what + " at " + i);
        }
    }

    @ParameterizedTest
    @MethodSource("dev.clayers.backend.TestDevices#contractIds")
    void matchesReference(String id) {
        try (Backend be = TestDevices.open(id); CpuBackend ref = new CpuBackend()) {
            for (int[] k : cases(id)) {
                int n = k[0], c = k[1], p = k[2], cols = c * p;
                float[] x = random(n * cols, 1, 3f, 0.5f), dout = random(n * cols, 2, 0f, 1f);
                float[] gamma = random(c, 3, 1f, 0.3f), beta = random(c, 4, 0f, 0.3f);
                float[] rm = random(c, 5, 0f, 1f), rv = random(c, 6, 1f, 0.1f);
                String what = id + " N" + n + " C" + c + " P" + p;
                float[][] want = run(ref, x, dout, gamma, beta, rm, rv, n, c, cols);
                float[][] got = run(be, x, dout, gamma, beta, rm, rv, n, c, cols);
                float[][] again = run(be, x, dout, gamma, beta, rm, rv, n, c, cols);
                String[] names = {"mean", "var", "running mean", "running var", "xhat", "out", "dgamma", "dbeta", "dx"};
                for (int i = 0; i < names.length; i++) {
                    // Sums over the channel are compared relative to their size: M values of about 1 each.
                    double scale = names[i].startsWith("dgamma") || names[i].startsWith("dbeta") ? Math.sqrt((double) n * p) : 1;
                    assertClose(want[i], got[i], scale, what + " " + names[i]);
                    assertArrayEquals(got[i], again[i], 0f, what + " " + names[i] + ": a second run differs");
                }
            }
        }
    }

    /** stats, forward in training mode, backward: the nine outputs downloaded. */
    private static float[][] run(Backend be, float[] x, float[] dout, float[] gamma, float[] beta, float[] rm, float[] rv,
                                 int n, int c, int cols) {
        try (Matrix xm = be.upload(x, n, cols); Matrix dm = be.upload(dout, n, cols); Matrix g = be.upload(gamma, 1, c);
             Matrix b = be.upload(beta, 1, c); Matrix runMean = be.upload(rm, 1, c); Matrix runVar = be.upload(rv, 1, c);
             Matrix mean = be.alloc(1, c); Matrix var = be.alloc(1, c); Matrix xhat = be.alloc(n, cols);
             Matrix out = be.alloc(n, cols); Matrix dg = be.alloc(1, c); Matrix db = be.alloc(1, c); Matrix dx = be.alloc(n, cols)) {
            be.batchNormStats(xm, c, 0.9f, mean, var, runMean, runVar);
            be.batchNormForward(xm, mean, var, g, b, EPS, xhat, out);
            be.batchNormBackward(dm, xhat, var, g, EPS, dg, db, dx);
            return new float[][] {be.download(mean), be.download(var), be.download(runMean), be.download(runVar),
                    be.download(xhat), be.download(out), be.download(dg), be.download(db), be.download(dx)};
        }
    }

    /** Hand values: one feature over the batch {1, 3}: mean 2, variance 1; gamma 2, beta 0.5. */
    @ParameterizedTest
    @MethodSource("dev.clayers.backend.TestDevices#contractIds")
    void byHand(String id) {
        try (Backend be = TestDevices.open(id); Matrix x = be.upload(new float[] {1, 3}, 2, 1);
             Matrix g = be.upload(new float[] {2}, 1, 1); Matrix b = be.upload(new float[] {0.5f}, 1, 1);
             Matrix rm = be.upload(new float[] {0}, 1, 1); Matrix rv = be.upload(new float[] {1}, 1, 1);
             Matrix mean = be.alloc(1, 1); Matrix var = be.alloc(1, 1); Matrix xhat = be.alloc(2, 1); Matrix out = be.alloc(2, 1)) {
            be.batchNormStats(x, 1, 0.9f, mean, var, rm, rv);
            assertArrayEquals(new float[] {2}, be.download(mean), 0f);
            assertArrayEquals(new float[] {1}, be.download(var), 0f);
            assertArrayEquals(new float[] {0.2f}, be.download(rm), 1e-7f);   // 0.9 * 0 + 0.1 * 2
            assertArrayEquals(new float[] {1f}, be.download(rv), 1e-7f);     // 0.9 * 1 + 0.1 * 1
            be.batchNormForward(x, mean, var, g, b, 0f, xhat, out);
            assertArrayEquals(new float[] {-1, 1}, be.download(xhat), 0f);
            assertArrayEquals(new float[] {-1.5f, 2.5f}, be.download(out), 0f);
        }
    }
}
