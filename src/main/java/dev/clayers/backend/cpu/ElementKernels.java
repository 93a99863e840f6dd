package dev.clayers.backend.cpu;

/**
 * The element-wise loops of {@link CpuBackend} that C2 does not vectorise on its own (a ReLU's
 * compare-and-select ran at 5 ns per element on random signs, mispredicting branches) or
 * vectorises poorly (the bias broadcast's row loop). {@link #INSTANCE} is the Vector-API version
 * when {@code jdk.incubator.vector} is in the boot layer, as for {@link CpuGemm}'s kernel, and
 * this branch-free scalar version otherwise. Both give bit-identical results (an add's NaN may
 * keep either input's payload).
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
}
