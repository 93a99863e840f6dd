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
 * but a shared loop with variable strides or widths cost the packed path a few per cent (bench
 * gemm at 1024: 311/268/258 GFLOP/s with the packed tile replaced by the by-columns one, against
 * 321/275/284, three alternating rounds). A JVM uses one kernel (tests use both), so the tile
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
        // The tile lands in scratch and is added to C by a plain loop: any C access inside tile()
        // (even a branch on accumulate around the final stores) halved its speed under C2 on
        // JDK 17, while the copy costs MR*NR adds per 2*MR*NR*KC flops.
        float[] out = new float[mr * nr];
        for (int jr = 0; jr < nc; jr += nr) {
            int bBase = (jr / nr) * kc * nr;
            int nw = Math.min(nr, nc - jr);
            for (int ir = 0; ir < mc; ir += mr) {
                int aBase = (ir / mr) * kc * mr;
                int mh = Math.min(mr, mc - ir);
                tile(kc, ap, aBase, bp, bBase, out);
                for (int i = 0; i < mh; i++) {
                    int co = cOff + (ir + i) * ldc + jr, r = i * nr;
                    if (accumulate) {
                        for (int j = 0; j < nw; j++) c[co + j] += out[r + j];
                    } else {
                        System.arraycopy(out, r, c, co, nw);
                    }
                }
            }
        }
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
