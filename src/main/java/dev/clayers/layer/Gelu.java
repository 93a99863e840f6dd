package dev.clayers.layer;

import dev.clayers.backend.Backend;
import dev.clayers.backend.ElementOp;

/**
 * GELU, tanh approximation (PyTorch's {@code GELU(approximate='tanh')}):
 * {@code y = 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))}; backward uses the cached input,
 * {@code dx = dout * gelu'(x)} (see {@link ElementOp#GELU_BACKWARD}).
 */
public final class Gelu extends ElementActivation {
    /** A GELU layer named {@code name} on {@code backend}. */
    public Gelu(Backend backend, String name) {
        super(backend, name, ElementOp.GELU_FORWARD, ElementOp.GELU_BACKWARD);
    }
}
