package dev.clayers.backend.cpu;

/**
 * The element-wise loops of {@link CpuBackend} that C2 does not vectorise on its own (a ReLU's
 * compare-and-select ran at 5 ns per element on random signs, mispredicting branches) or
 * vectorises poorly (the bias broadcast's row loop), and the ones built on exp, log and tanh.
 * {@link #INSTANCE} is the Vector-API version when {@code jdk.incubator.vector} is in the boot
 * layer, as for {@link CpuGemm}'s kernel, and this scalar version otherwise.
 *
 * <p>Both versions give bit-identical results (an add's NaN may keep either input's payload).
 * Sigmoid, tanh and softmax are on {@link FloatExp}, plain Java in float that C2 vectorises and
 * that gives the same bits in every JIT tier; they have no Vector-API override (the JDK's vector
 * exp is not the same function in every tier, see VectorElementKernels). ElementKernelsTest
 * states each op's ulp budget against a double loop.
 */
class ElementKernels {
    static final ElementKernels SCALAR = new ElementKernels();
    static final ElementKernels INSTANCE = load();

    private static ElementKernels load() {
        if (ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()
                || "false".equals(System.getProperty("clayers.gemm.vector"))) {
            return SCALAR;
        }
        try {
            return (ElementKernels) Class.forName("dev.clayers.backend.cpu.VectorElementKernels").getDeclaredConstructor().newInstance();
        } catch (ClassNotFoundException e) {
            return SCALAR;   // built without src/main/java-vector
        } catch (ReflectiveOperationException | LinkageError e) {
            throw new IllegalStateException("jdk.incubator.vector is present but the vector element kernels failed to load", e);
        }
    }

    String name() { return "scalar"; }

    /**
     * {@code mask = x > 0 ? 1 : 0; out = x > 0 ? x : 0} over {@code [from, to)}, NaN and -0 giving
     * 0. Branch-free on the bits: x > 0 exactly when its bits, as an int, lie in
     * [1, 0x7f800000] (positive, not +0, not NaN); the sign bits of {@code -b} and
     * {@code b - 0x7f800001} are both set exactly then.
     */
    void reluForward(float[] xs, float[] os, float[] ms, int from, int to) {
        for (int i = from; i < to; i++) relu(xs[i], os, ms, i);
    }

    /** {@code os[i] = z > 0 ? z : 0; ms[i] = z > 0 ? 1 : 0} on the bits, as described at {@link #reluForward}. */
    private static void relu(float z, float[] os, float[] ms, int i) {
        int b = Float.floatToRawIntBits(z);
        int on = ((-b) & (b - 0x7f800001)) >> 31;
        os[i] = Float.intBitsToFloat(b & on);
        ms[i] = Float.intBitsToFloat(0x3f800000 & on);
    }

    /** {@link #addBias} then {@link #reluForward} on each element; out may be x, mask may not. */
    void addBiasRelu(float[] xs, float[] bs, float[] os, float[] ms, int rows, int cols) {
        addBiasRelu(xs, bs, os, ms, rows, cols, 0);
    }

    /** {@link #addBiasRelu} on columns [from, cols) of every row. */
    final void addBiasRelu(float[] xs, float[] bs, float[] os, float[] ms, int rows, int cols, int from) {
        for (int i = 0, base = 0; i < rows; i++, base += cols) {
            for (int j = from; j < cols; j++) relu(xs[base + j] + bs[j], os, ms, base + j);
        }
    }

    /** {@code out[i, j] = x[i, j] + bias[j]} for a rows x cols x; out may be x. */
    void addBias(float[] xs, float[] bs, float[] os, int rows, int cols) {
        for (int i = 0, base = 0; i < rows; i++, base += cols) {
            for (int j = 0; j < cols; j++) os[base + j] = xs[base + j] + bs[j];
        }
    }

    /**
     * {@code out[i] = 1 / (1 + exp(-x[i]))} over {@code [from, to)}, on {@link FloatExp} (1 ulp)
     * in blocks: within 2 ulp of the double value (ElementKernelsTest). Stable for large |x|: exp
     * is only taken of -|x|, so it never overflows, and sigmoid(-100) is the tiny positive
     * exp(-100), not 0/0.
     */
    void sigmoid(float[] xs, float[] os, int from, int to) {
        FloatExp.Scratch s = FloatExp.scratch();
        float[] x = s.x, u = s.u;
        for (int c = from; c < to; c += FloatExp.BLOCK) {
            int m = Math.min(FloatExp.BLOCK, to - c);
            System.arraycopy(xs, c, x, 0, m);   // a copy: C2 did not vectorise loops reading xs at an offset beside the blocks
            sigmoidArguments(x, u, m);
            FloatExp.exp(s, m);
            sigmoidFromExp(x, u, m);
            System.arraycopy(x, 0, os, c, m);
        }
    }

    /**
     * {@code u = -|x|}, but no lower than -40 for {@code x >= 0}: there 1 / (1 + e) is 1 for any e
     * under 2^-25, and exp(-40) keeps e normal, where a subnormal e made the arithmetic slow (bench
     * sigmoid forward on [-120, 120): 7.5-7.96 GB/s with the bound against 5.8-7.95 without). The
     * bound, {@code min(x, 0) * 2^100 - 40}, is -40 for x >= 0 and far below -|x| for x < 0,
     * where the tiny e is the result itself.
     */
    private static void sigmoidArguments(float[] x, float[] u, int m) {
        for (int j = 0; j < m; j++) u[j] = Math.max(-Math.abs(x[j]), Math.min(x[j], 0f) * 0x1p100f - 40f);
    }

    /**
     * {@code x = (x >= 0 ? 1 : e) / (1 + e)}, e = exp(-|x|), without a branch (random signs
     * mispredicted one in two): the numerator is the larger of e and a step that is 1 for
     * {@code x >= 2^-30} and 0 for {@code x <= 0}. Between, e is exactly 1, the larger. NaN stays NaN.
     */
    private static void sigmoidFromExp(float[] x, float[] e, int m) {
        for (int j = 0; j < m; j++) {
            float step = Math.min(Math.max(x[j] * 0x1p30f, 0f), 1f);
            x[j] = Math.max(e[j], step) / (1f + e[j]);
        }
    }

    /**
     * {@code out[i] = tanh(x[i])} over {@code [from, to)}, in blocks as {@link #sigmoid}: Cephes'
     * tanhf, an odd polynomial for |x| < 0.625 (full relative accuracy near 0) and
     * {@code (1 - e) / (1 + e)}, e = exp(-2|x|) from {@link FloatExp}, above: within 1 ulp of the
     * double value (ElementKernelsTest); saturates to exactly +-1, keeps the sign of zero, NaN stays NaN.
     */
    void tanh(float[] xs, float[] os, int from, int to) {
        FloatExp.Scratch s = FloatExp.scratch();
        float[] x = s.x, u = s.u;
        for (int c = from; c < to; c += FloatExp.BLOCK) {
            int m = Math.min(FloatExp.BLOCK, to - c);
            System.arraycopy(xs, c, x, 0, m);
            // No lower than -40: (1 - e) / (1 + e) is 1 for any e under 2^-25, and exp(-40) keeps e normal.
            for (int j = 0; j < m; j++) u[j] = Math.max(-2f * Math.abs(x[j]), -40f);
            FloatExp.exp(s, m);
            tanhSmall(x, s.p, m);
            tanhFromExp(x, u, s.p, m);
            System.arraycopy(x, 0, os, c, m);
        }
    }

    /** Where tanh switches from the polynomial to exp. */
    private static final float TANH_POLY_MAX = 0.625f;

    /** {@code small = tanh(a)}, a = min(|x|, 0.625), by Cephes' odd polynomial. */
    private static void tanhSmall(float[] x, float[] small, int m) {
        for (int j = 0; j < m; j++) {
            float a = Math.min(Math.abs(x[j]), TANH_POLY_MAX);
            float z = a * a;
            float p = Math.fma(-5.70498872745e-3f, z, 2.06390887954e-2f);
            p = Math.fma(p, z, -5.37397155531e-2f);
            p = Math.fma(p, z, 1.33314422036e-1f);
            p = Math.fma(p, z, -3.33332819422e-1f);
            small[j] = Math.fma(p * z, a, a);
        }
    }

    /**
     * {@code x = sign(x) * (|x| < 0.625 ? small : (1 - e) / (1 + e))} without a branch: the choice
     * is a weight w of exactly 0 or 1 (|x| - 0.625 times 2^60, clamped), both candidates finite, so
     * {@code w * big + (1 - w) * small} is exact; the sign is x times 2^200 clamped to [-1, 1]
     * (+-0 for +-0, NaN for NaN).
     */
    private static void tanhFromExp(float[] x, float[] e, float[] small, int m) {
        for (int j = 0; j < m; j++) {
            float v = x[j];
            float w = Math.min(Math.max((Math.abs(v) - TANH_POLY_MAX) * 0x1p60f, 0f), 1f);
            float big = (1f - e[j]) / (1f + e[j]);
            float sign = Math.min(Math.max(v * 0x1p100f * 0x1p100f, -1f), 1f);
            x[j] = (w * big + (1f - w) * small[j]) * sign;
        }
    }

    /**
     * Softmax of rows {@code [from, to)} of a {@code cols}-wide x into probs, and, when gs is not
     * null, the gradient {@code gs = scale * (p - [j == label])} from the float p just stored, as
     * {@link #softmaxBackward} computes it. Labels must lie in {@code [0, cols)} (the caller checks).
     * probs may be x; gs may not.
     *
     * <p>exp is {@link FloatExp}'s, taken over blocks of whole rows (a row wider than a block goes
     * through in pieces); the row sum is in double, in column order, and p is {@code e * (1 / sum)}
     * rounded to float. The loss takes one log per {@link #LOG_ROWS} rows, of the product of their
     * sums (each lies in [1, cols], so the product cannot overflow): a log cost as much as the
     * rest of a 10-class row.
     *
     * @return the sum over these rows of {@code -log p[label]}
     */
    double softmaxRows(float[] xs, int[] labels, float[] ps, float[] gs, float scale, int cols, int from, int to) {
        FloatExp.Scratch s = FloatExp.scratch();
        int block = cols > FloatExp.BLOCK ? 1 : FloatExp.BLOCK / cols;
        double[] sums = new double[Math.max(1, Math.min(block, to - from))];
        double logs = 0, product = 1, score = 0;
        int inProduct = 0;
        for (int i = from, rows; i < to; i += rows) {
            rows = Math.min(to - i, block);
            rowMaxes(xs, s.x, i, rows, cols);
            for (int k = i; k < i + rows; k++) {
                score += xs[k * cols + labels[k]] - s.x[k - i];   // read before probs is written: probs may be x
            }
            if (cols > FloatExp.BLOCK) {
                sums[0] = wideRowExp(s, xs, ps, i * cols, cols, s.x[0]);
            } else {
                blockExp(s, xs, ps, i, rows, cols, sums);
            }
            for (int k = 0; k < rows; k++) {
                product *= sums[k];
                if (++inProduct == LOG_ROWS) {
                    logs += Math.log(product);
                    product = 1;
                    inProduct = 0;
                }
            }
        }
        if (gs != null) softmaxBackward(ps, labels, scale, gs, cols, from, to);
        return logs + Math.log(product) - score;
    }

    /** Rows per log in softmaxRows' loss: 16 sums of at most 2^31 columns each multiply to under 2^496. */
    static final int LOG_ROWS = 16;

    /**
     * {@code max[k]} = the largest entry of row {@code first + k}, for k < rows, column by column
     * across the rows: within a row each Math.max waits on the one before (several instructions,
     * for NaN and -0), while the rows' chains are independent and overlap.
     */
    private static void rowMaxes(float[] xs, float[] max, int first, int rows, int cols) {
        java.util.Arrays.fill(max, 0, rows, Float.NEGATIVE_INFINITY);
        for (int j = 0; j < cols; j++) {
            for (int k = 0, e = first * cols + j; k < rows; k++, e += cols) max[k] = Math.max(max[k], xs[e]);
        }
    }

    /**
     * Softmax of {@code rows} whole rows from row {@code first} (rows * cols within a block, the
     * row maxes in s.x) into ps, and their sums into sums.
     */
    private static void blockExp(FloatExp.Scratch s, float[] xs, float[] ps, int first, int rows, int cols, double[] sums) {
        float[] u = s.u;
        for (int k = 0, base = first * cols; k < rows; k++, base += cols) {
            float max = s.x[k];
            for (int j = 0; j < cols; j++) u[k * cols + j] = xs[base + j] - max;
        }
        FloatExp.exp(s, rows * cols);
        for (int k = 0, base = first * cols; k < rows; k++, base += cols) {
            double sum = 0;
            for (int j = 0; j < cols; j++) sum += u[k * cols + j];
            double inv = 1 / sum;
            for (int j = 0; j < cols; j++) ps[base + j] = (float) (u[k * cols + j] * inv);
            sums[k] = sum;
        }
    }

    /**
     * Softmax of one row wider than a block, at {@code base}, in block-sized pieces: exp into ps,
     * then ps scaled by 1 / sum.
     *
     * @return the row's sum
     */
    private static double wideRowExp(FloatExp.Scratch s, float[] xs, float[] ps, int base, int cols, float max) {
        float[] u = s.u;
        double sum = 0;
        for (int c = 0; c < cols; c += FloatExp.BLOCK) {
            int m = Math.min(FloatExp.BLOCK, cols - c);
            for (int j = 0; j < m; j++) u[j] = xs[base + c + j] - max;
            FloatExp.exp(s, m);
            for (int j = 0; j < m; j++) sum += ps[base + c + j] = u[j];
        }
        double inv = 1 / sum;
        for (int j = 0; j < cols; j++) ps[base + j] = (float) (ps[base + j] * inv);
        return sum;
    }

    /** {@code out[i, j] = scale * (p[i, j] - [j == label[i]])} for rows {@code [from, to)}. */
    void softmaxBackward(float[] ps, int[] labels, float scale, float[] os, int cols, int from, int to) {
        for (int i = from, base = from * cols; i < to; i++, base += cols) {
            for (int j = 0; j < cols; j++) os[base + j] = scale * (ps[base + j] - (j == labels[i] ? 1f : 0f));
        }
    }

    /**
     * {@code acc[j] += x[i, j]} for rows {@code [from, to)}, in double, in row order: a reference
     * must not lose digits over 10,000 rows, and the fixed order makes every version agree bit
     * for bit. Whole rows, so memory is read front to back (cutting by columns instead ran at a
     * third of the speed: each share read a strip of every row).
     */
    void sumColumns(float[] xs, double[] acc, int cols, int from, int to) {
        for (int i = from, base = from * cols; i < to; i++, base += cols) {
            for (int j = 0; j < cols; j++) acc[j] += xs[base + j];
        }
    }
}
