package dev.clayers.layer;

import dev.clayers.backend.Backend;
import dev.clayers.backend.ElementOp;

/** Sigmoid: {@code y = 1 / (1 + exp(-x))}; backward uses the cached output, {@code dx = dout * y * (1 - y)}. */
public final class Sigmoid extends ElementActivation {
    /** A sigmoid layer named {@code name} on {@code backend}. */
    public Sigmoid(Backend backend, String name) {
        super(backend, name, ElementOp.SIGMOID_FORWARD, ElementOp.SIGMOID_BACKWARD);
    }
}
