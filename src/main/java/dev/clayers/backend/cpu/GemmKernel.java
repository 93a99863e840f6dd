package dev.clayers.backend.cpu;

/**
 * The inner two loops of a packed GEMM (BLIS's "macro-kernel"): multiplies one packed MC x KC
 * block of A by one packed KC x NC panel of B and adds the product into a tile of C.
 *
 * <p>Packed layouts (both zero-padded to whole slivers, see {@link CpuGemm}):
 * <ul>
 *   <li>A: slivers of {@link #mr()} rows; element (i, p) of the block is at
 *       {@code (i / mr) * kc * mr + p * mr + i % mr}.</li>
 *   <li>B: slivers of {@link #nr()} columns; element (p, j) of the panel is at
 *       {@code (j / nr) * kc * nr + p * nr + j % nr}.</li>
 * </ul>
 */
interface GemmKernel {
    /** Rows of C one micro-kernel call produces. */
    int mr();

    /** Columns of C one micro-kernel call produces. */
    int nr();

    /** Whether the kernel reads the zero padding of a ragged last B sliver (false: it stops at nc). */
    default boolean readsPadding() { return true; }

    /**
     * Depth of a packed slice of the shared dimension (BLIS's KC): after each slice the tile is
     * added into C. 256 is BLIS's figure for AVX2's 6 x 16 tile (its B sliver fills half of L1).
     */
    default int kc() { return 256; }

    /**
     * Whether the packed path may read a transposed A in place, on the shapes {@code CpuGemm.PackA}
     * names: only where {@link #directTile} by columns runs about as fast as the packed tile.
     */
    default boolean readsTransposedAInPlace() { return false; }

    /** Rows of A per packed block (BLIS's MC; the MC x KC block should stay in L2): BLIS's 168 for AVX2. */
    default int mc() { return 168; }

    /** A short name for tests and benchmarks. */
    String name();

    /**
     * C[i, j] = sum_p ap(i, p) * bp(p, j) (+ C[i, j] when accumulate) for i &lt; mc, j &lt; nc, where
     * C[i, j] is {@code c[cOff + i * ldc + j]}. Without accumulate the old C is not read (NaN there
     * is dropped). A general beta is applied by the caller beforehand: a float beta kept live
     * through the micro-kernel would take one of the 16 AVX2 registers the accumulators need.
     *
     * @param ap packed A block, Not modified
     * @param bp packed B panel, Not modified
     * @param c  Modified in the mc x nc tile only
     */
    void multiply(int mc, int nc, int kc, float[] ap, float[] bp, boolean accumulate, float[] c, int cOff, int ldc);

    /** Whether {@link #directTile} is implemented: the kernel can read A and B where they lie. */
    default boolean direct() { return false; }

    /**
     * Columns of the edge tile of {@link #directTile}, narrower than {@link #nr()}; 0 when the
     * kernel has none. A ragged last column sliver no wider than this costs an edge tile instead
     * of a whole one.
     */
    default int edgeNr() { return 0; }

    /**
     * One whole tile from operands that are not packed, mr x w with w = {@link #nr()}, or
     * {@link #edgeNr()} when {@code edge}: {@code out[r * w + j] = sum_{p < kc} A(r, p) * B(p, j)} with
     * {@code A(r, p) = a[ao + r * ars + p * acs]} and {@code B(p, j) = b[bo + p * ldb + j]}.
     * One of ars, acs is 1 (a row-major A read by rows, or a transposed or packed A read by
     * columns); every index touched must lie inside the arrays, so the caller shifts a ragged
     * edge's tile back inside C, or packs an edge wider than C.
     *
     * @param out mr * w floats, overwritten
     */
    default void directTile(boolean edge, int kc, float[] a, int ao, int ars, int acs, float[] b, int bo, int ldb, float[] out) {
        throw new UnsupportedOperationException(name() + " has no direct tile");
    }

    /**
     * Adds a finished tile into C: for {@code i < mh, j < nw}, with {@code o = out[outOff + i * ldo + j]}
     * and C's element {@code c[cOff + i * ldc + j]}: {@code alpha o} when {@code first} and beta is 0
     * (the old C not read), {@code alpha o + C} when not first or beta is 1, and
     * {@code alpha o + beta C} otherwise. Every version computes each element with these same
     * operations, so results do not depend on the kernel.
     *
     * @param c Modified in the mh x nw tile only
     */
    default void addTile(float[] out, int outOff, int ldo, int mh, int nw, float[] c, int cOff, int ldc, float alpha, float beta,
                         boolean first) {
        for (int i = 0; i < mh; i++) {
            int co = cOff + i * ldc, r = outOff + i * ldo;
            if (!first || beta == 1f) {
                for (int j = 0; j < nw; j++) c[co + j] += alpha * out[r + j];
            } else if (beta == 0f) {
                for (int j = 0; j < nw; j++) c[co + j] = alpha * out[r + j];
            } else {
                for (int j = 0; j < nw; j++) c[co + j] = alpha * out[r + j] + beta * c[co + j];
            }
        }
    }
}
