package dev.clayers.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link ElementKernels}: the scalar (branch-free) and loaded (Vector-API where the module is
 * present) versions against plain loops written here, on odd lengths (ragged vector tails) seeded
 * with every special value. Arithmetic ops (ReLU, bias, column sums, the softmax gradient from
 * stored p) match bit for bit (NaN payloads aside). The transcendental ones are compared with a
 * double-precision loop rounded once, within the ulp budget stated at each test: sigmoid, tanh
 * and softmax run on {@link FloatExp} in float, the same bits in both versions.
 */
class ElementKernelsTest {
    private static final float[] SPECIAL = {Float.NaN, Float.intBitsToFloat(0xffc00001), -0f, 0f, Float.MIN_VALUE,
        -Float.MIN_VALUE, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.MAX_VALUE, -Float.MAX_VALUE, 1f, -1f};

    private static float[] input(int n) {
        Random r = new Random(n);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = r.nextInt(4) == 0 ? SPECIAL[r.nextInt(SPECIAL.length)] : (float) r.nextGaussian();
        return x;
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 7, 33, 100, 784, 1000})
    void reluForwardMatchesDefinition(int n) {
        float[] x = input(n);
        float[] wantOut = new float[n], wantMask = new float[n];
        for (int i = 0; i < n; i++) {
            boolean on = x[i] > 0f;
            wantOut[i] = on ? x[i] : 0f;
            wantMask[i] = on ? 1f : 0f;
        }
        for (ElementKernels k : new ElementKernels[] {ElementKernels.SCALAR, ElementKernels.INSTANCE}) {
            float[] out = new float[n], mask = new float[n];
            java.util.Arrays.fill(out, 42f);
            k.reluForward(x, out, mask, 0, n);
            assertArrayEquals(bits(wantOut), bits(out), k.name() + " out");
            assertArrayEquals(bits(wantMask), bits(mask), k.name() + " mask");
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 7, 33, 100, 784, 1000})
    void addBiasMatchesDefinitionInPlace(int cols) {
        int rows = 3;
        float[] x = input(rows * cols), b = input(cols);
        float[] want = new float[rows * cols];
        for (int i = 0; i < rows; i++) for (int j = 0; j < cols; j++) want[i * cols + j] = x[i * cols + j] + b[j];
        for (ElementKernels k : new ElementKernels[] {ElementKernels.SCALAR, ElementKernels.INSTANCE}) {
            float[] out = x.clone();
            k.addBias(out, b, out, cols, 0, 1);      // in two row ranges, as the backend's split cuts it
            k.addBias(out, b, out, cols, 1, rows);
            // NaN compares equal to NaN here: which input's payload an add keeps is the hardware's choice.
            assertArrayEquals(want, out, k.name());
        }
    }

    private static final ElementKernels[] BOTH = {ElementKernels.SCALAR, ElementKernels.INSTANCE};

    /** Data for exp-type ops: wide normal values (so both saturations and subnormal results occur) and the specials. */
    private static float[] wide(int n) {
        float[] x = input(n);
        Random r = new Random(-n);
        for (int i = 0; i < n; i++) if (r.nextBoolean()) x[i] *= 40f;
        if (n > 3) {
            x[0] = -100f;   // sigmoid: the subnormal 3.8e-44
            x[1] = 100f;
            x[2] = -17.5f;  // just past the vector version's tail switch
        }
        return x;
    }

    /**
     * {@code |got - ref| <= ulps * ulp(ref)}, ref the double value rounded to float; NaN only for
     * NaN, infinities exactly. ulp(0) counts as the smallest subnormal.
     */
    private static void assertUlps(float[] ref, float[] got, double ulps, String what) {
        for (int i = 0; i < ref.length; i++) {
            boolean ok = Float.isNaN(ref[i]) ? Float.isNaN(got[i])
                    : Float.isInfinite(ref[i]) ? ref[i] == got[i]
                    : Math.abs((double) got[i] - ref[i]) <= ulps * Math.ulp(ref[i]);
            if (!ok) {
                throw new AssertionError(what + ": element " + i + " ref " + ref[i] + " got " + got[i] + " ("
                        + Math.abs((double) got[i] - ref[i]) / Math.ulp(ref[i]) + " ulp, allowed " + ulps + ")");
            }
        }
    }

    /**
     * Sigmoid: exp 1 ulp, then 1 + e and the division rounded: 2 ulp. At the far negative end the
     * result is exp(x) itself, subnormal below -87.3, where an ulp is absolute. Both versions give
     * the same bits, and so does any cut of the range into calls (FloatExp's blocks start at each
     * call's first element).
     */
    @ParameterizedTest
    @ValueSource(ints = {1, 7, 33, 100, 784, 1000, 1025, 2500})
    void sigmoidWithinTwoUlpOfDoubleReference(int n) {
        float[] x = wide(n), want = new float[n];
        for (int i = 0; i < n; i++) {
            double v = x[i];
            want[i] = (float) (v >= 0 ? 1 / (1 + Math.exp(-v)) : Math.exp(v) / (1 + Math.exp(v)));
        }
        float[] first = null;
        for (ElementKernels k : BOTH) {
            float[] out = new float[n + 2];
            k.sigmoid(x, out, 0, n);
            assertUlps(want, java.util.Arrays.copyOf(out, n), 2, k.name() + " sigmoid");
            assertEquals(0f, out[n], "wrote past the range");
            if (first != null) assertArrayEquals(bits(first), bits(out), "scalar and " + k.name() + " sigmoid");
            first = out;
        }
        float[] cut = new float[n + 2];
        int at = n / 3;
        ElementKernels.INSTANCE.sigmoid(x, cut, 0, at);
        ElementKernels.INSTANCE.sigmoid(x, cut, at, n);
        assertArrayEquals(bits(first), bits(cut), "sigmoid cut at " + at);
    }

    /**
     * tanh: the polynomial below 0.625 and exp above, within 1 ulp of the double value, on the wide
     * data and on a sweep across the switch and the saturation; exactly +-1 far out, the sign of
     * zero kept. Both versions give the same bits.
     */
    @ParameterizedTest
    @ValueSource(ints = {1, 7, 33, 100, 784, 1000, 1025, 2500})
    void tanhWithinOneUlpOfDoubleReference(int n) {
        float[] x = wide(n);
        float[] sweep = new float[4001];
        for (int i = 0; i < sweep.length; i++) sweep[i] = (i - 2000) * 0.005f * (n % 7 + 1);   // +-10 .. +-70
        for (float[] in : new float[][] {x, sweep}) {
            float[] want = new float[in.length];
            for (int i = 0; i < in.length; i++) want[i] = (float) Math.tanh(in[i]);
            float[] first = null;
            for (ElementKernels k : BOTH) {
                float[] out = new float[in.length];
                k.tanh(in, out, 0, in.length);
                assertUlps(want, out, 1, k.name() + " tanh");
                if (first != null) assertArrayEquals(bitsAnyNaN(first), bitsAnyNaN(out), "scalar and " + k.name() + " tanh");
                first = out;
            }
        }
        float[] ends = {-0f, 0f, 40f, -40f, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY};
        float[] out = new float[ends.length];
        ElementKernels.INSTANCE.tanh(ends, out, 0, ends.length);
        assertArrayEquals(bits(new float[] {-0f, 0f, 1f, -1f, 1f, -1f}), bits(out), "tanh at the ends");
    }

    /**
     * Softmax over rows {1, 7, 33, 100, 784, 1000} wide, enough of them for three or more of
     * FloatExp's blocks, and over rows of one block and wider (which go through in pieces), on two
     * sets of logits: spread over +-60, and rows offset by 95, -150, -40, 0 and 60 (so that the
     * unshifted exps overflow, vanish, come out too small, or do neither, and the rows that need it
     * are done again, shifted by their max). Probabilities within {@code rel 1e-6 * sqrt(cols) +
     * abs 1e-30} of the double loop (float exp 1 ulp, a double row sum, a multiplication by its
     * reciprocal), the loss sum within rel 1e-6; the gradient bit for bit the plain loop on the
     * stored p. Also in place (probs = x).
     */
    @ParameterizedTest
    @ValueSource(ints = {1, 7, 10, 33, 100, 784, 1000, 1024, 1025, 2500})
    void softmaxMatchesDoubleReference(int cols) {
        int rows = cols >= 784 ? 21 : Math.max(37, 2100 / cols);
        Random r = new Random(cols);
        float[] spread = new float[rows * cols], offset = new float[rows * cols];
        float[] offsets = {95f, -150f, -40f, 0f, 60f};
        for (int i = 0; i < spread.length; i++) {
            spread[i] = (float) (r.nextGaussian() * (i % 3 == 0 ? 20 : 1));
            offset[i] = offsets[(i / cols) % offsets.length] + (float) (r.nextGaussian() * 5);
        }
        int[] t = new int[rows];
        for (int i = 0; i < rows; i++) t[i] = r.nextInt(cols);
        checkSoftmax(spread, t, rows, cols, "spread");
        checkSoftmax(offset, t, rows, cols, "offset rows");
    }

    private static void checkSoftmax(float[] x, int[] t, int rows, int cols, String data) {
        float[] want = new float[x.length];
        double wantLoss = 0;
        // x - max is a float subtraction, as in the OpenCL kernel; the rest in double.
        for (int i = 0; i < rows; i++) {
            float max = Float.NEGATIVE_INFINITY;
            double sum = 0;
            for (int j = 0; j < cols; j++) max = Math.max(max, x[i * cols + j]);
            for (int j = 0; j < cols; j++) sum += Math.exp(x[i * cols + j] - max);
            for (int j = 0; j < cols; j++) want[i * cols + j] = (float) (Math.exp(x[i * cols + j] - max) / sum);
            wantLoss += Math.log(sum) - (x[i * cols + t[i]] - max);
        }
        float scale = 0.25f;
        for (ElementKernels k : BOTH) {
            for (boolean inPlace : new boolean[] {false, true}) {
                float[] xs = x.clone(), ps = inPlace ? xs : new float[x.length], gs = new float[x.length];
                double loss = k.softmaxRows(xs, t, ps, gs, scale, cols, 0, rows);
                String what = k.name() + " softmax " + rows + "x" + cols + ", " + data + (inPlace ? ", in place" : "");
                double rel = 1e-6 * Math.sqrt(cols);
                for (int i = 0; i < x.length; i++) {
                    assertTrue(Math.abs(ps[i] - want[i]) <= 1e-30 + rel * want[i] + Math.ulp(want[i]),
                            what + ": p[" + i + "] ref " + want[i] + " got " + ps[i]);
                }
                assertEquals(wantLoss, loss, 1e-6 * Math.abs(wantLoss), what + " loss");
                float[] wantGrad = new float[x.length];
                for (int i = 0; i < rows; i++) {
                    for (int j = 0; j < cols; j++) wantGrad[i * cols + j] = scale * (ps[i * cols + j] - (j == t[i] ? 1f : 0f));
                }
                assertArrayEquals(bits(wantGrad), bits(gs), what + " gradient");
            }
        }
    }

    /**
     * The loaded version's softmax (exp in Vector-API vectors) gives the plain loops' bits:
     * probabilities, loss and gradient, on row counts that leave part-filled vectors and blocks,
     * called in two cuts as the backend's split makes them, with logits that keep
     * every exp in the vectors' range and logits that do not (rows offset far out, infinities, NaN),
     * in place too. NaNs compare as NaN whatever their sign and payload (a full verify once saw
     * 0xffc00001 from one side against 0x7fc00000 from the other in a row holding a NaN logit).
     */
    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3, 7, 10, 16, 17, 33, 100, 1000, 1024, 1025})
    void softmaxVectorsGiveThePlainLoopsBits(int cols) {
        Random r = new Random(100 + cols);
        for (int rows : cols > 100 ? new int[] {1, 7, 33} : new int[] {1, 7, 15, 16, 17, 33, 100, 307, 1000}) {
            for (int data = 0; data < 3; data++) {
                float[] x = new float[rows * cols];
                for (int i = 0; i < x.length; i++) {
                    x[i] = (float) (r.nextGaussian() * 4);
                    if (data == 1 && (i / cols) % 5 == 2) x[i] += 120f * (r.nextBoolean() ? 1 : -1);
                    if (data == 2 && r.nextInt(200) == 0) x[i] = SPECIAL[r.nextInt(SPECIAL.length)];
                }
                int[] t = new int[rows];
                for (int i = 0; i < rows; i++) t[i] = r.nextInt(cols);
                int cut = rows / 3;
                for (boolean inPlace : new boolean[] {false, true}) {
                    float[][] got = new float[2][];
                    float[][] grads = new float[2][];
                    double[] loss = new double[2];
                    for (int v = 0; v < 2; v++) {
                        ElementKernels k = BOTH[v];
                        float[] xs = x.clone(), ps = inPlace ? xs : new float[x.length], gs = new float[x.length];
                        loss[v] = k.softmaxRows(xs, t, ps, gs, 0.5f, cols, 0, cut) + k.softmaxRows(xs, t, ps, gs, 0.5f, cols, cut, rows);
                        got[v] = ps;
                        grads[v] = gs;
                    }
                    String what = rows + "x" + cols + " data " + data + (inPlace ? " in place" : "");
                    // Every non-NaN value bit for bit; a NaN as a NaN: its sign and payload depend on
                    // which instruction made it, which differs between the interpreter and C2's code.
                    assertArrayEquals(bitsAnyNaN(got[0]), bitsAnyNaN(got[1]), what + " p");
                    assertArrayEquals(bitsAnyNaN(grads[0]), bitsAnyNaN(grads[1]), what + " gradient");
                    assertEquals(Double.doubleToRawLongBits(loss[0]), Double.doubleToRawLongBits(loss[1]), what + " loss");
                }
            }
        }
    }

    /**
     * VectorFloatExp (where the vector module is loaded) against FloatExp, bit for bit, over every
     * 61st float of the whole line, negative and positive, the specials among them; so it is
     * within FloatExp's 1 ulp of Math.exp (checked above) wherever it does not hand the lanes to
     * FloatExp. Also within 1 ulp of Math.exp directly on [-87.3, 88.7], its own range.
     */
    @org.junit.jupiter.api.Test
    void vectorExpIsFloatExpBitForBit() {
        org.junit.jupiter.api.Assumptions.assumeTrue(ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent());
        int n = 1 << 16;
        float[] x = new float[n], got = new float[n];
        FloatExp.Scratch s = FloatExp.scratch();
        long checked = 0;
        int worst = 0;
        for (long b = 0; b <= 0xffffffffL; b += n * 61L) {
            for (int j = 0; j < n; j++) x[j] = Float.intBitsToFloat((int) (b + 61L * j));
            if (b == 0) System.arraycopy(SPECIAL, 0, x, 5, SPECIAL.length);
            VectorFloatExp.exp(x, got, n - 3);   // a tail too
            for (int from = 0; from < n - 3; from += FloatExp.BLOCK) {
                int m = Math.min(FloatExp.BLOCK, n - 3 - from);
                System.arraycopy(x, from, s.u, 0, m);
                FloatExp.exp(s, m);
                for (int j = 0; j < m; j++) {
                    if (Float.floatToRawIntBits(s.u[j]) != Float.floatToRawIntBits(got[from + j])
                            && !(Float.isNaN(s.u[j]) && Float.isNaN(got[from + j]))) {
                        org.junit.jupiter.api.Assertions.fail("exp(" + x[from + j] + "): FloatExp " + s.u[j] + ", vectors " + got[from + j]);
                    }
                    float v = x[from + j];
                    if (v >= -87.3f && v <= 88.7f) {
                        float want = (float) Math.exp(v);
                        worst = Math.max(worst, Math.abs(Float.floatToRawIntBits(want) - Float.floatToRawIntBits(got[from + j])));
                    }
                }
                checked += m;
            }
        }
        assertTrue(worst <= 1, "worst " + worst + " ulp from Math.exp");
        assertTrue(checked > 7e7, "checked " + checked);
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 7, 10, 33, 100, 784, 1000})
    void softmaxBackwardIsThePlainLoopAlsoInPlace(int cols) {
        int rows = 19;
        float[] p = input(rows * cols);
        int[] t = new int[rows];
        Random r = new Random(cols);
        for (int i = 0; i < rows; i++) t[i] = r.nextInt(cols);
        float[] want = new float[p.length];
        for (int i = 0; i < rows; i++) for (int j = 0; j < cols; j++) want[i * cols + j] = 0.1f * (p[i * cols + j] - (j == t[i] ? 1f : 0f));
        for (ElementKernels k : BOTH) {
            float[] out = new float[p.length], same = p.clone();
            k.softmaxBackward(p, t, 0.1f, out, cols, 0, rows);
            k.softmaxBackward(same, t, 0.1f, same, cols, 0, rows);
            assertArrayEquals(bits(want), bits(out), k.name());
            assertArrayEquals(bits(want), bits(same), k.name() + " in place");
        }
    }

    /** Column sums in double in row order: every version, over any cut of the rows into consecutive calls, gives the same bits. */
    @ParameterizedTest
    @ValueSource(ints = {1, 7, 33, 100, 784, 1000})
    void sumColumnsIsTheDoubleLoopBitForBit(int cols) {
        for (int rows : new int[] {1, 7, 1000}) {
            float[] x = input(rows * cols);
            for (int i = 0; i < x.length; i++) if (Float.isNaN(x[i]) || Float.isInfinite(x[i])) x[i] = 1e30f;
            double[] want = new double[cols];
            for (int j = 0; j < cols; j++) for (int i = 0; i < rows; i++) want[j] += x[i * cols + j];
            for (ElementKernels k : BOTH) {
                double[] acc = new double[cols];
                int cut = rows / 3;
                k.sumColumns(x, acc, cols, 0, cut);
                k.sumColumns(x, acc, cols, cut, rows);
                org.junit.jupiter.api.Assertions.assertArrayEquals(want, acc, 0.0, k.name() + " " + rows + "x" + cols);
            }
        }
    }

    /**
     * FloatExp against Math.exp times 2^bias rounded to float, within 1 ulp (an ulp of a subnormal
     * is absolute) on every 97th float (997th for a bias) from -110 to 90, moved by
     * {@code -bias ln 2}: the subnormal results, which FloatExp puts right in integers, the
     * overflow to infinity, 0 at the bottom; the specials, and arguments far out (to 0 and
     * infinity, whatever k's bits would do there). Blocks of every length up to BLOCK.
     */
    @ParameterizedTest
    @ValueSource(ints = {0, -64, -1, 1, 64})
    void floatExpWithinOneUlpOfMathExp(int bias) {
        double scale = Math.scalb(1.0, bias);
        float shift = (float) (bias * Math.log(2));
        int step = bias == 0 ? 97 : 997;
        java.util.List<Float> args = new java.util.ArrayList<>();
        for (int b = Float.floatToRawIntBits(90f); b > 0; b -= step) args.add(Float.intBitsToFloat(b) - shift);   // 90 down to 0
        for (int b = Float.floatToRawIntBits(-0f); b < Float.floatToRawIntBits(-110f); b += step) args.add(Float.intBitsToFloat(b) - shift);
        for (float v : SPECIAL) args.add(v);
        for (float v : new float[] {88.72f, 88.73f, -87.33f, -103.9f, -103.98f, -104f, -104.1f}) args.add(v - shift);
        // Far out, where k would no longer fit t's mantissa, or t would turn negative: 0 and infinity.
        for (float v : new float[] {2.2e4f, -2.2e4f, 3e6f, -3e6f, 1e7f, -1e7f, 1.3e7f, -1.3e7f, 1e30f, -1e30f}) args.add(v);
        FloatExp.Scratch s = FloatExp.scratch();
        int checked = 0;
        for (int from = 0, m = 1; from < args.size(); from += m, m = m % FloatExp.BLOCK + 1) {
            int len = Math.min(m, args.size() - from);
            float[] want = new float[len];
            for (int j = 0; j < len; j++) {
                s.u[j] = args.get(from + j);
                want[j] = (float) (Math.exp(s.u[j]) * scale);
            }
            FloatExp.exp(s, len, bias);
            assertUlps(want, java.util.Arrays.copyOf(s.u, len), 1, "exp times 2^" + bias + " from argument " + from);
            checked += len;
        }
        assertTrue(checked > 2e9 / step, "checked " + checked);   // about 2.24e9 floats lie in [-110, 90]
    }

    @org.junit.jupiter.api.Test
    void floatExpRefusesABiasOutsideItsRange() {
        FloatExp.Scratch s = FloatExp.scratch();
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> FloatExp.exp(s, 1, 65));
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> FloatExp.exp(s, 1, -65));
    }

    private static int[] bits(float[] x) {
        int[] b = new int[x.length];
        for (int i = 0; i < x.length; i++) b[i] = Float.floatToRawIntBits(x[i]);
        return b;
    }

    /**
     * The bits of x, every NaN as the one canonical NaN, for tanh: its NaN input reaches the last
     * product as two NaNs of opposite sign (the magnitude's and the sign's), which of two NaN
     * operands a multiply keeps is the hardware's choice, and C2 may swap a multiply's operands, so
     * there only NaN-ness is compared. (Math.copySign would settle it, but C2 on JDK 17 does not
     * vectorise it, so tanh's last loop would run scalar.)
     */
    private static int[] bitsAnyNaN(float[] x) {
        int[] b = new int[x.length];
        for (int i = 0; i < x.length; i++) b[i] = Float.floatToIntBits(x[i]);
        return b;
    }
}
