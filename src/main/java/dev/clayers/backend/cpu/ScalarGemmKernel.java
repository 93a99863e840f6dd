package dev.clayers.backend.cpu;

/**
 * Plain-Java macro-kernel, used when {@code jdk.incubator.vector} is absent.
 *
 * <p>Java cannot name a SIMD register, so the MR x NR accumulator tile lives in a small array
 * and the innermost loop runs over its NR columns with unit stride: that loop is what C2's
 * superword pass turns into vector multiply-adds. It costs a load and a store of the
 * accumulator per multiply-add (the Vector-API kernel keeps them in registers), but the tile
 * stays in L1, so it is still several times faster than an unpacked loop.
 */
final class ScalarGemmKernel implements GemmKernel {
    static final int MR = 4;
    static final int NR = 16;

    @Override public int mr() { return MR; }
    @Override public int nr() { return NR; }
    @Override public String name() { return "scalar"; }

    @Override
    public void multiply(int mc, int nc, int kc, float[] ap, float[] bp, float beta, float[] c, int cOff, int ldc) {
        float[] acc = new float[MR * NR];   // 256 bytes per macro-kernel call; escape analysis may drop it
        for (int jr = 0; jr < nc; jr += NR) {
            int bBase = (jr / NR) * kc * NR;
            int nw = Math.min(NR, nc - jr);
            for (int ir = 0; ir < mc; ir += MR) {
                int aBase = (ir / MR) * kc * MR;
                java.util.Arrays.fill(acc, 0f);
                for (int p = 0; p < kc; p++) {
                    int ao = aBase + p * MR;
                    int bo = bBase + p * NR;
                    for (int i = 0; i < MR; i++) {
                        float ai = ap[ao + i];
                        int r = i * NR;
                        for (int j = 0; j < NR; j++) acc[r + j] += ai * bp[bo + j];
                    }
                }
                int mh = Math.min(MR, mc - ir);
                for (int i = 0; i < mh; i++) {
                    int co = cOff + (ir + i) * ldc + jr;
                    int r = i * NR;
                    if (beta == 0f) {
                        for (int j = 0; j < nw; j++) c[co + j] = acc[r + j];
                    } else {
                        for (int j = 0; j < nw; j++) c[co + j] = acc[r + j] + beta * c[co + j];
                    }
                }
            }
        }
    }
}
