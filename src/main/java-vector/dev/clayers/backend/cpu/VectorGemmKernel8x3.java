package dev.clayers.backend.cpu;

import jdk.incubator.vector.FloatVector;

/**
 * The AVX-512 macro-kernel: {@link VectorGemmKernel} with a micro-tile of MR = 8 rows x NR = 3
 * vectors (8 x 48 floats). AVX-512 has 32 vector registers, twice AVX2's 16: 24 accumulators,
 * 3 B vectors and one broadcast of A fit them, and each step of the KC loop loads 3 vectors of
 * B and 8 scalars of A for 24 FMAs (11 loads per 24 FMAs, against 8 per 12 for 6 x 2). Chosen
 * by {@link CpuGemm} only when the preferred vector is 512 bits; with AVX2 this tile would spill.
 * Generated from one template (the three tile methods differ only in how A is addressed).
 */
final class VectorGemmKernel8x3 extends VectorTileKernel {
    static final int MR = 8;
    static final int NR = 3 * L;

    VectorGemmKernel8x3() { super(MR, NR); }

    /**
     * Deeper slices and taller blocks than AVX2's 256 and 168: fewer passes of the 24
     * accumulators through scratch and C (measurements: docs/performance.md, "Tuning notes").
     */
    @Override public int kc() { return 1024; }

    /**
     * Yes for this tile; the 6 x 2 tile says no (measurements: docs/performance.md, "Tuning notes").
     */
    @Override public boolean readsTransposedAInPlace() { return true; }

    /** See {@link #kc}. */
    @Override public int mc() { return 336; }

    @Override public String name() { return "vector" + S.vectorBitSize() + "-8x3"; }

    @Override
    void tile(int kc, float[] ap, int ao, float[] bp, int bo, float[] out) {
        FloatVector c00 = FloatVector.zero(S), c01 = FloatVector.zero(S), c02 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S), c11 = FloatVector.zero(S), c12 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S), c21 = FloatVector.zero(S), c22 = FloatVector.zero(S);
        FloatVector c30 = FloatVector.zero(S), c31 = FloatVector.zero(S), c32 = FloatVector.zero(S);
        FloatVector c40 = FloatVector.zero(S), c41 = FloatVector.zero(S), c42 = FloatVector.zero(S);
        FloatVector c50 = FloatVector.zero(S), c51 = FloatVector.zero(S), c52 = FloatVector.zero(S);
        FloatVector c60 = FloatVector.zero(S), c61 = FloatVector.zero(S), c62 = FloatVector.zero(S);
        FloatVector c70 = FloatVector.zero(S), c71 = FloatVector.zero(S), c72 = FloatVector.zero(S);
        // Offsets computed from p, not carried as extra induction variables: C2 then proves the
        // loads in bounds once before the loop (range-check elimination works on the loop counter).
        for (int p = 0; p < kc; p++) {
            int bi = bo + p * NR, ai = ao + p * MR;
            FloatVector b0 = FloatVector.fromArray(S, bp, bi);
            FloatVector b1 = FloatVector.fromArray(S, bp, bi + 1 * L);
            FloatVector b2 = FloatVector.fromArray(S, bp, bi + 2 * L);
            FloatVector x;
            x = FloatVector.broadcast(S, ap[ai]); c00 = b0.fma(x, c00); c01 = b1.fma(x, c01); c02 = b2.fma(x, c02);
            x = FloatVector.broadcast(S, ap[ai + 1]); c10 = b0.fma(x, c10); c11 = b1.fma(x, c11); c12 = b2.fma(x, c12);
            x = FloatVector.broadcast(S, ap[ai + 2]); c20 = b0.fma(x, c20); c21 = b1.fma(x, c21); c22 = b2.fma(x, c22);
            x = FloatVector.broadcast(S, ap[ai + 3]); c30 = b0.fma(x, c30); c31 = b1.fma(x, c31); c32 = b2.fma(x, c32);
            x = FloatVector.broadcast(S, ap[ai + 4]); c40 = b0.fma(x, c40); c41 = b1.fma(x, c41); c42 = b2.fma(x, c42);
            x = FloatVector.broadcast(S, ap[ai + 5]); c50 = b0.fma(x, c50); c51 = b1.fma(x, c51); c52 = b2.fma(x, c52);
            x = FloatVector.broadcast(S, ap[ai + 6]); c60 = b0.fma(x, c60); c61 = b1.fma(x, c61); c62 = b2.fma(x, c62);
            x = FloatVector.broadcast(S, ap[ai + 7]); c70 = b0.fma(x, c70); c71 = b1.fma(x, c71); c72 = b2.fma(x, c72);
        }
        c00.intoArray(out, 0 * NR + 0 * L); c01.intoArray(out, 0 * NR + 1 * L); c02.intoArray(out, 0 * NR + 2 * L);
        c10.intoArray(out, 1 * NR + 0 * L); c11.intoArray(out, 1 * NR + 1 * L); c12.intoArray(out, 1 * NR + 2 * L);
        c20.intoArray(out, 2 * NR + 0 * L); c21.intoArray(out, 2 * NR + 1 * L); c22.intoArray(out, 2 * NR + 2 * L);
        c30.intoArray(out, 3 * NR + 0 * L); c31.intoArray(out, 3 * NR + 1 * L); c32.intoArray(out, 3 * NR + 2 * L);
        c40.intoArray(out, 4 * NR + 0 * L); c41.intoArray(out, 4 * NR + 1 * L); c42.intoArray(out, 4 * NR + 2 * L);
        c50.intoArray(out, 5 * NR + 0 * L); c51.intoArray(out, 5 * NR + 1 * L); c52.intoArray(out, 5 * NR + 2 * L);
        c60.intoArray(out, 6 * NR + 0 * L); c61.intoArray(out, 6 * NR + 1 * L); c62.intoArray(out, 6 * NR + 2 * L);
        c70.intoArray(out, 7 * NR + 0 * L); c71.intoArray(out, 7 * NR + 1 * L); c72.intoArray(out, 7 * NR + 2 * L);
    }

    @Override
    void tileByColumns(int kc, float[] a, int ao, int acs, float[] b, int bo, int ldb, float[] out) {
        FloatVector c00 = FloatVector.zero(S), c01 = FloatVector.zero(S), c02 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S), c11 = FloatVector.zero(S), c12 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S), c21 = FloatVector.zero(S), c22 = FloatVector.zero(S);
        FloatVector c30 = FloatVector.zero(S), c31 = FloatVector.zero(S), c32 = FloatVector.zero(S);
        FloatVector c40 = FloatVector.zero(S), c41 = FloatVector.zero(S), c42 = FloatVector.zero(S);
        FloatVector c50 = FloatVector.zero(S), c51 = FloatVector.zero(S), c52 = FloatVector.zero(S);
        FloatVector c60 = FloatVector.zero(S), c61 = FloatVector.zero(S), c62 = FloatVector.zero(S);
        FloatVector c70 = FloatVector.zero(S), c71 = FloatVector.zero(S), c72 = FloatVector.zero(S);
        for (int p = 0; p < kc; p++) {
            int bi = bo + p * ldb, ai = ao + p * acs;
            FloatVector b0 = FloatVector.fromArray(S, b, bi);
            FloatVector b1 = FloatVector.fromArray(S, b, bi + 1 * L);
            FloatVector b2 = FloatVector.fromArray(S, b, bi + 2 * L);
            FloatVector x;
            x = FloatVector.broadcast(S, a[ai]); c00 = b0.fma(x, c00); c01 = b1.fma(x, c01); c02 = b2.fma(x, c02);
            x = FloatVector.broadcast(S, a[ai + 1]); c10 = b0.fma(x, c10); c11 = b1.fma(x, c11); c12 = b2.fma(x, c12);
            x = FloatVector.broadcast(S, a[ai + 2]); c20 = b0.fma(x, c20); c21 = b1.fma(x, c21); c22 = b2.fma(x, c22);
            x = FloatVector.broadcast(S, a[ai + 3]); c30 = b0.fma(x, c30); c31 = b1.fma(x, c31); c32 = b2.fma(x, c32);
            x = FloatVector.broadcast(S, a[ai + 4]); c40 = b0.fma(x, c40); c41 = b1.fma(x, c41); c42 = b2.fma(x, c42);
            x = FloatVector.broadcast(S, a[ai + 5]); c50 = b0.fma(x, c50); c51 = b1.fma(x, c51); c52 = b2.fma(x, c52);
            x = FloatVector.broadcast(S, a[ai + 6]); c60 = b0.fma(x, c60); c61 = b1.fma(x, c61); c62 = b2.fma(x, c62);
            x = FloatVector.broadcast(S, a[ai + 7]); c70 = b0.fma(x, c70); c71 = b1.fma(x, c71); c72 = b2.fma(x, c72);
        }
        c00.intoArray(out, 0 * NR + 0 * L); c01.intoArray(out, 0 * NR + 1 * L); c02.intoArray(out, 0 * NR + 2 * L);
        c10.intoArray(out, 1 * NR + 0 * L); c11.intoArray(out, 1 * NR + 1 * L); c12.intoArray(out, 1 * NR + 2 * L);
        c20.intoArray(out, 2 * NR + 0 * L); c21.intoArray(out, 2 * NR + 1 * L); c22.intoArray(out, 2 * NR + 2 * L);
        c30.intoArray(out, 3 * NR + 0 * L); c31.intoArray(out, 3 * NR + 1 * L); c32.intoArray(out, 3 * NR + 2 * L);
        c40.intoArray(out, 4 * NR + 0 * L); c41.intoArray(out, 4 * NR + 1 * L); c42.intoArray(out, 4 * NR + 2 * L);
        c50.intoArray(out, 5 * NR + 0 * L); c51.intoArray(out, 5 * NR + 1 * L); c52.intoArray(out, 5 * NR + 2 * L);
        c60.intoArray(out, 6 * NR + 0 * L); c61.intoArray(out, 6 * NR + 1 * L); c62.intoArray(out, 6 * NR + 2 * L);
        c70.intoArray(out, 7 * NR + 0 * L); c71.intoArray(out, 7 * NR + 1 * L); c72.intoArray(out, 7 * NR + 2 * L);
    }

    @Override
    void tileByRows(int kc, float[] a, int ao, int ars, float[] b, int bo, int ldb, float[] out) {
        FloatVector c00 = FloatVector.zero(S), c01 = FloatVector.zero(S), c02 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S), c11 = FloatVector.zero(S), c12 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S), c21 = FloatVector.zero(S), c22 = FloatVector.zero(S);
        FloatVector c30 = FloatVector.zero(S), c31 = FloatVector.zero(S), c32 = FloatVector.zero(S);
        FloatVector c40 = FloatVector.zero(S), c41 = FloatVector.zero(S), c42 = FloatVector.zero(S);
        FloatVector c50 = FloatVector.zero(S), c51 = FloatVector.zero(S), c52 = FloatVector.zero(S);
        FloatVector c60 = FloatVector.zero(S), c61 = FloatVector.zero(S), c62 = FloatVector.zero(S);
        FloatVector c70 = FloatVector.zero(S), c71 = FloatVector.zero(S), c72 = FloatVector.zero(S);
        int r1 = ao + ars, r2 = r1 + ars, r3 = r2 + ars, r4 = r3 + ars, r5 = r4 + ars, r6 = r5 + ars, r7 = r6 + ars;
        for (int p = 0; p < kc; p++) {
            int bi = bo + p * ldb;
            FloatVector b0 = FloatVector.fromArray(S, b, bi);
            FloatVector b1 = FloatVector.fromArray(S, b, bi + 1 * L);
            FloatVector b2 = FloatVector.fromArray(S, b, bi + 2 * L);
            FloatVector x;
            x = FloatVector.broadcast(S, a[ao + p]); c00 = b0.fma(x, c00); c01 = b1.fma(x, c01); c02 = b2.fma(x, c02);
            x = FloatVector.broadcast(S, a[r1 + p]); c10 = b0.fma(x, c10); c11 = b1.fma(x, c11); c12 = b2.fma(x, c12);
            x = FloatVector.broadcast(S, a[r2 + p]); c20 = b0.fma(x, c20); c21 = b1.fma(x, c21); c22 = b2.fma(x, c22);
            x = FloatVector.broadcast(S, a[r3 + p]); c30 = b0.fma(x, c30); c31 = b1.fma(x, c31); c32 = b2.fma(x, c32);
            x = FloatVector.broadcast(S, a[r4 + p]); c40 = b0.fma(x, c40); c41 = b1.fma(x, c41); c42 = b2.fma(x, c42);
            x = FloatVector.broadcast(S, a[r5 + p]); c50 = b0.fma(x, c50); c51 = b1.fma(x, c51); c52 = b2.fma(x, c52);
            x = FloatVector.broadcast(S, a[r6 + p]); c60 = b0.fma(x, c60); c61 = b1.fma(x, c61); c62 = b2.fma(x, c62);
            x = FloatVector.broadcast(S, a[r7 + p]); c70 = b0.fma(x, c70); c71 = b1.fma(x, c71); c72 = b2.fma(x, c72);
        }
        c00.intoArray(out, 0 * NR + 0 * L); c01.intoArray(out, 0 * NR + 1 * L); c02.intoArray(out, 0 * NR + 2 * L);
        c10.intoArray(out, 1 * NR + 0 * L); c11.intoArray(out, 1 * NR + 1 * L); c12.intoArray(out, 1 * NR + 2 * L);
        c20.intoArray(out, 2 * NR + 0 * L); c21.intoArray(out, 2 * NR + 1 * L); c22.intoArray(out, 2 * NR + 2 * L);
        c30.intoArray(out, 3 * NR + 0 * L); c31.intoArray(out, 3 * NR + 1 * L); c32.intoArray(out, 3 * NR + 2 * L);
        c40.intoArray(out, 4 * NR + 0 * L); c41.intoArray(out, 4 * NR + 1 * L); c42.intoArray(out, 4 * NR + 2 * L);
        c50.intoArray(out, 5 * NR + 0 * L); c51.intoArray(out, 5 * NR + 1 * L); c52.intoArray(out, 5 * NR + 2 * L);
        c60.intoArray(out, 6 * NR + 0 * L); c61.intoArray(out, 6 * NR + 1 * L); c62.intoArray(out, 6 * NR + 2 * L);
        c70.intoArray(out, 7 * NR + 0 * L); c71.intoArray(out, 7 * NR + 1 * L); c72.intoArray(out, 7 * NR + 2 * L);
    }

    // One vector wide: a ragged last column sliver of an unpacked product (CpuGemm.Problem.runDirect).
    @Override
    void edgeByColumns(int kc, float[] a, int ao, int acs, float[] b, int bo, int ldb, float[] out) {
        FloatVector c0 = FloatVector.zero(S), c1 = FloatVector.zero(S), c2 = FloatVector.zero(S), c3 = FloatVector.zero(S);
        FloatVector c4 = FloatVector.zero(S), c5 = FloatVector.zero(S), c6 = FloatVector.zero(S), c7 = FloatVector.zero(S);
        for (int p = 0; p < kc; p++) {
            int ai = ao + p * acs;
            FloatVector b0 = FloatVector.fromArray(S, b, bo + p * ldb);
            c0 = b0.fma(FloatVector.broadcast(S, a[ai]), c0);
            c1 = b0.fma(FloatVector.broadcast(S, a[ai + 1]), c1);
            c2 = b0.fma(FloatVector.broadcast(S, a[ai + 2]), c2);
            c3 = b0.fma(FloatVector.broadcast(S, a[ai + 3]), c3);
            c4 = b0.fma(FloatVector.broadcast(S, a[ai + 4]), c4);
            c5 = b0.fma(FloatVector.broadcast(S, a[ai + 5]), c5);
            c6 = b0.fma(FloatVector.broadcast(S, a[ai + 6]), c6);
            c7 = b0.fma(FloatVector.broadcast(S, a[ai + 7]), c7);
        }
        c0.intoArray(out, 0 * L); c1.intoArray(out, 1 * L); c2.intoArray(out, 2 * L); c3.intoArray(out, 3 * L);
        c4.intoArray(out, 4 * L); c5.intoArray(out, 5 * L); c6.intoArray(out, 6 * L); c7.intoArray(out, 7 * L);
    }

    @Override
    void edgeByRows(int kc, float[] a, int ao, int ars, float[] b, int bo, int ldb, float[] out) {
        FloatVector c0 = FloatVector.zero(S), c1 = FloatVector.zero(S), c2 = FloatVector.zero(S), c3 = FloatVector.zero(S);
        FloatVector c4 = FloatVector.zero(S), c5 = FloatVector.zero(S), c6 = FloatVector.zero(S), c7 = FloatVector.zero(S);
        int r1 = ao + ars, r2 = r1 + ars, r3 = r2 + ars, r4 = r3 + ars, r5 = r4 + ars, r6 = r5 + ars, r7 = r6 + ars;
        for (int p = 0; p < kc; p++) {
            FloatVector b0 = FloatVector.fromArray(S, b, bo + p * ldb);
            c0 = b0.fma(FloatVector.broadcast(S, a[ao + p]), c0);
            c1 = b0.fma(FloatVector.broadcast(S, a[r1 + p]), c1);
            c2 = b0.fma(FloatVector.broadcast(S, a[r2 + p]), c2);
            c3 = b0.fma(FloatVector.broadcast(S, a[r3 + p]), c3);
            c4 = b0.fma(FloatVector.broadcast(S, a[r4 + p]), c4);
            c5 = b0.fma(FloatVector.broadcast(S, a[r5 + p]), c5);
            c6 = b0.fma(FloatVector.broadcast(S, a[r6 + p]), c6);
            c7 = b0.fma(FloatVector.broadcast(S, a[r7 + p]), c7);
        }
        c0.intoArray(out, 0 * L); c1.intoArray(out, 1 * L); c2.intoArray(out, 2 * L); c3.intoArray(out, 3 * L);
        c4.intoArray(out, 4 * L); c5.intoArray(out, 5 * L); c6.intoArray(out, 6 * L); c7.intoArray(out, 7 * L);
    }
}
