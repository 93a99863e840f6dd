package dev.clayers.backend.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * What the Vector-API macro-kernels share: the loops around the micro-tile and the choice of
 * unpacked tile by A's strides. Each subclass is one register tile ({@link VectorGemmKernel}
 * 6 x 2 vectors for AVX2, {@link VectorGemmKernel8x3} 8 x 3 for AVX-512) and writes its five
 * tile loops out by hand (packed, unpacked by A's columns or rows, and the one-vector edge tiles of
 * the last two), with MR and NR constant inside them, so C2 keeps the accumulators in registers
 * and proves the loads in bounds. They differ only in how A is addressed and how wide they are,
 * but a shared loop with variable strides or widths cost the packed path a few per cent
 * (measurements: docs/performance.md, "Tuning notes"). A JVM uses one kernel (tests use both), so the tile
 * call below sees one receiver and is inlined.
 */
abstract class VectorTileKernel implements GemmKernel {
    static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    static final int L = S.length();

    private final int mr, nr;

    VectorTileKernel(int mr, int nr) {
        this.mr = mr;
        this.nr = nr;
    }

    @Override public final int mr() { return mr; }
    @Override public final int nr() { return nr; }

    /** A packed tile: {@code out[r * nr + j] = sum_p ap[ao + p * mr + r] * bp[bo + p * nr + j]}. */
    abstract void tile(int kc, float[] ap, int ao, float[] bp, int bo, float[] out);

    /** An unpacked tile with A(r, p) at {@code a[ao + p * acs + r]} and B rows {@code ldb} apart. */
    abstract void tileByColumns(int kc, float[] a, int ao, int acs, float[] b, int bo, int ldb, float[] out);

    /** An unpacked tile with A(r, p) at {@code a[ao + r * ars + p]} and B rows {@code ldb} apart. */
    abstract void tileByRows(int kc, float[] a, int ao, int ars, float[] b, int bo, int ldb, float[] out);

    @Override
    public final void multiply(int mc, int nc, int kc, float[] ap, float[] bp, boolean accumulate, float[] c, int cOff, int ldc) {
        // The tile lands in scratch and is added to C afterwards (addTile): any C access inside tile()
        // (even a branch on accumulate around the final stores) halved its speed under C2 on
        // JDK 17, while the copy costs MR*NR adds per 2*MR*NR*KC flops.
        // A last sliver no wider than a vector (50 columns: 48 + 2) takes the one-vector edge tile
        // over the packed sliver's first vector, not a whole tile of mostly zero padding
        // (measurements: docs/performance.md, "Tuning notes").
        float[] out = new float[mr * nr];
        for (int jr = 0; jr < nc; jr += nr) {
            int bBase = (jr / nr) * kc * nr;
            int nw = Math.min(nr, nc - jr);
            boolean edge = nw <= L;
            int ldo = edge ? L : nr;
            for (int ir = 0; ir < mc; ir += mr) {
                int aBase = (ir / mr) * kc * mr;
                int mh = Math.min(mr, mc - ir);
                if (edge) edgeByColumns(kc, ap, aBase, mr, bp, bBase, nr, out);
                else tile(kc, ap, aBase, bp, bBase, out);
                addTile(out, 0, ldo, mh, nw, c, cOff + ir * ldc + jr, ldc, 1f, accumulate ? 1f : 0f, !accumulate);
            }
        }
    }

    /**
     * As the interface's loops, a vector at a time, each element by the same operations (a
     * multiply by alpha, then an add), so the same bits. C2 on JDK 17 leaves those loops scalar:
     * C and out are read at offsets it cannot compare, so it cannot rule out that they overlap.
     * The vector loops matter most where k is small, as in a training step's X^T dH at H=100
     * (measurements: docs/performance.md, "Tuning notes").
     */
    @Override
    public final void addTile(float[] out, int outOff, int ldo, int mh, int nw, float[] c, int cOff, int ldc, float alpha, float beta,
                              boolean first) {
        boolean add = !first || beta == 1f, set = !add && beta == 0f;
        int full = S.loopBound(nw);
        for (int i = 0; i < mh; i++) {
            int co = cOff + i * ldc, r = outOff + i * ldo;
            // One loop per case: a vector chosen by a branch inside the loop is boxed by C2.
            if (add) {
                for (int j = 0; j < full; j += L) {
                    FloatVector.fromArray(S, out, r + j).mul(alpha).add(FloatVector.fromArray(S, c, co + j)).intoArray(c, co + j);
                }
            } else if (set) {
                for (int j = 0; j < full; j += L) FloatVector.fromArray(S, out, r + j).mul(alpha).intoArray(c, co + j);
            } else {
                for (int j = 0; j < full; j += L) {
                    FloatVector.fromArray(S, out, r + j).mul(alpha).add(FloatVector.fromArray(S, c, co + j).mul(beta)).intoArray(c, co + j);
                }
            }
        }
        // Columns past the last whole vector: the interface's loops.
        if (full < nw) GemmKernel.super.addTile(out, outOff + full, ldo, mh, nw - full, c, cOff + full, ldc, alpha, beta, first);
    }

    /** {@link #tileByColumns} one vector wide: {@code out[r * L + j]}. */
    abstract void edgeByColumns(int kc, float[] a, int ao, int acs, float[] b, int bo, int ldb, float[] out);

    /** {@link #tileByRows} one vector wide: {@code out[r * L + j]}. */
    abstract void edgeByRows(int kc, float[] a, int ao, int ars, float[] b, int bo, int ldb, float[] out);

    @Override public final boolean direct() { return true; }

    @Override public final int edgeNr() { return L; }

    @Override
    public final void directTile(boolean edge, int kc, float[] a, int ao, int ars, int acs, float[] b, int bo, int ldb, float[] out) {
        if (ars == 1) {
            if (edge) edgeByColumns(kc, a, ao, acs, b, bo, ldb, out);
            else tileByColumns(kc, a, ao, acs, b, bo, ldb, out);
        } else if (acs == 1) {
            if (edge) edgeByRows(kc, a, ao, ars, b, bo, ldb, out);
            else tileByRows(kc, a, ao, ars, b, bo, ldb, out);
        } else {
            throw new IllegalArgumentException("A strides " + ars + ", " + acs + ": one must be 1");
        }
    }
}
