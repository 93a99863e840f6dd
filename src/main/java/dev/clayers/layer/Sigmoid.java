package dev.clayers.layer;

import dev.clayers.backend.Backend;
import dev.clayers.backend.Matrix;

/** Sigmoid: {@code y = 1 / (1 + exp(-x))}; backward uses the cached output, {@code dx = dout * y * (1 - y)}. */
public final class Sigmoid extends OutputActivation {
    public Sigmoid(Backend backend, String name) {
        super(backend, name);
    }

    @Override void forward(Matrix x, Matrix y) { backend.sigmoidForward(x, y); }

    @Override void backward(Matrix dout, Matrix y, Matrix dx) { backend.sigmoidBackward(dout, y, dx); }
}
