package dev.clayers.layer;

import dev.clayers.backend.Backend;
import dev.clayers.backend.ConvGeometry;
import dev.clayers.backend.Matrix;

import java.util.List;

/**
 * 2-D convolution (cross-correlation, as the book and PyTorch compute it) of a batch of images,
 * the book's im2col way: unfold every window into a row ({@code col}, (N*P) x (C*K*K)), multiply
 * by the filters with the backend's gemm ({@code y = col W^T + b}, (N*P) x F), and transpose
 * each image's P x F block into the F x P layout of an image row ({@code out}, N x (F*P)).
 *
 * <p>W is F x (C*K*K): row f is filter f in (channel, ky, kx) order, which is PyTorch's
 * {@code (out, in, kh, kw)} layout flattened, so a saved W reads as a 4-D tensor unchanged.
 * Backward: {@code dy} = dout transposed back to (N*P) x F; {@code dW = dy^T col};
 * {@code db = column sums of dy} (the bias is added at every position of every image);
 * {@code dcol = dy W} and {@code dx = col2im(dcol)}, which adds up every window a pixel was in.
 */
public final class Convolution implements Layer {
    private final Backend backend;
    private final String name;
    private final ConvGeometry g;
    private final Matrix w;
    private final Matrix b;
    private final Matrix dW;
    private final Matrix db;
    private final boolean inputGradient;
    private Matrix col;
    private Matrix y;      // (N*P) x F: the gemm's product, and dy in backward (y itself is not needed there)
    private Matrix out;
    private Matrix dcol;
    private Matrix dx;

    /**
     * Takes ownership of {@code w} (F x C*K*K) and {@code b} (1 x F).
     *
     * @param inputGradient whether backward computes dx; the first layer of a network skips it
     *                      (its input is the data), saving a gemm and a col2im per step
     */
    public Convolution(Backend backend, String name, ConvGeometry g, Matrix w, Matrix b, boolean inputGradient) {
        if (w.cols() != g.patchSize() || b.rows() != 1 || b.cols() != w.rows()) {
            throw new IllegalArgumentException(name + ": W is " + w.shape() + " and b " + b.shape() + " but windows of "
                    + g.describe() + " need W Fx" + g.patchSize() + " and b 1xF");
        }
        this.backend = backend;
        this.name = name;
        this.g = g;
        this.w = w;
        this.b = b;
        this.dW = backend.alloc(w.rows(), w.cols());
        this.db = backend.alloc(1, w.rows());
        this.inputGradient = inputGradient;
    }

    @Override public String name() { return name; }
    /** The input images, filter size, stride and padding. */
    public ConvGeometry geometry() { return g; }
    /** Number of filters: the output channels. */
    public int filters() { return w.rows(); }

    @Override
    public Matrix forward(Matrix x) {
        if (x.cols() != g.imageSize()) {
            throw new IllegalArgumentException(name + ": input is " + x.shape() + " but images of " + g.channels() + "x"
                    + g.height() + "x" + g.width() + " need " + g.imageSize() + " columns");
        }
        int n = x.rows(), p = g.positions(), f = filters();
        if ((long) n * p * Math.max(g.patchSize(), f) > dev.clayers.Limits.MAX_MATRIX_ELEMENTS) {
            throw new IllegalArgumentException(name + ": a batch of " + n + " images of " + g.describe() + " unfolds into "
                    + (long) n * p + " x " + Math.max(g.patchSize(), f) + " values, more than one matrix can hold ("
                    + dev.clayers.Limits.format(dev.clayers.Limits.MAX_MATRIX_ELEMENTS) + "); use a smaller batch");
        }
        col = Buffers.reuse(backend, col, n * p, g.patchSize());
        y = Buffers.reuse(backend, y, n * p, f);
        out = Buffers.reuse(backend, out, n, f * p);
        backend.im2col(x, g, col);
        backend.gemm(false, true, 1f, col, w, 0f, y);
        backend.addBias(y, b, y);
        backend.transposeBlocks(y, p, f, out);
        return out;
    }

    @Override
    public Matrix backward(Matrix dout) {
        if (col == null) throw new IllegalStateException(name + ": backward before forward");
        int p = g.positions(), f = filters();
        if (dout.rows() * p != col.rows() || dout.cols() != f * p) {
            throw new IllegalArgumentException(name + ": dout is " + dout.shape() + " but the forward output was "
                    + out.shape());
        }
        Matrix dy = y;
        backend.transposeBlocks(dout, f, p, dy);
        backend.gemm(true, false, 1f, dy, col, 0f, dW);
        backend.sumColumns(dy, db);
        if (!inputGradient) return null;
        dcol = Buffers.reuse(backend, dcol, col.rows(), col.cols());
        dx = Buffers.reuse(backend, dx, dout.rows(), g.imageSize());
        backend.gemm(false, false, 1f, dy, w, 0f, dcol);
        backend.col2im(dcol, g, dx);
        return dx;
    }

    @Override
    public List<Param> params() {
        return List.of(new Param(name + ".W", w, dW), new Param(name + ".b", b, db));
    }

    @Override public void close() { Buffers.close(w, b, dW, db, col, y, out, dcol, dx); }
}
