package dev.clayers.backend.cpu;

import dev.clayers.backend.ElementOp;

/**
 * The Java reference of each {@link ElementOp}, over elements {@code [from, to)} of its arguments
 * ({@code a[k]} is argument k, in the op's order). The activations forward to
 * {@link ElementKernels#INSTANCE}, the Vector-API version where it loads (bit-identical to the
 * scalar one); the backward ops are plain loops, which C2 vectorises. Stateless and thread-safe:
 * {@link CpuBackend} runs disjoint ranges on several cores at once.
 */
public final class ElementFunctions {
    private ElementFunctions() {}

    /** x, out, mask. */
    public static void reluForward(float[][] a, int from, int to) {
        ElementKernels.INSTANCE.reluForward(a[0], a[1], a[2], from, to);
    }

    /** dout, mask, dx. */
    public static void reluBackward(float[][] a, int from, int to) {
        ElementKernels.INSTANCE.reluBackward(a[0], a[1], a[2], from, to);
    }

    /** x, out. */
    public static void sigmoidForward(float[][] a, int from, int to) {
        ElementKernels.INSTANCE.sigmoid(a[0], a[1], from, to);
    }

    /** dout, y, dx: {@code dx = dout * y * (1 - y)}, multiplied left to right. */
    public static void sigmoidBackward(float[][] a, int from, int to) {
        float[] g = a[0], ys = a[1], o = a[2];
        for (int i = from; i < to; i++) o[i] = g[i] * ys[i] * (1f - ys[i]);
    }

    /** x, out. */
    public static void tanhForward(float[][] a, int from, int to) {
        ElementKernels.INSTANCE.tanh(a[0], a[1], from, to);
    }

    /** dout, y, dx: {@code dx = dout * (1 - y * y)}. */
    public static void tanhBackward(float[][] a, int from, int to) {
        float[] g = a[0], ys = a[1], o = a[2];
        for (int i = from; i < to; i++) o[i] = g[i] * (1f - ys[i] * ys[i]);
    }

    /** {@code sqrt(2 / pi)}, GELU's scale of u. */
    private static final double GELU_K0 = Math.sqrt(2 / Math.PI);
    /** GELU's cubic coefficient. */
    private static final double GELU_K1 = 0.044715;
    /**
     * Past |x| = 10 GELU is its limit: at x = 10, 1 - s is e^-87, below float's resolution of 1,
     * and at x = -10 the value is -1e-37; beyond, x^3 would overflow in float and inf/inf give NaN.
     */
    public static final float GELU_LIMIT = 10f;

    /**
     * x, out: {@code out = x / (1 + exp(-2u))}, {@code u = sqrt(2/pi) (x + 0.044715 x^3)}, which is
     * PyTorch's {@code 0.5 x (1 + tanh(u))} without the cancellation of 1 + tanh for negative x;
     * in double, rounded once to float (within one float ulp of the exact value). NaN stays NaN.
     */
    public static void geluForward(float[][] a, int from, int to) {
        float[] xs = a[0], o = a[1];
        for (int i = from; i < to; i++) o[i] = (float) gelu(xs[i]);
    }

    /** dout, x, dx: {@code dx = dout * gelu'(x)}, in double, rounded once. */
    public static void geluBackward(float[][] a, int from, int to) {
        float[] g = a[0], xs = a[1], o = a[2];
        for (int i = from; i < to; i++) o[i] = (float) (g[i] * geluDerivative(xs[i]));
    }

    private static double gelu(double x) {
        if (x > GELU_LIMIT) return x;
        if (x < -GELU_LIMIT) return 0;
        double u = GELU_K0 * (x + GELU_K1 * x * x * x);
        return x / (1 + Math.exp(-2 * u));
    }

    /**
     * {@code s + 2 x s (1 - s) u'} with {@code s = 1 / (1 + e)}, {@code e = exp(-2u)}: PyTorch's
     * {@code 0.5 (1 + tanh u) + 0.5 x (1 - tanh^2 u) u'} rewritten on s; 1 - s is taken as e s, exact
     * where s is near 1.
     */
    private static double geluDerivative(double x) {
        if (x > GELU_LIMIT) return 1;
        if (x < -GELU_LIMIT) return 0;
        double x2 = x * x, u = GELU_K0 * (x + GELU_K1 * x2 * x), e = Math.exp(-2 * u), s = 1 / (1 + e);
        return s + 2 * x * s * (e * s) * GELU_K0 * (1 + 3 * GELU_K1 * x2);
    }

    /** a, b, out: {@code out = a * b}. */
    public static void multiply(float[][] a, int from, int to) {
        float[] x = a[0], y = a[1], o = a[2];
        for (int i = from; i < to; i++) o[i] = x[i] * y[i];
    }
}
