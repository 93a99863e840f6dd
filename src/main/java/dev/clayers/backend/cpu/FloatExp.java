package dev.clayers.backend.cpu;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;

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
 * overflows to infinity, as the clamped value does. 2^k is applied as two factors
 * {@code 2^(k/2)}, so results down in the subnormal range are rounded once, correctly. NaN gives
 * NaN. Within 1 ulp of Math.exp rounded to float: ElementKernelsTest checks every 97th float
 * from -110 to 90, 23 million arguments.
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
 * <p>What it bought, JMH {@code CpuOpsBench} at batch 10000 (10^6 elements in [-1, 1), both cores;
 * see the README for the command), two rounds alternating with the code of 9dbe8af, which took
 * Math.exp and Math.tanh in double: sigmoid forward 0.88-0.96 ms against 7.2-7.3, tanh forward
 * 1.10-1.20 ms against 25.7-26.1, softmax-cross-entropy 10000x10 0.23-0.24 ms against 0.57-0.60.
 */
final class FloatExp {
    /** Elements per block: the scratch arrays stay in L1 (7 arrays of 4 KiB and a buffer). */
    static final int BLOCK = 1024;

    private static final float ROUND = 12582912f;          // 1.5 * 2^23: x + ROUND rounds x to an integer
    private static final int ROUND_BITS = 0x4B400000;      // its bits; ROUND + k has bits ROUND_BITS + k
    private static final float LOG2E = 1.44269504f;
    private static final float LN2_HI = 0.693359375f;      // ln 2 = LN2_HI - LN2_LO; k * LN2_HI is exact
    private static final float LN2_LO = 2.12194440e-4f;
    private static final float MIN_ARG = -104f;            // exp(-104) < MIN_VALUE / 2: rounds to 0
    private static final float MAX_ARG = 88.8f;            // exp(88.8) > MAX_VALUE: overflows

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
        private final float[] low = new float[BLOCK];
        final int[] bits = new int[BLOCK];
        final int[] half = new int[BLOCK];
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

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    private FloatExp() {}

    static Scratch scratch() {
        return SCRATCH.get();
    }

    /** {@code s.u[j] = exp(s.u[j])} for {@code j < m <= BLOCK}. */
    static void exp(Scratch s, int m) {
        reduce(s.u, s.p, s.t, m);
        s.floatBits(s.t, s.bits, m);
        halves(s.bits, s.half, m);
        s.bitsFloat(s.bits, s.t, m);
        s.bitsFloat(s.half, s.low, m);
        scale(s.u, s.p, s.t, s.low, m);
    }

    /**
     * {@code t = k + ROUND}, k the nearest integer to {@code u / ln2}, and {@code p = e^r},
     * {@code r = u - k ln2}, for the clamped u. Float operations only, so C2 vectorises it.
     */
    private static void reduce(float[] us, float[] ps, float[] ts, int m) {
        for (int j = 0; j < m; j++) {
            float u = Math.min(Math.max(us[j], MIN_ARG), MAX_ARG);
            float t = Math.fma(u, LOG2E, ROUND);
            float k = t - ROUND;
            float r = Math.fma(k, LN2_LO, Math.fma(k, -LN2_HI, u));
            float p = 1.9875691500e-4f;
            p = Math.fma(p, r, 1.3981999507e-3f);
            p = Math.fma(p, r, 8.3334519073e-3f);
            p = Math.fma(p, r, 4.1665795894e-2f);
            p = Math.fma(p, r, 1.6666665459e-1f);
            p = Math.fma(p, r, 5.0000001201e-1f);
            ps[j] = Math.fma(p, r * r, r) + 1f;
            ts[j] = t;
        }
    }

    /**
     * From the bits of {@code t = ROUND + k}, {@code k} in [-150, 128]: the bits of
     * {@code 2^(k - k/2)} into bits and of {@code 2^(k/2)} (k/2 rounded down) into half; both
     * exponents lie in [-75, 64], so both are normal floats.
     */
    private static void halves(int[] bits, int[] half, int m) {
        for (int j = 0; j < m; j++) {
            int k = bits[j] - ROUND_BITS;
            int lo = k >> 1;
            half[j] = (lo + 127) << 23;
            bits[j] = (k - lo + 127) << 23;
        }
    }

    /** {@code us = p * 2^(k - k/2) * 2^(k/2)}: the first product is exact, the second rounds once. */
    private static void scale(float[] us, float[] ps, float[] upper, float[] lower, int m) {
        for (int j = 0; j < m; j++) us[j] = ps[j] * upper[j] * lower[j];
    }
}
