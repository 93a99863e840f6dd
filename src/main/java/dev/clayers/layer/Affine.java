package dev.clayers.layer;

import dev.clayers.backend.Backend;
import dev.clayers.backend.Matrix;

import java.util.List;

/**
 * Fully connected layer on a batch: {@code y = x W + b} with x N x in, W in x out, b 1 x out.
 * Backward: {@code dW = x^T dout}, {@code db = column sums of dout} (the bias was broadcast to
 * every row, so its gradient adds up over the rows), {@code dx = dout W^T}.
 */
public final class Affine implements Layer {
    private final Backend backend;
    private final String name;
    private final Matrix w;
    private final Matrix b;
    private final Matrix dW;
    private final Matrix db;
    private final boolean inputGradient;
    private Matrix x;
    private Matrix out;
    private Matrix dx;

    /**
     * Takes ownership of {@code w} (in x out) and {@code b} (1 x out).
     *
     * @param inputGradient whether backward computes dx; the first layer of a network skips it,
     *                      saving one GEMM per step, because its input is the data
     */
    public Affine(Backend backend, String name, Matrix w, Matrix b, boolean inputGradient) {
        if (b.rows() != 1 || b.cols() != w.cols()) {
            throw new IllegalArgumentException(name + ": W is " + w.shape() + " but b is " + b.shape()
                    + "; b must be 1x" + w.cols());
        }
        this.backend = backend;
        this.name = name;
        this.w = w;
        this.b = b;
        this.dW = backend.alloc(w.rows(), w.cols());
        this.db = backend.alloc(1, w.cols());
        this.inputGradient = inputGradient;
    }

    @Override public String name() { return name; }
    /** Features per input row: the rows of W. */
    public int inputs() { return w.rows(); }
    /** Features per output row: the columns of W. */
    public int outputs() { return w.cols(); }

    @Override
    public Matrix forward(Matrix x) {
        Matrix xw = forwardLinear(x);
        backend.addBias(xw, b, xw);
        return xw;
    }

    /**
     * The forward pass without the bias, {@code x W}, for a following layer that adds {@link #bias()}
     * itself in one fused op ({@link Relu#forwardBiased}); backward is unchanged, since it needs
     * only x.
     */
    public Matrix forwardLinear(Matrix x) {
        if (x.cols() != w.rows()) {
            throw new IllegalArgumentException(name + ": input is " + x.shape() + " but W is " + w.shape()
                    + "; input needs " + w.rows() + " columns");
        }
        this.x = x;
        out = Buffers.reuse(backend, out, x.rows(), w.cols());
        backend.gemm(false, false, 1f, x, w, 0f, out);
        return out;
    }

    /** The bias b (1 x out), owned by this layer. */
    public Matrix bias() { return b; }

    @Override
    public Matrix backward(Matrix dout) {
        if (x == null) throw new IllegalStateException(name + ": backward before forward");
        backend.gemm(true, false, 1f, x, dout, 0f, dW);
        backend.sumColumns(dout, db);
        if (!inputGradient) return null;
        dx = Buffers.reuse(backend, dx, dout.rows(), w.rows());
        backend.gemm(false, true, 1f, dout, w, 0f, dx);
        return dx;
    }

    @Override
    public List<Param> params() {
        return List.of(new Param(name + ".W", w, dW), new Param(name + ".b", b, db));
    }

    @Override public void close() { Buffers.close(w, b, dW, db, out, dx); }
}
