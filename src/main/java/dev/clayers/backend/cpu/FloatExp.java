package dev.clayers.backend.cpu;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.util.Arrays;

/**
 * exp in float for the Java backend's sigmoid and softmax, written so that JDK 17's C2 vectorises
 * most of it on its own, in plain Java: no Vector API, so no warm-up gate and no dependence on
 * which other vector shapes the process uses (see VectorElementKernels for why the Vector API's
 * exp was not used).
 *
 * <p>The function is Cephes' expf: {@code x = k ln2 + r} with k the nearest integer to
 * {@code x / ln2} (found by adding 1.5 * 2^23, so no float-to-int conversion), ln2 in two parts
 * so r is exact, a degree-6 polynomial for {@code e^r} on |r| <= ln2 / 2, then a scaling by
 * {@code 2^k}. Arguments are clamped to [-104, 88.8]: below, exp rounds to 0; above, it
 * overflows to infinity, as the clamped value does. NaN gives NaN. Within 1 ulp of Math.exp
 * rounded to float: ElementKernelsTest checks every 97th float from -110 to 90, 23 million
 * arguments.
 *
 * <p>2^k is one factor, a normal float, built from k's bits. The results it cannot reach, those
 * of k <= -127 (under 2^-126.5: subnormal or 0) and of k = 128 (2^127.5 or more), are rare: a
 * block that has any is put right afterwards, in integers ({@link #fixUp}), so that results down
 * in the subnormal range are rounded once, correctly, and float arithmetic makes a subnormal only
 * for k = -126 (results in [2^-126.5, 2^-126)), where one multiply rounds it. On this machine's
 * AVX-512 one subnormal lane made a whole vector instruction slow. {@link #exp(Scratch, int, int)}
 * gives {@code exp * 2^bias}, so that sigmoid works on exps that stay normal (see
 * ElementKernels.SIGMOID_BIAS).
 *
 * <p>Every step is an IEEE operation (fma, add, multiply, min, max, bit moves), so the result is
 * the same bits in the interpreter, C1 and C2, vectorised or not, and on any split of the work.
 *
 * <p>Why three loops over a block rather than one: C2 (JDK 17) unrolls, and so vectorises, only
 * loop bodies under about 60 nodes ({@code LoopUnrollLimit}), and never one that moves bits
 * between float and int, so one loop doing everything stays scalar. Here the polynomial runs
 * vectorised on a block, the float bits travel to an int array and back through a ByteBuffer's
 * views (bulk copies), and the integer scaling runs vectorised too.
 *
 * <p>Measurements, against two factors for 2^k and against Math.exp and Math.tanh in double:
 * docs/performance.md, "Tuning notes".
 */
final class FloatExp {
    /** Elements per block: the scratch arrays stay in L1 (7 arrays of 4 KiB and a buffer). */
    static final int BLOCK = 1024;

    static final float ROUND = 12582912f;          // 1.5 * 2^23: x + ROUND rounds x to an integer
    static final int ROUND_BITS = 0x4B400000;      // its bits; ROUND + k has bits ROUND_BITS + k
    static final float LOG2E = 1.44269504f;
    static final float LN2_HI = 0.693359375f;      // ln 2 = LN2_HI - LN2_LO; k * LN2_HI is exact
    static final float LN2_LO = 2.12194440e-4f;
    private static final float LN2 = 0.693147181f;
    static final float MIN_ARG = -104f;            // exp(-104) < MIN_VALUE / 2: rounds to 0
    static final float MAX_ARG = 88.8f;            // exp(88.8) > MAX_VALUE: overflows
    /** Cephes' coefficients of {@code (e^r - 1 - r) / r^2}, highest degree first. */
    static final float P0 = 1.9875691500e-4f, P1 = 1.3981999507e-3f, P2 = 8.3334519073e-3f, P3 = 4.1665795894e-2f,
            P4 = 1.6666665459e-1f, P5 = 5.0000001201e-1f;
    private static final int ENCODING_BITS = 0x4B000000;   // the bits of 2^23: 2^23 + n has bits ENCODING_BITS + n for an integer n < 2^23

    /**
     * Per-thread blocks, held for the length of a kernel call: the caller's arguments go in
     * {@link #u}, which {@link #exp} overwrites with their exps; {@link #x} is the caller's to keep
     * inputs in; the rest are exp's while it runs, and free again once it has returned.
     */
    static final class Scratch {
        final float[] x = new float[BLOCK];
        final float[] u = new float[BLOCK];
        final float[] p = new float[BLOCK];
        final float[] t = new float[BLOCK];
        private final int[] bits = new int[BLOCK];
        private final int[] kept = new int[BLOCK];
        private final int[] fix = new int[BLOCK];
        private final ByteBuffer raw = ByteBuffer.allocate(4 * BLOCK).order(ByteOrder.nativeOrder());
        private final FloatBuffer floats = raw.asFloatBuffer();
        private final IntBuffer ints = raw.asIntBuffer();

        /** {@code is[0, m) = the bits of fs[0, m)}. */
        void floatBits(float[] fs, int[] is, int m) {
            floats.put(0, fs, 0, m);
            ints.get(0, is, 0, m);
        }

        /** {@code fs[0, m) = the floats with bits is[0, m)}. */
        void bitsFloat(int[] is, float[] fs, int m) {
            ints.put(0, is, 0, m);
            floats.get(0, fs, 0, m);
        }
    }

    private static final int[] NO_FIX = new int[BLOCK];

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    private FloatExp() {}

    static Scratch scratch() {
        return SCRATCH.get();
    }

    /** {@code s.u[j] = exp(s.u[j])} for {@code j < m <= BLOCK}. */
    static void exp(Scratch s, int m) {
        exp(s, m, 0);
    }

    /**
     * {@code s.u[j] = exp(s.u[j]) * 2^bias}, rounded once, for {@code j < m <= BLOCK} and
     * {@code -64 <= bias <= 64}: the scale moves the range of arguments whose results are normal
     * floats, [-87.3, 88.7] for exp alone, by {@code -bias ln 2}. So do the clamps: the results are
     * those of exp's clamped arguments, scaled.
     */
    static void exp(Scratch s, int m, int bias) {
        if (bias < -64 || bias > 64) throw badBias(bias);
        float shift = bias * LN2;
        reduce(s.u, s.p, s.t, m, MIN_ARG - shift, MAX_ARG - shift);
        s.floatBits(s.t, s.bits, m);
        boolean fix = factors(s.bits, s.fix, m, bias);
        s.bitsFloat(s.bits, s.t, m);
        scale(s.u, s.p, s.t, m);
        if (fix) fixUp(s, m);
    }

    private static IllegalArgumentException badBias(int bias) {
        return new IllegalArgumentException("bias " + bias + " is outside [-64, 64]");
    }

    /** {@code us = ps * factors}. */
    private static void scale(float[] us, float[] ps, float[] factors, int m) {
        for (int j = 0; j < m; j++) us[j] = ps[j] * factors[j];
    }

    /**
     * {@code s.u[j]} = its exact result at the positions {@link #factors} marked: a tail value
     * {@code q = result * 2^149}, in [0, 2^23), is rounded to an integer n by adding 2^23 (to
     * nearest even, as the subnormal result is rounded), and n is the result's bits; a large
     * value, result / 2, is doubled (or overflows to infinity). {@code q + max(q, 2^23)} does
     * both; the choice and the subtraction of 2^23's bits are integer operations.
     */
    private static void fixUp(Scratch s, int m) {
        for (int j = 0; j < m; j++) s.p[j] = s.u[j] + Math.max(s.u[j], 0x1p23f);
        s.floatBits(s.p, s.bits, m);
        s.floatBits(s.u, s.kept, m);
        for (int j = 0; j < m; j++) {
            int fix = s.fix[j];
            int on = (fix | -fix) >> 31;
            s.kept[j] = (on & (s.bits[j] - (ENCODING_BITS & (fix >> 31)))) | (~on & s.kept[j]);
        }
        s.bitsFloat(s.kept, s.u, m);
    }

    /**
     * {@code t = k + ROUND}, k the nearest integer to {@code u / ln2}, and {@code p = e^r},
     * {@code r = u - k ln2}, for u clamped to [min, max]. Float operations only, so C2 vectorises it.
     */
    private static void reduce(float[] us, float[] ps, float[] ts, int m, float min, float max) {
        for (int j = 0; j < m; j++) {
            float u = Math.min(Math.max(us[j], min), max);
            float t = Math.fma(u, LOG2E, ROUND);
            float k = t - ROUND;
            float r = Math.fma(k, LN2_LO, Math.fma(k, -LN2_HI, u));
            float p = P0;
            p = Math.fma(p, r, P1);
            p = Math.fma(p, r, P2);
            p = Math.fma(p, r, P3);
            p = Math.fma(p, r, P4);
            p = Math.fma(p, r, P5);
            ps[j] = Math.fma(p, r * r, r) + 1f;
            ts[j] = t;
        }
    }

    /**
     * From the bits of {@code t = ROUND + k} (anything for a NaN, whose result is NaN whatever
     * is done here), with {@code K = k + bias} in [-150, 128]: into bits, those of the factor
     * exp multiplies by, {@code 2^K}, but {@code 2^(K + 149)} for a tail result ({@code K <= -127})
     * and 2^127 for K = 128, all normal floats; into fix, -1 for a tail result, 1 for K = 128 and
     * 0 otherwise.
     *
     * @return whether any result needs {@link #fixUp}
     */
    private static boolean factors(int[] bits, int[] fix, int m, int bias) {
        for (int j = 0; j < m; j++) {
            int k = bits[j] - ROUND_BITS + bias;
            int tail = (k + 126) >> 31 & ~((k + 150) >> 31);   // k in [-150, -127]; not a NaN's bits
            int top = (127 - k) >> 31;                          // k >= 128
            bits[j] = (k + 127 + top + (149 & tail)) << 23;
            fix[j] = tail | (top & 1);
        }
        return Arrays.mismatch(fix, 0, m, NO_FIX, 0, m) >= 0;   // an intrinsic, vectorised: C2 left a loop OR-ing fix scalar
    }
}
