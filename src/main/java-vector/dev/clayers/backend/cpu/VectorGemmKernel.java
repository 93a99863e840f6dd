package dev.clayers.backend.cpu;

import jdk.incubator.vector.FloatVector;

/**
 * Vector-API macro-kernel. It needs {@code --add-modules jdk.incubator.vector} to compile and to
 * run, so it lives in its own source root (src/main/java-vector, added to the build only with
 * that flag) and only {@link CpuGemm} loads it, by name, when the module is in the boot layer.
 *
 * <p>Micro-tile: MR = 6 rows x NR = 2 vectors of columns (6 x 16 floats with AVX2, 6 x 32 with
 * AVX-512), the BLIS Haswell shape. Its 12 accumulators, 2 B vectors and one broadcast of A fit
 * the 16 AVX2 registers (so nothing else, not even a float beta, may stay live in the loop), so C2 keeps the tile in registers for the whole KC loop; each step loads
 * 2 vectors of B and 6 scalars of A for 12 FMAs.
 */
final class VectorGemmKernel extends VectorTileKernel {
    static final int MR = 6;
    static final int NR = 2 * L;

    /**
     * BLIS's 256 is for a 32 KiB L1 data cache, which a 256-deep sliver of B (16 KiB with AVX2)
     * fills half of; here it is scaled to the cache this CPU reports ({@link CacheSizes#sliceDepth}):
     * 512 deep on a 48 KiB L1, 256 on the AVX2 cores with 32 KiB (measurements: docs/performance.md,
     * "Tuning notes").
     */
    private static final int KC = CacheSizes.sliceDepth(CacheSizes.l1Data(), NR);

    VectorGemmKernel() { super(MR, NR); }

    @Override public int kc() { return KC; }

    @Override public String name() { return "vector" + S.vectorBitSize(); }

    /**
     * {@link #tile} with A(r, p) at {@code a[ao + p * acs + r]} and B rows {@code ldb} apart. Not
     * merged with {@link #tile}: with strides that are not constants C2 keeps a bounds check per
     * load, and the packed path (large products) is where the kernel must run at full speed.
     */
    @Override
    void tileByColumns(int kc, float[] a, int ao, int acs, float[] b, int bo, int ldb, float[] out) {
        FloatVector c00 = FloatVector.zero(S), c01 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S), c11 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S), c21 = FloatVector.zero(S);
        FloatVector c30 = FloatVector.zero(S), c31 = FloatVector.zero(S);
        FloatVector c40 = FloatVector.zero(S), c41 = FloatVector.zero(S);
        FloatVector c50 = FloatVector.zero(S), c51 = FloatVector.zero(S);
        for (int p = 0; p < kc; p++, ao += acs, bo += ldb) {
            FloatVector b0 = FloatVector.fromArray(S, b, bo);
            FloatVector b1 = FloatVector.fromArray(S, b, bo + L);
            FloatVector x;
            x = FloatVector.broadcast(S, a[ao]);     c00 = b0.fma(x, c00); c01 = b1.fma(x, c01);
            x = FloatVector.broadcast(S, a[ao + 1]); c10 = b0.fma(x, c10); c11 = b1.fma(x, c11);
            x = FloatVector.broadcast(S, a[ao + 2]); c20 = b0.fma(x, c20); c21 = b1.fma(x, c21);
            x = FloatVector.broadcast(S, a[ao + 3]); c30 = b0.fma(x, c30); c31 = b1.fma(x, c31);
            x = FloatVector.broadcast(S, a[ao + 4]); c40 = b0.fma(x, c40); c41 = b1.fma(x, c41);
            x = FloatVector.broadcast(S, a[ao + 5]); c50 = b0.fma(x, c50); c51 = b1.fma(x, c51);
        }
        store(out, c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51);
    }

    /** {@link #tile} with A(r, p) at {@code a[ao + r * ars + p]} (six row streams) and B rows {@code ldb} apart. */
    @Override
    void tileByRows(int kc, float[] a, int ao, int ars, float[] b, int bo, int ldb, float[] out) {
        FloatVector c00 = FloatVector.zero(S), c01 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S), c11 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S), c21 = FloatVector.zero(S);
        FloatVector c30 = FloatVector.zero(S), c31 = FloatVector.zero(S);
        FloatVector c40 = FloatVector.zero(S), c41 = FloatVector.zero(S);
        FloatVector c50 = FloatVector.zero(S), c51 = FloatVector.zero(S);
        int r1 = ao + ars, r2 = r1 + ars, r3 = r2 + ars, r4 = r3 + ars, r5 = r4 + ars;
        // B's offset computed from p, not carried as an induction variable: faster here, but slower
        // in tileByColumns, so that loop keeps its induction variables (measurements:
        // docs/performance.md, "Tuning notes").
        for (int p = 0; p < kc; p++) {
            int bi = bo + p * ldb;
            FloatVector b0 = FloatVector.fromArray(S, b, bi);
            FloatVector b1 = FloatVector.fromArray(S, b, bi + L);
            FloatVector x;
            x = FloatVector.broadcast(S, a[ao + p]); c00 = b0.fma(x, c00); c01 = b1.fma(x, c01);
            x = FloatVector.broadcast(S, a[r1 + p]); c10 = b0.fma(x, c10); c11 = b1.fma(x, c11);
            x = FloatVector.broadcast(S, a[r2 + p]); c20 = b0.fma(x, c20); c21 = b1.fma(x, c21);
            x = FloatVector.broadcast(S, a[r3 + p]); c30 = b0.fma(x, c30); c31 = b1.fma(x, c31);
            x = FloatVector.broadcast(S, a[r4 + p]); c40 = b0.fma(x, c40); c41 = b1.fma(x, c41);
            x = FloatVector.broadcast(S, a[r5 + p]); c50 = b0.fma(x, c50); c51 = b1.fma(x, c51);
        }
        store(out, c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51);
    }

    private static void store(float[] out, FloatVector c00, FloatVector c01, FloatVector c10, FloatVector c11,
                              FloatVector c20, FloatVector c21, FloatVector c30, FloatVector c31,
                              FloatVector c40, FloatVector c41, FloatVector c50, FloatVector c51) {
        c00.intoArray(out, 0);          c01.intoArray(out, L);
        c10.intoArray(out, NR);         c11.intoArray(out, NR + L);
        c20.intoArray(out, 2 * NR);     c21.intoArray(out, 2 * NR + L);
        c30.intoArray(out, 3 * NR);     c31.intoArray(out, 3 * NR + L);
        c40.intoArray(out, 4 * NR);     c41.intoArray(out, 4 * NR + L);
        c50.intoArray(out, 5 * NR);     c51.intoArray(out, 5 * NR + L);
    }

    @Override
    void tile(int kc, float[] ap, int ao, float[] bp, int bo, float[] out) {
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
        c00.intoArray(out, 0);          c01.intoArray(out, L);
        c10.intoArray(out, NR);         c11.intoArray(out, NR + L);
        c20.intoArray(out, 2 * NR);     c21.intoArray(out, 2 * NR + L);
        c30.intoArray(out, 3 * NR);     c31.intoArray(out, 3 * NR + L);
        c40.intoArray(out, 4 * NR);     c41.intoArray(out, 4 * NR + L);
        c50.intoArray(out, 5 * NR);     c51.intoArray(out, 5 * NR + L);
    }

    // One vector wide: a ragged last column sliver of an unpacked product (CpuGemm.Problem.runDirect).
    @Override
    void edgeByColumns(int kc, float[] a, int ao, int acs, float[] b, int bo, int ldb, float[] out) {
        FloatVector c0 = FloatVector.zero(S), c1 = FloatVector.zero(S), c2 = FloatVector.zero(S), c3 = FloatVector.zero(S);
        FloatVector c4 = FloatVector.zero(S), c5 = FloatVector.zero(S);
        for (int p = 0; p < kc; p++) {
            int ai = ao + p * acs;
            FloatVector b0 = FloatVector.fromArray(S, b, bo + p * ldb);
            c0 = b0.fma(FloatVector.broadcast(S, a[ai]), c0);
            c1 = b0.fma(FloatVector.broadcast(S, a[ai + 1]), c1);
            c2 = b0.fma(FloatVector.broadcast(S, a[ai + 2]), c2);
            c3 = b0.fma(FloatVector.broadcast(S, a[ai + 3]), c3);
            c4 = b0.fma(FloatVector.broadcast(S, a[ai + 4]), c4);
            c5 = b0.fma(FloatVector.broadcast(S, a[ai + 5]), c5);
        }
        c0.intoArray(out, 0 * L); c1.intoArray(out, 1 * L); c2.intoArray(out, 2 * L); c3.intoArray(out, 3 * L);
        c4.intoArray(out, 4 * L); c5.intoArray(out, 5 * L);
    }

    @Override
    void edgeByRows(int kc, float[] a, int ao, int ars, float[] b, int bo, int ldb, float[] out) {
        FloatVector c0 = FloatVector.zero(S), c1 = FloatVector.zero(S), c2 = FloatVector.zero(S), c3 = FloatVector.zero(S);
        FloatVector c4 = FloatVector.zero(S), c5 = FloatVector.zero(S);
        int r1 = ao + ars, r2 = r1 + ars, r3 = r2 + ars, r4 = r3 + ars, r5 = r4 + ars;
        for (int p = 0; p < kc; p++) {
            FloatVector b0 = FloatVector.fromArray(S, b, bo + p * ldb);
            c0 = b0.fma(FloatVector.broadcast(S, a[ao + p]), c0);
            c1 = b0.fma(FloatVector.broadcast(S, a[r1 + p]), c1);
            c2 = b0.fma(FloatVector.broadcast(S, a[r2 + p]), c2);
            c3 = b0.fma(FloatVector.broadcast(S, a[r3 + p]), c3);
            c4 = b0.fma(FloatVector.broadcast(S, a[r4 + p]), c4);
            c5 = b0.fma(FloatVector.broadcast(S, a[r5 + p]), c5);
        }
        c0.intoArray(out, 0 * L); c1.intoArray(out, 1 * L); c2.intoArray(out, 2 * L); c3.intoArray(out, 3 * L);
        c4.intoArray(out, 4 * L); c5.intoArray(out, 5 * L);
    }
}
