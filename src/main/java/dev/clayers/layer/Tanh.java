package dev.clayers.layer;

import dev.clayers.backend.Backend;
import dev.clayers.backend.Matrix;

/** Tanh: {@code y = tanh(x)}; backward uses the cached output, {@code dx = dout * (1 - y^2)}. */
public final class Tanh extends OutputActivation {
    public Tanh(Backend backend, String name) {
        super(backend, name);
    }

    @Override void forward(Matrix x, Matrix y) { backend.tanhForward(x, y); }

    @Override void backward(Matrix dout, Matrix y, Matrix dx) { backend.tanhBackward(dout, y, dx); }
}
