package dev.clayers.layer;

import dev.clayers.backend.Matrix;

/**
 * A trainable tensor and its gradient, both owned by the layer. The name is stable
 * ({@code affine1.W}) and used by gradient checks, optimizers and saved models.
 *
 * @param name  the stable name, {@code layer.tensor} ({@code affine1.W})
 * @param value the values the optimizer updates
 * @param grad  dL/dvalue of the last backward pass, same shape
 */
public record Param(String name, Matrix value, Matrix grad) {
    /**
     * Checks the components.
     *
     * @throws IllegalArgumentException when value and grad differ in shape
     */
    public Param {
        if (value.rows() != grad.rows() || value.cols() != grad.cols()) {
            throw new IllegalArgumentException(name + ": value is " + value.shape() + " but grad is " + grad.shape());
        }
    }
}
