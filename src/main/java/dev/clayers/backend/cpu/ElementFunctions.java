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

    /** a, b, out: {@code out = a * b}. */
    public static void multiply(float[][] a, int from, int to) {
        float[] x = a[0], y = a[1], o = a[2];
        for (int i = from; i < to; i++) o[i] = x[i] * y[i];
    }
}
