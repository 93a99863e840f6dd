package dev.clayers.layer;

import dev.clayers.backend.Backend;
import dev.clayers.backend.Matrix;

/** Sigmoid: {@code y = 1 / (1 + exp(-x))}; backward uses the cached output, {@code dx = dout * y * (1 - y)}. */
public final class Sigmoid implements Layer {
    private final Backend backend;
    private final String name;
    private Matrix out;
    private Matrix dx;

    public Sigmoid(Backend backend, String name) {
        this.backend = backend;
        this.name = name;
    }

    @Override public String name() { return name; }

    @Override
    public Matrix forward(Matrix x) {
        out = Buffers.reuse(backend, out, x.rows(), x.cols());
        backend.sigmoidForward(x, out);
        return out;
    }

    @Override
    public Matrix backward(Matrix dout) {
        dx = Buffers.reuse(backend, dx, dout.rows(), dout.cols());
        backend.sigmoidBackward(dout, out, dx);
        return dx;
    }

    @Override public void close() { Buffers.close(out, dx); }
}
