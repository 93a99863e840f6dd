package dev.clayers.layer;

import dev.clayers.backend.Backend;
import dev.clayers.backend.ElementOp;
import dev.clayers.backend.Matrix;

/**
 * Inverted dropout: in a training pass each unit is kept with probability {@code 1 - ratio} and
 * scaled by {@code 1 / (1 - ratio)}, so inference needs no rescaling and passes x through
 * unchanged. The mask comes from a counter-based hash of the step's seed, so the same seed draws
 * the same units on every device and a resumed run repeats the same masks.
 */
public final class Dropout implements Layer, TrainingMode {
    private final Backend backend;
    private final String name;
    private final float ratio;
    private boolean training;
    private int seed;
    private int firstRow;
    private boolean masked;
    private Matrix mask;
    private Matrix out;
    private Matrix dx;

    /**
     * A dropout layer named {@code name} that zeroes each unit with probability {@code ratio} while training.
     *
     * @throws IllegalArgumentException when ratio is outside [0, 1)
     */
    public Dropout(Backend backend, String name, float ratio) {
        if (!(ratio >= 0f && ratio < 1f)) throw new IllegalArgumentException("dropout ratio must be in [0, 1), got " + ratio);
        this.backend = backend;
        this.name = name;
        this.ratio = ratio;
    }

    @Override public String name() { return name; }
    /** Fraction of units dropped while training, in [0, 1). */
    public float ratio() { return ratio; }

    /**
     * Training passes drop units with this step's seed; inference passes are the identity. Row r
     * of a batch draws the mask of row {@code firstRow + r} of the whole batch.
     */
    @Override
    public void setTraining(boolean training, int seed, int firstRow) {
        if (firstRow < 0) throw new IllegalArgumentException("first row must be >= 0, got " + firstRow);
        this.training = training;
        this.seed = seed;
        this.firstRow = firstRow;
    }

    @Override
    public Matrix forward(Matrix x) {
        masked = training && ratio > 0f;
        if (!masked) return x;
        mask = Buffers.reuse(backend, mask, x.rows(), x.cols());
        out = Buffers.reuse(backend, out, x.rows(), x.cols());
        // Element (r, j) draws u(seed, (firstRow + r) * cols + j): a share of a batch gets the whole batch's mask rows.
        long first = (long) firstRow * x.cols();
        if (first + x.size() > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(name + ": rows " + firstRow + ".." + (firstRow + x.rows()) + " of " + x.cols()
                    + " units pass the 2^31 elements a dropout mask can count");
        }
        backend.dropoutMask(mask, ratio, seed, (int) first);
        backend.elementwise(ElementOp.MULTIPLY, x, mask, out);
        return out;
    }

    @Override
    public Matrix backward(Matrix dout) {
        if (!masked) return dout;
        dx = Buffers.reuse(backend, dx, dout.rows(), dout.cols());
        backend.elementwise(ElementOp.MULTIPLY, dout, mask, dx);
        return dx;
    }

    @Override public void close() { Buffers.close(mask, out, dx); }
}
