package dev.clayers.backend.cpu;

/**
 * The element-wise loops of {@link CpuBackend} that C2 does not vectorise on its own (a ReLU's
 * compare-and-select ran at 5 ns per element on random signs, mispredicting branches) or
 * vectorises poorly (the bias broadcast's row loop), and the ones built on exp, log and tanh.
 * {@link #INSTANCE} is the Vector-API version when {@code jdk.incubator.vector} is in the boot
 * layer, as for {@link CpuGemm}'s kernel, and this scalar version otherwise.
 *
 * <p>Both versions give bit-identical results (an add's NaN may keep either input's payload).
 * The transcendental ops (sigmoid, tanh, softmax) are in double precision, rounded once, with no
 * vector override yet: the JDK's vector exp is not the same function in every JIT tier (see
 * VectorElementKernels). ElementKernelsTest states the ulp budget a float version would get.
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
     * {@code out[i] = 1 / (1 + exp(-x[i]))} over {@code [from, to)}, in double, rounded once. Stable
     * for large |x|: exp is only taken of -|x|, so it never overflows, and sigmoid(-100) is the
     * tiny positive exp(-100), not 0/0.
     */
    void sigmoid(float[] xs, float[] os, int from, int to) {
        for (int i = from; i < to; i++) {
            double e = Math.exp(-Math.abs((double) xs[i]));
            os[i] = (float) (xs[i] >= 0f ? 1.0 / (1.0 + e) : e / (1.0 + e));
        }
    }

    /** {@code out[i] = tanh(x[i])} over {@code [from, to)}: Math.tanh saturates to +-1 for large |x| and keeps full relative accuracy near 0. */
    void tanh(float[] xs, float[] os, int from, int to) {
        for (int i = from; i < to; i++) os[i] = (float) Math.tanh(xs[i]);
    }

    /**
     * Softmax of rows {@code [from, to)} of a {@code cols}-wide x into probs, and, when gs is not
     * null, the gradient {@code gs = scale * (p - [j == label])} from the float p just stored, as
     * {@link #softmaxBackward} computes it. Labels must lie in {@code [0, cols)} (the caller checks).
     * probs may be x; gs may not.
     *
     * @return the sum over these rows of {@code -log p[label]}
     */
    double softmaxRows(float[] xs, int[] labels, float[] ps, float[] gs, float scale, int cols, int from, int to) {
        double total = 0;
        double[] e = new double[cols];   // exp of the row, taken once
        for (int i = from, base = from * cols; i < to; i++, base += cols) {
            // Subtract the row max so exp never overflows; log-sum-exp keeps log(p) finite.
            float max = Float.NEGATIVE_INFINITY;
            for (int j = 0; j < cols; j++) max = Math.max(max, xs[base + j]);
            double sum = 0;
            for (int j = 0; j < cols; j++) sum += e[j] = Math.exp(xs[base + j] - max);
            float shifted = xs[base + labels[i]] - max;   // read before probs is written: probs may be x
            for (int j = 0; j < cols; j++) ps[base + j] = (float) (e[j] / sum);
            total += Math.log(sum) - shifted;
        }
        if (gs != null) softmaxBackward(ps, labels, scale, gs, cols, from, to);
        return total;
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
