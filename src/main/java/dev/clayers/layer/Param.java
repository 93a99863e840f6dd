package dev.clayers.layer;

import dev.clayers.backend.Matrix;

/**
 * A trainable tensor and its gradient, both owned by the layer. The name is stable
 * ({@code affine1.W}) and used by gradient checks, optimizers and saved models.
 */
public record Param(String name, Matrix value, Matrix grad) {
    public Param {
        if (value.rows() != grad.rows() || value.cols() != grad.cols()) {
            throw new IllegalArgumentException(name + ": value is " + value.shape() + " but grad is " + grad.shape());
        }
    }
}
