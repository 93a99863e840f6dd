package dev.clayers.layer;

import dev.clayers.backend.Backend;
import dev.clayers.backend.ElementOp;
import dev.clayers.backend.Matrix;

/** ReLU: {@code y = max(0, x)}; the gradient passes only where x was positive (the mask). */
public final class Relu implements Layer {
    private final Backend backend;
    private final String name;
    private Matrix out;
    private Matrix mask;
    private Matrix dx;

    /** A ReLU layer named {@code name} on {@code backend}. */
    public Relu(Backend backend, String name) {
        this.backend = backend;
        this.name = name;
    }

    @Override public String name() { return name; }

    @Override
    public Matrix forward(Matrix x) {
        out = Buffers.reuse(backend, out, x.rows(), x.cols());
        mask = Buffers.reuse(backend, mask, x.rows(), x.cols());
        backend.elementwise(ElementOp.RELU_FORWARD, x, out, mask);
        return out;
    }

    /**
     * {@code relu(z + bias)} in one op ({@link dev.clayers.backend.Backend#addBiasRelu}), the same
     * values as {@code forward} of the biased input: an {@link Affine} followed by this layer
     * costs one launch and one pass fewer through {@link Affine#forwardLinear}.
     */
    public Matrix forwardBiased(Matrix z, Matrix bias) {
        out = Buffers.reuse(backend, out, z.rows(), z.cols());
        mask = Buffers.reuse(backend, mask, z.rows(), z.cols());
        backend.addBiasRelu(z, bias, out, mask);
        return out;
    }

    /** The mask of the last forward pass: 1 where x was positive, else 0. */
    public Matrix mask() { return mask; }

    @Override
    public float[] choices() { return mask == null ? null : backend.download(mask); }

    @Override
    public Matrix backward(Matrix dout) {
        dx = Buffers.reuse(backend, dx, dout.rows(), dout.cols());
        backend.elementwise(ElementOp.RELU_BACKWARD, dout, mask, dx);
        return dx;
    }

    @Override public void close() { Buffers.close(out, mask, dx); }
}
