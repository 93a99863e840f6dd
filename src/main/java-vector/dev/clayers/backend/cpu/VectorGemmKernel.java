package dev.clayers.backend.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Vector-API macro-kernel. It needs {@code --add-modules jdk.incubator.vector} to compile and to
 * run, so it lives in its own source root (src/main/java-vector, added to the build only with
 * that flag) and only {@link CpuGemm} loads it, by name, when the module is in the boot layer.
 *
 * <p>Micro-tile: MR = 6 rows x NR = 2 vectors of columns (6 x 16 floats with AVX2, 6 x 32 with
 * AVX-512), the BLIS Haswell shape. Its 12 accumulators, 2 B vectors and one broadcast of A fit
 * the 16 AVX2 registers, so C2 keeps the tile in registers for the whole KC loop; each step loads
 * 2 vectors of B and 6 scalars of A for 12 FMAs.
 */
final class VectorGemmKernel implements GemmKernel {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    static final int MR = 6;
    static final int NR = 2 * L;

    @Override public int mr() { return MR; }
    @Override public int nr() { return NR; }
    @Override public String name() { return "vector" + S.vectorBitSize(); }

    @Override
    public void multiply(int mc, int nc, int kc, float[] ap, float[] bp, float beta, float[] c, int cOff, int ldc) {
        float[] edge = null;
        for (int jr = 0; jr < nc; jr += NR) {
            int bBase = (jr / NR) * kc * NR;
            int nw = Math.min(NR, nc - jr);
            for (int ir = 0; ir < mc; ir += MR) {
                int aBase = (ir / MR) * kc * MR;
                int mh = Math.min(MR, mc - ir);
                if (mh == MR && nw == NR) {
                    tile(kc, ap, aBase, bp, bBase, beta, c, cOff + ir * ldc + jr, ldc);
                } else {
                    // Ragged edge: compute the full padded tile into scratch, copy the valid part.
                    if (edge == null) edge = new float[MR * NR];
                    tile(kc, ap, aBase, bp, bBase, 0f, edge, 0, NR);
                    for (int i = 0; i < mh; i++) {
                        int co = cOff + (ir + i) * ldc + jr;
                        for (int j = 0; j < nw; j++) {
                            float v = edge[i * NR + j];
                            c[co + j] = beta == 0f ? v : v + beta * c[co + j];
                        }
                    }
                }
            }
        }
    }

    private static void tile(int kc, float[] ap, int ao, float[] bp, int bo, float beta, float[] c, int co, int ldc) {
        FloatVector c00 = FloatVector.zero(S), c01 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S), c11 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S), c21 = FloatVector.zero(S);
        FloatVector c30 = FloatVector.zero(S), c31 = FloatVector.zero(S);
        FloatVector c40 = FloatVector.zero(S), c41 = FloatVector.zero(S);
        FloatVector c50 = FloatVector.zero(S), c51 = FloatVector.zero(S);
        for (int p = 0; p < kc; p++, ao += MR, bo += NR) {
            FloatVector b0 = FloatVector.fromArray(S, bp, bo);
            FloatVector b1 = FloatVector.fromArray(S, bp, bo + L);
            FloatVector a;
            a = FloatVector.broadcast(S, ap[ao]);     c00 = b0.fma(a, c00); c01 = b1.fma(a, c01);
            a = FloatVector.broadcast(S, ap[ao + 1]); c10 = b0.fma(a, c10); c11 = b1.fma(a, c11);
            a = FloatVector.broadcast(S, ap[ao + 2]); c20 = b0.fma(a, c20); c21 = b1.fma(a, c21);
            a = FloatVector.broadcast(S, ap[ao + 3]); c30 = b0.fma(a, c30); c31 = b1.fma(a, c31);
            a = FloatVector.broadcast(S, ap[ao + 4]); c40 = b0.fma(a, c40); c41 = b1.fma(a, c41);
            a = FloatVector.broadcast(S, ap[ao + 5]); c50 = b0.fma(a, c50); c51 = b1.fma(a, c51);
        }
        store(c00, c01, beta, c, co, ldc * 0);
        store(c10, c11, beta, c, co, ldc);
        store(c20, c21, beta, c, co, ldc * 2);
        store(c30, c31, beta, c, co, ldc * 3);
        store(c40, c41, beta, c, co, ldc * 4);
        store(c50, c51, beta, c, co, ldc * 5);
    }

    private static void store(FloatVector v0, FloatVector v1, float beta, float[] c, int co, int rowOff) {
        int o = co + rowOff;
        if (beta != 0f) {
            FloatVector vb = FloatVector.broadcast(S, beta);
            v0 = FloatVector.fromArray(S, c, o).fma(vb, v0);
            v1 = FloatVector.fromArray(S, c, o + L).fma(vb, v1);
        }
        v0.intoArray(c, o);
        v1.intoArray(c, o + L);
    }
}
