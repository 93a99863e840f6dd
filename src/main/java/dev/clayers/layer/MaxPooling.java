package dev.clayers.layer;

import dev.clayers.backend.Backend;
import dev.clayers.backend.ConvGeometry;
import dev.clayers.backend.IntVector;
import dev.clayers.backend.Matrix;

/**
 * Max pooling per channel over square windows. Forward keeps, for each window, where its maximum
 * was (the first one in row-major order on ties); backward routes each gradient to that pixel
 * only, as the book's argmax mask does. Input and output are image rows (N x C*H*W, N x C*OH*OW).
 */
public final class MaxPooling implements Layer {
    private final Backend backend;
    private final String name;
    private final ConvGeometry g;
    private Matrix out;
    private IntVector argmax;
    private Matrix dx;

    /** A max pooling layer named {@code name} over the windows of {@code g}. */
    public MaxPooling(Backend backend, String name, ConvGeometry g) {
        this.backend = backend;
        this.name = name;
        this.g = g;
    }

    @Override public String name() { return name; }
    /** The images and windows this layer pools. */
    public ConvGeometry geometry() { return g; }

    /** Where each window's maximum was in the last forward pass (in-plane index y*W + x), or null before one. */
    public IntVector argmax() { return argmax; }

    @Override
    public float[] choices() {
        if (argmax == null) return null;
        int[] at = backend.downloadInts(argmax);
        float[] f = new float[at.length];
        for (int i = 0; i < at.length; i++) f[i] = at[i];
        return f;
    }

    @Override
    public Matrix forward(Matrix x) {
        if (x.cols() != g.imageSize()) {
            throw new IllegalArgumentException(name + ": input is " + x.shape() + " but images of " + g.channels() + "x"
                    + g.height() + "x" + g.width() + " need " + g.imageSize() + " columns");
        }
        int pooled = g.channels() * g.positions();
        out = Buffers.reuse(backend, out, x.rows(), pooled);
        argmax = Buffers.reuseInts(backend, argmax, x.rows() * pooled);
        backend.maxPoolForward(x, g, out, argmax);
        return out;
    }

    @Override
    public Matrix backward(Matrix dout) {
        if (argmax == null) throw new IllegalStateException(name + ": backward before forward");
        dx = Buffers.reuse(backend, dx, dout.rows(), g.imageSize());
        backend.maxPoolBackward(dout, argmax, g, dx);
        return dx;
    }

    @Override
    public void close() {
        Buffers.close(out, dx);
        if (argmax != null) argmax.close();
    }
}
