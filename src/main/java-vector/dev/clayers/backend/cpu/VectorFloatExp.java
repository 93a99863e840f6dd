package dev.clayers.backend.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link FloatExp}'s function on Vector-API vectors, for the loops that want exp in registers
 * (softmax over rows of ten): the same clamps, reduction, polynomial and fma's, lane by lane, so
 * every result it gives is FloatExp's bit for bit, in every JIT tier (IEEE operations only, no
 * {@code VectorOperators.EXP}, whose results depend on the tier: see VectorElementKernels).
 * Within 1 ulp of Math.exp rounded to float, as FloatExp (ElementKernelsTest checks both).
 *
 * <p>It builds 2^k as one normal factor and does not make FloatExp's integer corrections, so it
 * covers the arguments whose k lies in [-126, 127] (results from about 2^-126.5 to 2^127.5, that
 * is arguments in about [-87.7, 88.4]). {@link #outside} marks the others (far tails, infinities,
 * NaN); a caller that sees any does that work again with FloatExp.
 */
final class VectorFloatExp {
    static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    /** The int lanes of S's shape, which {@link #outside} gives. */
    static final VectorSpecies<Integer> I = IntVector.SPECIES_PREFERRED;

    private VectorFloatExp() {}

    /**
     * {@code ROUND + k}, k the nearest integer to {@code x / ln2}. x is not clamped, as FloatExp
     * clamps it: an x that the clamp would change has k outside [-126, 127], or a t whose bits
     * are not {@code ROUND_BITS + k} at all (|x| in the millions, infinities, NaN), and those bits
     * lie outside too, so {@link #outside} marks them either way. The two min/max, a blend
     * sequence each in C2, are saved.
     */
    static FloatVector roundedK(FloatVector x) {
        return x.fma(c(FloatExp.LOG2E), c(FloatExp.ROUND));
    }

    /**
     * {@code exp(x)} from x and its {@link #roundedK}: right in the lanes that {@link #outside}
     * leaves unmarked.
     */
    static FloatVector exp(FloatVector x, FloatVector t) {
        FloatVector k = t.sub(FloatExp.ROUND);
        FloatVector r = k.fma(c(FloatExp.LN2_LO), k.fma(c(-FloatExp.LN2_HI), x));
        FloatVector p = r.fma(FloatExp.P0, FloatExp.P1);   // fma(P0, r, P1), operands commuted: the same rounding
        p = p.fma(r, c(FloatExp.P2));
        p = p.fma(r, c(FloatExp.P3));
        p = p.fma(r, c(FloatExp.P4));
        p = p.fma(r, c(FloatExp.P5));
        FloatVector e = p.fma(r.mul(r), r).add(1f);
        IntVector bits = kOf(t).add(127).lanewise(VectorOperators.LSHL, 23);
        return e.mul(bits.reinterpretAsFloats());
    }

    private static FloatVector c(float v) {
        return FloatVector.broadcast(S, v);
    }

    private static IntVector kOf(FloatVector t) {
        return t.reinterpretAsInts().sub(FloatExp.ROUND_BITS);
    }

    /**
     * A lane's sign bit is set where k lies outside [-126, 127] (a NaN's bits give a k far outside,
     * so NaN is marked too). OR these over many vectors and test the sign once.
     */
    static IntVector outside(FloatVector t) {
        IntVector k = kOf(t);
        return k.add(126).or(k.neg().add(127));
    }

    /** Whether any lane of an OR of {@link #outside} results is marked. */
    static boolean anyOutside(IntVector marks) {
        return marks.compare(VectorOperators.LT, 0).anyTrue();
    }

    /**
     * {@code out[0, n) = exp(x[0, n))}, FloatExp's bits: whole vectors here, a vector with a
     * marked lane and the tail through FloatExp. For tests; the kernels inline the vector steps.
     */
    static void exp(float[] x, float[] out, int n) {
        int l = S.length(), i = 0;
        FloatExp.Scratch s = FloatExp.scratch();
        for (; i + l <= n; i += l) {
            FloatVector v = FloatVector.fromArray(S, x, i);
            FloatVector t = roundedK(v);
            if (anyOutside(outside(t))) {
                scalar(s, x, out, i, l);
            } else {
                exp(v, t).intoArray(out, i);
            }
        }
        if (i < n) scalar(s, x, out, i, n - i);
    }

    private static void scalar(FloatExp.Scratch s, float[] x, float[] out, int from, int m) {
        System.arraycopy(x, from, s.u, 0, m);
        FloatExp.exp(s, m);
        System.arraycopy(s.u, 0, out, from, m);
    }
}
