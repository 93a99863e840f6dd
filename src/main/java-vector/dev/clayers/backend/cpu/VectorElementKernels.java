package dev.clayers.backend.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Vector-API versions of {@link ElementKernels}' loops, loaded by name like
 * {@link VectorGemmKernel}. The tails shorter than a vector use the scalar loops, so results
 * are the same bit for bit (a compare and a blend, an add: no reassociation).
 */
final class VectorElementKernels extends ElementKernels {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();

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
    void addBiasRelu(float[] xs, float[] bs, float[] os, float[] ms, int rows, int cols) {
        FloatVector zero = FloatVector.zero(S), one = FloatVector.broadcast(S, 1f);
        int full = cols - cols % L;
        for (int i = 0, base = 0; i < rows; i++, base += cols) {
            for (int j = 0; j < full; j += L) {
                FloatVector z = FloatVector.fromArray(S, xs, base + j).add(FloatVector.fromArray(S, bs, j));
                VectorMask<Float> on = z.compare(VectorOperators.GT, 0f);
                zero.blend(z, on).intoArray(os, base + j);
                zero.blend(one, on).intoArray(ms, base + j);
            }
        }
        if (full < cols) addBiasRelu(xs, bs, os, ms, rows, cols, full);
    }

    @Override
    void addBias(float[] xs, float[] bs, float[] os, int rows, int cols) {
        int full = cols - cols % L;
        for (int i = 0, base = 0; i < rows; i++, base += cols) {
            int j = 0;
            for (; j < full; j += L) {
                FloatVector.fromArray(S, xs, base + j).add(FloatVector.fromArray(S, bs, j)).intoArray(os, base + j);
            }
            for (; j < cols; j++) os[base + j] = xs[base + j] + bs[j];
        }
    }
}
