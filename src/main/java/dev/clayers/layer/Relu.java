package dev.clayers.layer;

import dev.clayers.backend.Backend;
import dev.clayers.backend.Matrix;

/** ReLU: {@code y = max(0, x)}; the gradient passes only where x was positive (the mask). */
public final class Relu implements Layer {
    private final Backend backend;
    private final String name;
    private Matrix out;
    private Matrix mask;
    private Matrix dx;

    public Relu(Backend backend, String name) {
        this.backend = backend;
        this.name = name;
    }

    @Override public String name() { return name; }

    @Override
    public Matrix forward(Matrix x) {
        out = Buffers.reuse(backend, out, x.rows(), x.cols());
        mask = Buffers.reuse(backend, mask, x.rows(), x.cols());
        backend.reluForward(x, out, mask);
        return out;
    }

    /** The mask of the last forward pass: 1 where x was positive, else 0. */
    public Matrix mask() { return mask; }

    @Override
    public Matrix backward(Matrix dout) {
        dx = Buffers.reuse(backend, dx, dout.rows(), dout.cols());
        backend.reluBackward(dout, mask, dx);
        return dx;
    }

    @Override public void close() { Buffers.close(out, mask, dx); }
}
