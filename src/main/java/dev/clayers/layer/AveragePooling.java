package dev.clayers.layer;

import dev.clayers.backend.Backend;
import dev.clayers.backend.ConvGeometry;
import dev.clayers.backend.Matrix;

/**
 * Average pooling per channel over square windows, PyTorch's {@code AvgPool2d} without padding:
 * each output is its window's mean; backward spreads each gradient evenly, {@code dout / (K*K)},
 * over the window's pixels (where windows overlap, the shares add). Caches nothing: the gradient
 * does not depend on the input. Input and output are image rows (N x C*H*W, N x C*OH*OW).
 */
public final class AveragePooling implements Layer {
    private final Backend backend;
    private final String name;
    private final ConvGeometry g;
    private Matrix out;
    private Matrix dx;

    /**
     * An average pooling layer named {@code name} over the windows of {@code g}.
     *
     * @throws IllegalArgumentException when {@code g} has padding
     */
    public AveragePooling(Backend backend, String name, ConvGeometry g) {
        if (g.pad() != 0) throw new IllegalArgumentException(name + ": average pooling takes no padding, got " + g.describe());
        this.backend = backend;
        this.name = name;
        this.g = g;
    }

    @Override public String name() { return name; }
    /** The images and windows this layer pools. */
    public ConvGeometry geometry() { return g; }

    @Override
    public Matrix forward(Matrix x) {
        if (x.cols() != g.imageSize()) {
            throw new IllegalArgumentException(name + ": input is " + x.shape() + " but images of " + g.channels() + "x"
                    + g.height() + "x" + g.width() + " need " + g.imageSize() + " columns");
        }
        long pooled = (long) g.channels() * g.positions();
        out = Buffers.reuse(backend, out, x.rows(), Math.toIntExact(pooled));
        backend.avgPoolForward(x, g, out);
        return out;
    }

    @Override
    public Matrix backward(Matrix dout) {
        if (out == null) throw new IllegalStateException(name + ": backward before forward");
        dx = Buffers.reuse(backend, dx, dout.rows(), g.imageSize());
        backend.avgPoolBackward(dout, g, dx);
        return dx;
    }

    @Override
    public void close() { Buffers.close(out, dx); }
}
