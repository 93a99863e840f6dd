package dev.clayers.graph;

/**
 * Multiplication node of a scalar computational graph: {@code out = x * y}.
 * Backward swaps the inputs: {@code dx = dout * y}, {@code dy = dout * x}.
 */
public final class MulLayer {
    private double x;
    private double y;

    public double forward(double x, double y) {
        this.x = x;
        this.y = y;
        return x * y;
    }

    /** Returns {@code {dx, dy}}. */
    public double[] backward(double dout) {
        return new double[] {dout * y, dout * x};
    }
}
