package dev.clayers.graph;

/**
 * Addition node of a scalar computational graph: {@code out = x + y}.
 * Backward passes the upstream gradient through unchanged to both inputs.
 */
public final class AddLayer {
    public double forward(double x, double y) {
        return x + y;
    }

    /** Returns {@code {dx, dy}}. */
    public double[] backward(double dout) {
        return new double[] {dout, dout};
    }
}
