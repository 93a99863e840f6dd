package dev.clayers.layer;

import dev.clayers.backend.Backend;
import dev.clayers.backend.IntVector;
import dev.clayers.backend.Matrix;

/**
 * Softmax followed by mean cross-entropy against integer labels. Forward returns the loss
 * (one scalar read back); backward returns {@code dout * (y - t) / N}, dividing by N because the
 * loss is the batch mean.
 */
public final class SoftmaxWithLoss implements AutoCloseable {
    private final Backend backend;
    private Matrix probs;
    private Matrix dx;
    private IntVector labels;
    /** The dout that {@link #dx} was computed for by {@link #forwardWithGradient}; NaN when none. */
    private float gradientScale = Float.NaN;

    /** The loss layer on {@code backend}; its buffers are allocated at the first forward pass. */
    public SoftmaxWithLoss(Backend backend) {
        this.backend = backend;
    }

    /**
     * @throws NonFiniteLossException when the loss is NaN or infinite (diverged training, bad input)
     */
    public float forward(Matrix x, IntVector t) {
        probs = Buffers.reuse(backend, probs, x.rows(), x.cols());
        labels = t;
        gradientScale = Float.NaN;
        return checked(backend.softmaxCrossEntropy(x, t, probs), x.rows());
    }

    /**
     * {@link #forward} that also computes the gradient for {@code backward(dout)} in the same
     * pass ({@link Backend#softmaxCrossEntropyWithGradient}): training always needs both.
     *
     * @throws NonFiniteLossException as {@link #forward}
     */
    public float forwardWithGradient(Matrix x, IntVector t, float dout) {
        return forwardWithGradientAsync(x, t, dout).get();
    }

    /**
     * {@link #forwardWithGradient} that does not wait for the loss
     * ({@link Backend#softmaxCrossEntropyWithGradientAsync}): {@code backward(dout)} can be called,
     * and the layers' backward passes enqueued, before {@link Backend.Pending#get} waits for it.
     * get() throws {@link NonFiniteLossException} as {@link #forward} does.
     */
    public Backend.Pending forwardWithGradientAsync(Matrix x, IntVector t, float dout) {
        probs = Buffers.reuse(backend, probs, x.rows(), x.cols());
        dx = Buffers.reuse(backend, dx, x.rows(), x.cols());
        labels = t;
        gradientScale = Float.NaN;
        Backend.Pending loss = backend.softmaxCrossEntropyWithGradientAsync(x, t, probs, dout, dx);
        gradientScale = dout;
        int rows = x.rows();
        return () -> checked(loss.get(), rows);
    }

    private static float checked(float loss, int rows) {
        if (!Float.isFinite(loss)) {
            throw new NonFiniteLossException("loss is " + loss + " for a batch of " + rows
                    + ": the logits hold NaN or infinity (diverging weights or bad input); lower the learning rate"
                    + " or check the data");
        }
        return loss;
    }

    /** The probabilities of the last forward pass (owned by this layer). */
    public Matrix probs() { return probs; }

    /**
     * dL/dx of the last forward pass, scaled by {@code dout} (1 for the mean loss):
     * {@code dout (probs - onehot) / rows}.
     *
     * @throws IllegalStateException before any forward pass
     */
    public Matrix backward(float dout) {
        if (labels == null) throw new IllegalStateException("softmax-with-loss: backward before forward");
        if (dout == gradientScale) return dx;   // already computed by forwardWithGradient
        dx = Buffers.reuse(backend, dx, probs.rows(), probs.cols());
        backend.softmaxCrossEntropyBackward(probs, labels, dout, dx);
        return dx;
    }

    @Override public void close() { Buffers.close(probs, dx); }
}
