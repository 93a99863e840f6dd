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
 * that gives the same bits in every JIT tier; only softmax has a Vector-API override, on
 * VectorFloatExp, FloatExp's function in vectors (the JDK's own vector exp is not the same function
 * in every tier, see VectorElementKernels). ElementKernelsTest
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

    /** {@link #addBias} then {@link #reluForward} on each element of rows [from, to); out may be x, mask may not. */
    void addBiasRelu(float[] xs, float[] bs, float[] os, float[] ms, int cols, int from, int to) {
        addBiasRelu(xs, bs, os, ms, cols, from, to, 0);
    }

    /** {@link #addBiasRelu} on columns [fromCol, cols) of rows [from, to). */
    final void addBiasRelu(float[] xs, float[] bs, float[] os, float[] ms, int cols, int from, int to, int fromCol) {
        for (int i = from, base = from * cols; i < to; i++, base += cols) {
            for (int j = fromCol; j < cols; j++) relu(xs[base + j] + bs[j], os, ms, base + j);
        }
    }

    /** {@code out[i, j] = x[i, j] + bias[j]} for rows [from, to) of a cols-wide x; out may be x. */
    void addBias(float[] xs, float[] bs, float[] os, int cols, int from, int to) {
        for (int i = from, base = from * cols; i < to; i++, base += cols) {
            for (int j = 0; j < cols; j++) os[base + j] = xs[base + j] + bs[j];
        }
    }

    /** {@code dx[i] = dout[i] * mask[i]} over {@code [from, to)}. */
    void reluBackward(float[] gs, float[] ms, float[] os, int from, int to) {
        for (int i = from; i < to; i++) os[i] = gs[i] * ms[i];
    }

    /**
     * {@code out[i] = 1 / (1 + exp(-x[i]))} over {@code [from, to)}, on {@link FloatExp} (1 ulp)
     * in blocks: within 2 ulp of the double value (ElementKernelsTest). Stable for large |x|: the
     * exp is scaled by 2^-64 (see {@link #SIGMOID_BIAS}), so it overflows only where sigmoid is 0,
     * and sigmoid(-100) is the tiny positive 1 / exp(100), rounded once.
     */
    void sigmoid(float[] xs, float[] os, int from, int to) {
        onExp(OnExp.SIGMOID, xs, os, from, to);
    }

    /** An element-wise op built on {@link FloatExp}: the exp's arguments from x, then the result from x and their exps. */
    private enum OnExp {
        SIGMOID(SIGMOID_BIAS) {
            @Override void arguments(float[] x, float[] u, int m) { sigmoidArguments(x, u, m); }
            @Override void finish(FloatExp.Scratch s, int m) { sigmoidFromExp(s.x, s.u, m); }
        },
        TANH(0) {
            @Override void arguments(float[] x, float[] u, int m) {
                // No lower than -40: (1 - e) / (1 + e) is 1 for any e under 2^-25, and exp(-40) keeps e normal.
                for (int j = 0; j < m; j++) u[j] = Math.max(-2f * Math.abs(x[j]), -40f);
            }
            @Override void finish(FloatExp.Scratch s, int m) {
                tanhSmall(s.x, s.p, m);   // s.p is free again once exp has returned
                tanhFromExp(s.x, s.u, s.p, m);
            }
        };

        /** The exps come scaled by 2^bias. */
        final int bias;

        OnExp(int bias) {
            this.bias = bias;
        }

        /** {@code u = } the exp arguments for x, m elements. */
        abstract void arguments(float[] x, float[] u, int m);

        /** {@code s.x = } the op of s.x, given {@code s.u = exp(arguments) * 2^bias}. */
        abstract void finish(FloatExp.Scratch s, int m);
    }

    /** {@code os = op(xs)} over {@code [from, to)}, in FloatExp's blocks. */
    private static void onExp(OnExp op, float[] xs, float[] os, int from, int to) {
        FloatExp.Scratch s = FloatExp.scratch();
        for (int c = from; c < to; c += FloatExp.BLOCK) {
            int m = Math.min(FloatExp.BLOCK, to - c);
            System.arraycopy(xs, c, s.x, 0, m);   // a copy: C2 did not vectorise loops reading xs at an offset beside the blocks
            op.arguments(s.x, s.u, m);
            FloatExp.exp(s, m, op.bias);
            op.finish(s, m);
            System.arraycopy(s.x, 0, os, c, m);
        }
    }

    /**
     * Sigmoid takes {@code exp(-x) * 2^-64}: that stays a normal float for every x from -133 to
     * 43 (sigmoid's arguments stop at -40, see {@link #sigmoidArguments}), where exp(-|x|), the
     * textbook's stable form, is subnormal below x = -87.3, and arithmetic on a subnormal was
     * slow (see FloatExp). {@link #sigmoidFromExp} works at that scale.
     */
    private static final int SIGMOID_BIAS = -64;

    /**
     * {@code u = -x}, but no lower than -40: sigmoid(40) is 1 in float, and exp(-40) * 2^-64 is
     * still normal. (Above, u needs no bound: exp(u) * 2^-64 overflows only past u = 133, where
     * sigmoid is 0 and 1 / infinity gives it.)
     */
    private static void sigmoidArguments(float[] x, float[] u, int m) {
        for (int j = 0; j < m; j++) u[j] = Math.max(-x[j], -40f);
    }

    /**
     * {@code x = 1 / (1 + e)}, e = exp(-x), from {@code E = e * 2^-64} as
     * {@code 2^-64 / (2^-64 + E)}: both operands scaled exactly, so the quotient and its one
     * rounding are the same. No branch, no min or max (C2's are a blend sequence each). Only the
     * quotient itself can be subnormal (x below -87.3), one slow division instead of a chain of
     * slow operations. NaN stays NaN.
     */
    private static void sigmoidFromExp(float[] x, float[] e, int m) {
        for (int j = 0; j < m; j++) x[j] = 0x1p-64f / (0x1p-64f + e[j]);
    }

    /**
     * {@code out[i] = tanh(x[i])} over {@code [from, to)}, in FloatExp's blocks as sigmoid: Cephes'
     * tanhf, an odd polynomial for |x| < 0.625 (full relative accuracy near 0) and
     * {@code (1 - e) / (1 + e)}, e = exp(-2|x|) from {@link FloatExp}, above: within 1 ulp of the
     * double value (ElementKernelsTest); saturates to exactly +-1, keeps the sign of zero, NaN stays NaN.
     */
    void tanh(float[] xs, float[] os, int from, int to) {
        onExp(OnExp.TANH, xs, os, from, to);
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
     * <p>exp is {@link FloatExp}'s, taken over blocks of whole rows, of the logits as they are:
     * softmax does not change with a shift, so the row max, which the textbook subtracts to keep
     * exp from overflowing, is only taken for a row whose sum overflowed or came out too small to
     * trust (under {@link #MIN_UNSHIFTED_SUM}); that row is done again, shifted (measurements:
     * docs/performance.md, "Tuning notes"). A row wider than a block is always
     * shifted and goes through in pieces. Row sums and p are as {@link #normalize} makes them.
     * The loss of a row is {@code log(sum / e[label])}
     * (or {@code log(sum) - (x[label] - shift)} when e[label] is tiny), one log per
     * {@link #LOG_ROWS} rows, of the product of their terms: a log cost as much as the rest of a
     * 10-class row.
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
            if (cols > FloatExp.BLOCK) {
                float max = rowMax(xs, i * cols, cols);
                score += xs[i * cols + labels[i]] - max;   // read before probs is written: probs may be x
                sums[0] = wideRowExp(s, xs, ps, i * cols, cols, max);
            } else {
                int n = rows * cols;
                System.arraycopy(xs, i * cols, s.x, 0, n);   // kept: probs may be x, and a row redone below needs its logits
                expNormalize(s, ps, i, rows, cols, sums);
                for (int k = 0; k < rows; k++) {
                    int at = k * cols;
                    float shift = 0f;
                    if (!(sums[k] >= MIN_UNSHIFTED_SUM && sums[k] < Double.POSITIVE_INFINITY)) {
                        // Some exp overflowed, or the largest term is too small to trust the rest: shift by the row's max.
                        shift = rowMax(s.x, at, cols);
                        for (int j = 0; j < cols; j++) s.u[j] = s.x[at + j] - shift;
                        FloatExp.exp(s, cols);
                        normalize(s.u, ps, s.p, i + k, 1, cols, sums, k);
                        at = 0;
                    }
                    // The row's loss is log(sum / e[label]): the label's own exp error cancels, so a
                    // near-certain row's tiny loss keeps its digits. Unless e[label] is too small to divide by.
                    double labelExp = s.u[at + labels[i + k]];
                    if (labelExp >= MIN_LABEL_EXP) {
                        sums[k] /= labelExp;
                    } else {
                        score += s.x[k * cols + labels[i + k]] - shift;
                    }
                }
            }
            for (int k = 0; k < rows; k++) {
                product *= sums[k];
                if (++inProduct == LOG_ROWS || product > 1e200 || product < 1e-200) {
                    logs += Math.log(product);
                    product = 1;
                    inProduct = 0;
                }
            }
        }
        if (gs != null) softmaxBackward(ps, labels, scale, gs, cols, from, to);
        return logs + Math.log(product) - score;
    }

    /**
     * One block of softmaxRows: {@code s.u = exp(s.x)} over {@code rows} rows of {@code cols}
     * columns from index 0, p of those rows into ps from row {@code first}, and each row's float
     * sum of exps into {@code sums[0, rows)}, as {@link #normalize} makes them. s.x is left as it
     * is (a row redone shifted needs its logits); s.p and s.t are scratch.
     */
    void expNormalize(FloatExp.Scratch s, float[] ps, int first, int rows, int cols, double[] sums) {
        System.arraycopy(s.x, 0, s.u, 0, rows * cols);
        FloatExp.exp(s, rows * cols);
        normalizeBlock(s, ps, first, rows, cols, sums);
    }

    /** {@link #normalize} of a block's exps in s.u, from index 0, into ps from row {@code first} and the sums into {@code sums[0, rows)}. */
    static void normalizeBlock(FloatExp.Scratch s, float[] ps, int first, int rows, int cols, double[] sums) {
        // Rows of ten (ten classes) with the width a constant, so C2 unrolls normalize's
        // per-row loops and drops their set-up (measurements: docs/performance.md, "Tuning notes").
        if (cols == 10) normalize(s.u, ps, s.p, first, rows, 10, sums, 0);
        else normalize(s.u, ps, s.p, first, rows, cols, sums, 0);
    }

    /**
     * Rows per log in softmaxRows' loss, at most; a product leaving [1e-200, 1e200] is logged at
     * once, so the next factor (a sum of at most 1,024 floats, or that over an exp of at least
     * {@link #MIN_LABEL_EXP}) cannot take it out of double's range.
     */
    static final int LOG_ROWS = 16;

    /** The smallest label exp softmaxRows divides a row's sum by; below it the loss is log(sum) - (x[label] - shift). */
    private static final double MIN_LABEL_EXP = 1e-30;

    /**
     * The smallest row sum of unshifted exps that softmaxRows keeps. Above it an exp small enough to
     * be subnormal, its precision lost, is at most 1.2e-38 and its probability off by at most
     * 1.4e-45 / 1e-14; below it, the row is shifted by its max.
     */
    private static final double MIN_UNSHIFTED_SUM = 1e-14;

    private static float rowMax(float[] xs, int base, int cols) {
        float max = Float.NEGATIVE_INFINITY;
        for (int j = 0; j < cols; j++) max = Math.max(max, xs[base + j]);
        return max;
    }

    /**
     * {@code ps = e / (row sum of e)} for {@code rows} rows from row {@code first}, e in u from
     * index 0, the sums into {@code sums[at..]}; scale is scratch. A row sum is in column order,
     * in float for rows of up to {@link #FLOAT_SUM_COLS} columns and in double for wider ones; p
     * is e times the float {@code 1 / sum}. Each row's reciprocal is spread over its columns in
     * scale, then one loop over the block multiplies, which C2 vectorises, and one copy stores.
     * These loops are shaped for C2 on JDK 17, which sets up a loop as short as a row at a cost
     * like its work and compiles each float-to-double conversion waiting on the one before
     * (measurements: docs/performance.md, "Tuning notes").
     */
    private static void normalize(float[] u, float[] ps, float[] scale, int first, int rows, int cols, double[] sums, int at) {
        for (int k = 0, a = 0; k < rows; k++, a += cols) {
            float sum;
            if (cols <= FLOAT_SUM_COLS) {
                sum = 0;
                for (int j = 0; j < cols; j++) sum += u[a + j];
                sums[at + k] = sum;
            } else {
                double wide = 0;
                for (int j = 0; j < cols; j++) wide += u[a + j];
                sums[at + k] = wide;
                sum = (float) wide;
            }
            java.util.Arrays.fill(scale, a, a + cols, 1 / sum);
        }
        int n = rows * cols;
        for (int i = 0; i < n; i++) scale[i] *= u[i];
        System.arraycopy(scale, 0, ps, first * cols, n);
    }

    /**
     * The widest rows whose sums normalize keeps in float: at most 31 roundings, a relative error
     * under 2e-6, inside the test's bound on p; wider rows, where C2's per-row set-up costs little
     * beside the work, sum in double.
     */
    private static final int FLOAT_SUM_COLS = 32;

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
