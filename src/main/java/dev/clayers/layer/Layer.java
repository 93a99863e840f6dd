package dev.clayers.layer;

import dev.clayers.backend.Matrix;

import java.util.List;

/**
 * One step of a network: {@code forward(x) -> y}, {@code backward(dout) -> dx}.
 *
 * <p>A layer owns its output and gradient buffers and reuses them while the batch size stays
 * the same, so the returned matrices are valid until the next call of the same method; the
 * caller must not close them. {@code backward} must follow the {@code forward} whose input it
 * differentiates. Input matrices are never modified.
 */
public interface Layer extends AutoCloseable {

    /** The layer's name, used as the prefix of its parameter names ({@code affine1}). */
    String name();

    /**
     * The layer's output for a batch {@code x} (one row per example); owned by the layer and overwritten by the next
     * call.
     */
    Matrix forward(Matrix x);

    /**
     * @return dL/dx, or {@code null} when this layer was told its input gradient is not needed
     *         (the first layer of a network: its input is the data)
     */
    Matrix backward(Matrix dout);

    /** Trainable parameters with their gradients (filled by {@link #backward}). */
    default List<Param> params() {
        return List.of();
    }

    /**
     * Tensors the layer keeps besides its parameters, which a saved model must hold too (batch
     * normalization's running averages), by name ({@code batchnorm1.running_mean}). No gradients;
     * training updates them in the forward pass.
     */
    default java.util.Map<String, Matrix> state() {
        return java.util.Map.of();
    }

    /**
     * The choices the last forward pass made where the layer is not differentiable (ReLU's mask,
     * max pooling's argmax), copied to the host; {@code null} for a smooth layer. A numerical
     * gradient whose step changes them crossed a kink, and that entry proves nothing.
     */
    default float[] choices() {
        return null;
    }

    /** Releases every buffer the layer owns, parameters included. */
    @Override
    void close();
}
