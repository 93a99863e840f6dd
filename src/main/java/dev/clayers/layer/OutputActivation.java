package dev.clayers.layer;

import dev.clayers.backend.Backend;
import dev.clayers.backend.Matrix;

/**
 * An element-wise activation whose derivative is a function of its output (sigmoid: y(1 - y), tanh:
 * 1 - y^2), so the layer caches only y. Subclasses name the two backend ops; the buffers, their
 * reuse across steps of one batch size and their release live here once.
 */
abstract class OutputActivation implements Layer {
    protected final Backend backend;
    private final String name;
    private Matrix out;
    private Matrix dx;

    OutputActivation(Backend backend, String name) {
        this.backend = backend;
        this.name = name;
    }

    /** Writes the activation of {@code x} into {@code y}. */
    abstract void forward(Matrix x, Matrix y);

    /** Writes {@code dout} times the derivative, computed from the cached output {@code y}, into {@code dx}. */
    abstract void backward(Matrix dout, Matrix y, Matrix dx);

    @Override public final String name() { return name; }

    @Override
    public final Matrix forward(Matrix x) {
        out = Buffers.reuse(backend, out, x.rows(), x.cols());
        forward(x, out);
        return out;
    }

    @Override
    public final Matrix backward(Matrix dout) {
        dx = Buffers.reuse(backend, dx, dout.rows(), dout.cols());
        backward(dout, out, dx);
        return dx;
    }

    @Override public final void close() { Buffers.close(out, dx); }
}
