package dev.clayers.backend.cpu;

/**
 * Plain-Java macro-kernel, used when {@code jdk.incubator.vector} is absent.
 *
 * <p>Java cannot name a SIMD register, so there is no register tile here: for each row of the
 * packed A block and each p, a row of C gets {@code += a(i,p) * bp(p, :)} over a 256-wide
 * sliver of B. That unit-stride loop with a variable bound is what C2's superword pass turns
 * into vector multiply-adds; it costs a load and a store of C per multiply-add, but the C row
 * (1 KiB) and the B sliver stay in L1/L2 thanks to the packing, and ragged edges cost nothing.
 */
final class ScalarGemmKernel implements GemmKernel {
    static final int MR = 1;
    static final int NR = Integer.getInteger("clayers.gemm.scalarNr", 256);

    @Override public int mr() { return MR; }
    @Override public int nr() { return NR; }
    @Override public String name() { return "scalar"; }
    /** Its loops stop at nc, so a 10-column B (h·W2) does not pay for filling 246 zeros per row. */
    @Override public boolean readsPadding() { return false; }

    @Override
    public void multiply(int mc, int nc, int kc, float[] ap, float[] bp, boolean accumulate, float[] c, int cOff, int ldc) {
        for (int jr = 0; jr < nc; jr += NR) {
            int bBase = (jr / NR) * kc * NR;
            int nw = Math.min(NR, nc - jr);
            for (int i = 0; i < mc; i++) {
                int co = cOff + i * ldc + jr;
                if (!accumulate) java.util.Arrays.fill(c, co, co + nw, 0f);
                int ao = i * kc;   // MR == 1: row i of the block is kc contiguous floats
                for (int p = 0; p < kc; p++) {
                    float s = ap[ao + p];
                    int bo = bBase + p * NR;
                    for (int j = 0; j < nw; j++) c[co + j] += s * bp[bo + j];
                }
            }
        }
    }
}
