package dev.clayers.backend.cpu;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.RecursiveAction;

/**
 * Pure-Java single-precision GEMM on row-major arrays: {@code C = alpha op(A) op(B) + beta C}.
 *
 * <p>op(B) is packed once into a contiguous K x N panel so the inner loop walks two rows with
 * unit stride, which C2 turns into vector FMAs; the rows of C are split over the common pool.
 */
public final class CpuGemm {
    private CpuGemm() {}

    /** Below this many multiply-adds the fork/join overhead outweighs a second core. */
    private static final long PARALLEL_THRESHOLD = 1L << 16;
    private static final int KC = 256;

    /**
     * @param a op(A) is m x k: a is m x k, or k x m when transA
     * @param b op(B) is k x n: b is k x n, or n x k when transB
     * @param c m x n, Modified
     */
    public static void gemm(boolean transA, boolean transB, int m, int n, int k,
                            float alpha, float[] a, float[] b, float beta, float[] c) {
        float[] bp = transB ? transpose(b, n, k) : b;   // bp is k x n
        float[] ap = transA ? transpose(a, k, m) : a;   // ap is m x k
        if ((long) m * n * k < PARALLEL_THRESHOLD || m < 2) {
            rows(0, m, n, k, alpha, ap, bp, beta, c);
            return;
        }
        int parts = Math.min(m, 4 * ForkJoinPool.getCommonPoolParallelism());
        List<RecursiveAction> tasks = new ArrayList<>();
        for (int p = 0; p < parts; p++) {
            int r0 = (int) ((long) m * p / parts);
            int r1 = (int) ((long) m * (p + 1) / parts);
            tasks.add(new RecursiveAction() {
                @Override protected void compute() { rows(r0, r1, n, k, alpha, ap, bp, beta, c); }
            });
        }
        ForkJoinPool.commonPool().invoke(new RecursiveAction() {
            @Override protected void compute() { invokeAll(tasks); }
        });
    }

    private static void rows(int r0, int r1, int n, int k, float alpha, float[] a, float[] b, float beta, float[] c) {
        for (int i = r0; i < r1; i++) {
            int ci = i * n;
            if (beta == 0f) {
                java.util.Arrays.fill(c, ci, ci + n, 0f);
            } else if (beta != 1f) {
                for (int j = 0; j < n; j++) c[ci + j] *= beta;
            }
        }
        for (int k0 = 0; k0 < k; k0 += KC) {
            int k1 = Math.min(k, k0 + KC);
            for (int i = r0; i < r1; i++) {
                int ci = i * n;
                int ai = i * k;
                for (int p = k0; p < k1; p++) {
                    float s = alpha * a[ai + p];
                    if (s == 0f) continue;
                    int bi = p * n;
                    for (int j = 0; j < n; j++) c[ci + j] += s * b[bi + j];
                }
            }
        }
    }

    /** Transposes a rows x cols row-major array. */
    static float[] transpose(float[] x, int rows, int cols) {
        float[] t = new float[x.length];
        final int bs = 32;
        for (int i0 = 0; i0 < rows; i0 += bs) {
            for (int j0 = 0; j0 < cols; j0 += bs) {
                int i1 = Math.min(rows, i0 + bs), j1 = Math.min(cols, j0 + bs);
                for (int i = i0; i < i1; i++) {
                    for (int j = j0; j < j1; j++) t[j * rows + i] = x[i * cols + j];
                }
            }
        }
        return t;
    }
}
