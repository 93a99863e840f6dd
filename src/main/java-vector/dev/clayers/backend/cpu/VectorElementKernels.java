package dev.clayers.backend.cpu;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * Vector-API versions of {@link ElementKernels}' loops, loaded by name like
 * {@link VectorGemmKernel}. The tails shorter than a vector use the scalar loops, so results
 * are the same bit for bit (a compare and a blend, an add, a widening: no reassociation).
 *
 * <p>Not here: sigmoid, tanh and softmax on {@code VectorOperators.EXP/LOG/TANH}. They ran
 * 15-35x faster, but their results depend on the JIT tier: C2 calls SVML, the interpreter and
 * C1 fall back to Math.exp per lane, so the first calls of a run differed from later ones by an
 * ulp in about 1% of elements (two identical softmax calls disagreed). Training would then not
 * replay bit for bit. A Vector-API exp built from plain IEEE operations (tried for issue 14) did
 * not have that problem, but C2 compiled it with boxed vector calls whenever the process also
 * used another vector width (as sumColumns here does), and before C2 it ran hundreds of times
 * slower. These ops run on {@link FloatExp} instead, plain Java that C2 vectorises itself;
 * softmax takes its exps from VectorFloatExp, the same function in vectors, which kept its
 * compiled speed in the bench's mixed process (measurements: docs/performance.md).
 */
final class VectorElementKernels extends ElementKernels {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    /** Float lanes that widen to one preferred double vector (8 for AVX-512, 4 for AVX2). */
    private static final VectorSpecies<Double> D = DoubleVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Float> F_OF_D = VectorSpecies.of(float.class, VectorShape.forBitSize(D.vectorBitSize() / 2));
    private static final int LD = D.length();

    @Override String name() { return "vector" + S.vectorBitSize(); }

    @Override
    void reluForward(float[] xs, float[] os, float[] ms, int from, int to) {
        FloatVector zero = FloatVector.zero(S), one = FloatVector.broadcast(S, 1f);
        int i = from;
        for (int end = to - L; i <= end; i += L) {
            FloatVector v = FloatVector.fromArray(S, xs, i);
            VectorMask<Float> on = v.compare(VectorOperators.GT, 0f);   // false for NaN
            zero.blend(v, on).intoArray(os, i);
            zero.blend(one, on).intoArray(ms, i);
        }
        super.reluForward(xs, os, ms, i, to);
    }

    @Override
    void addBiasRelu(float[] xs, float[] bs, float[] os, float[] ms, int cols, int from, int to) {
        FloatVector zero = FloatVector.zero(S), one = FloatVector.broadcast(S, 1f);
        int full = cols - cols % L;
        for (int i = from, base = from * cols; i < to; i++, base += cols) {
            for (int j = 0; j < full; j += L) {
                FloatVector z = FloatVector.fromArray(S, xs, base + j).add(FloatVector.fromArray(S, bs, j));
                VectorMask<Float> on = z.compare(VectorOperators.GT, 0f);
                zero.blend(z, on).intoArray(os, base + j);
                zero.blend(one, on).intoArray(ms, base + j);
            }
        }
        if (full < cols) addBiasRelu(xs, bs, os, ms, cols, from, to, full);
    }

    @Override
    void addBias(float[] xs, float[] bs, float[] os, int cols, int from, int to) {
        int full = cols - cols % L;
        for (int i = from, base = from * cols; i < to; i++, base += cols) {
            int j = 0;
            for (; j < full; j += L) {
                FloatVector.fromArray(S, xs, base + j).add(FloatVector.fromArray(S, bs, j)).intoArray(os, base + j);
            }
            for (; j < cols; j++) os[base + j] = xs[base + j] + bs[j];
        }
    }

    /**
     * exp in vectors (VectorFloatExp: FloatExp's bits, without its passes through memory and
     * integer arrays), then the plain loops' normalize. A block with an exp outside
     * VectorFloatExp's range (a logit beyond about +-87, infinity, NaN) is done again by the plain
     * loops. The block is padded with zeros to whole vectors.
     */
    @Override
    void expNormalize(FloatExp.Scratch s, float[] ps, int first, int rows, int cols, double[] sums) {
        int n = rows * cols, padded = (n + L - 1) / L * L;
        java.util.Arrays.fill(s.x, n, padded, 0f);
        if (expGroups(s.x, s.u, padded) < 0) {
            super.expNormalize(s, ps, first, rows, cols, sums);
            return;
        }
        normalizeBlock(s, ps, first, rows, cols, sums);
    }

    /**
     * {@code e = exp(x)} over {@code [0, n)}, n a multiple of L, as VectorFloatExp computes it.
     * Vectors stay inside this method: one passed across a call C2 did not
     * inline would be boxed.
     *
     * @return negative when some lane is outside VectorFloatExp's range
     */
    private static int expGroups(float[] x, float[] e, int n) {
        IntVector marks = IntVector.zero(VectorFloatExp.I);
        for (int q = 0; q < n; q += L) {
            FloatVector v = FloatVector.fromArray(S, x, q);
            FloatVector t = VectorFloatExp.roundedK(v);
            marks = marks.or(VectorFloatExp.outside(t));
            VectorFloatExp.exp(v, t).intoArray(e, q);
        }
        return marks.reduceLanes(VectorOperators.OR);
    }

    /**
     * {@code scale * p} over the flat range, then the label entries again as
     * {@code scale * (p - 1)}: bit for bit the scalar loop. In chunks of rows whose label entries
     * are read first, since dx may be probs. A label outside the row matches no column, as in the
     * scalar loop.
     */
    @Override
    void softmaxBackward(float[] ps, int[] labels, float scale, float[] os, int cols, int from, int to) {
        final int chunk = 256;
        float[] atLabel = new float[chunk];
        for (int r0 = from; r0 < to; r0 += chunk) {
            int r1 = Math.min(to, r0 + chunk);
            for (int r = r0; r < r1; r++) if (labels[r] >= 0 && labels[r] < cols) atLabel[r - r0] = ps[r * cols + labels[r]];
            int i = r0 * cols, end = r1 * cols;
            for (; i + L <= end; i += L) FloatVector.fromArray(S, ps, i).mul(scale).intoArray(os, i);
            for (; i < end; i++) os[i] = scale * ps[i];
            for (int r = r0; r < r1; r++) if (labels[r] >= 0 && labels[r] < cols) os[r * cols + labels[r]] = scale * (atLabel[r - r0] - 1f);
        }
    }

    /**
     * Rows streamed in order, each widened to double LD lanes at a time and added into the
     * accumulator row, which stays in L1; the same additions in the same order as the scalar
     * loop, so the same bits.
     */
    @Override
    void sumColumns(float[] xs, double[] acc, int cols, int from, int to) {
        int full = cols - cols % LD;
        for (int i = from, base = from * cols; i < to; i++, base += cols) {
            int j = 0;
            for (; j < full; j += LD) {
                DoubleVector x = (DoubleVector) FloatVector.fromArray(F_OF_D, xs, base + j).convertShape(VectorOperators.F2D, D, 0);
                DoubleVector.fromArray(D, acc, j).add(x).intoArray(acc, j);
            }
            for (; j < cols; j++) acc[j] += xs[base + j];
        }
    }
}
