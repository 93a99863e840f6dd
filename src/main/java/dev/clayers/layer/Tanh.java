package dev.clayers.layer;

import dev.clayers.backend.Backend;
import dev.clayers.backend.Matrix;

/** Tanh: {@code y = tanh(x)}; backward uses the cached output, {@code dx = dout * (1 - y^2)}. */
public final class Tanh implements Layer {
    private final Backend backend;
    private final String name;
    private Matrix out;
    private Matrix dx;

    public Tanh(Backend backend, String name) {
        this.backend = backend;
        this.name = name;
    }

    @Override public String name() { return name; }

    @Override
    public Matrix forward(Matrix x) {
        out = Buffers.reuse(backend, out, x.rows(), x.cols());
        backend.tanhForward(x, out);
        return out;
    }

    @Override
    public Matrix backward(Matrix dout) {
        dx = Buffers.reuse(backend, dx, dout.rows(), dout.cols());
        backend.tanhBackward(dout, out, dx);
        return dx;
    }

    @Override public void close() { Buffers.close(out, dx); }
}
