package dev.clayers.layer;

import dev.clayers.backend.Backend;
import dev.clayers.backend.ElementOp;

/** Tanh: {@code y = tanh(x)}; backward uses the cached output, {@code dx = dout * (1 - y^2)}. */
public final class Tanh extends ElementActivation {
    /** A tanh layer named {@code name} on {@code backend}. */
    public Tanh(Backend backend, String name) {
        super(backend, name, ElementOp.TANH_FORWARD, ElementOp.TANH_BACKWARD);
    }
}
