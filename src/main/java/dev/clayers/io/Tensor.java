package dev.clayers.io;

import java.util.Arrays;

/**
 * A named, row-major float32 tensor of rank 1 ({@code [n]}) or 2 ({@code [rows, cols]}), the unit a
 * safetensors file stores.
 *
 * <p>The shape is copied on the way in and out (it is tiny); the data array is shared, not copied,
 * so that saving or loading a model never holds two copies of its weights. {@link #equals} and
 * {@link #hashCode} compare contents, with data compared bit for bit.
 *
 * @param name  tensor name, e.g. {@code affine1.W}; not {@code __metadata__}, which the format reserves
 * @param shape dimensions, each {@code >= 0}
 * @param data  {@code product(shape)} values, row-major
 */
public record Tensor(String name, int[] shape, float[] data) {
    /** The highest rank read and written: 4, for conv filters in PyTorch's (out, in, kh, kw) layout. */
    public static final int MAX_RANK = 4;

    /**
     * Checks the name, shape and data length and copies the shape.
     *
     * @throws IllegalArgumentException naming the tensor when one is wrong
     */
    public Tensor {
        if (name == null) {
            throw new IllegalArgumentException("tensor name must not be null");
        }
        if (name.equals(Safetensors.METADATA_KEY)) {
            throw new IllegalArgumentException("tensor name " + Safetensors.METADATA_KEY + " is reserved for metadata");
        }
        if (shape == null || data == null) {
            throw new IllegalArgumentException("tensor '" + name + "' needs a shape and data");
        }
        shape = shape.clone();
        if (shape.length < 1 || shape.length > MAX_RANK) {
            throw new IllegalArgumentException("tensor '" + name + "' has rank " + shape.length
                    + " shape " + Arrays.toString(shape) + "; only rank 1 to " + MAX_RANK + " is supported");
        }
        long count = 1;
        for (int dim : shape) {
            if (dim < 0) {
                throw new IllegalArgumentException("tensor '" + name + "' has negative dimension in shape "
                        + Arrays.toString(shape));
            }
            count *= dim;
            if (count > Integer.MAX_VALUE) {   // checked per step, so four dimensions cannot overflow the long
                throw new IllegalArgumentException("tensor '" + name + "' shape " + Arrays.toString(shape)
                        + " has more than 2^31-1 values");
            }
        }
        if (count != data.length) {
            throw new IllegalArgumentException("tensor '" + name + "' shape " + Arrays.toString(shape) + " needs "
                    + count + " values but data has " + data.length);
        }
    }

    /** Convenience for a {@code rows x cols} matrix. */
    public static Tensor matrix(String name, int rows, int cols, float[] data) {
        return new Tensor(name, new int[] {rows, cols}, data);
    }

    /** The dimensions, a copy. */
    @Override
    public int[] shape() {
        return shape.clone();
    }

    /** Number of dimensions (1 to {@link #MAX_RANK}). */
    public int rank() {
        return shape.length;
    }

    /** Size of dimension {@code i}. */
    public int dim(int i) {
        return shape[i];
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof Tensor other)) {
            return false;
        }
        if (!name.equals(other.name) || !Arrays.equals(shape, other.shape) || data.length != other.data.length) {
            return false;
        }
        for (int i = 0; i < data.length; i++) {
            if (Float.floatToRawIntBits(data[i]) != Float.floatToRawIntBits(other.data[i])) {
                return false;
            }
        }
        return true;
    }

    @Override
    public int hashCode() {
        return 31 * (31 * name.hashCode() + Arrays.hashCode(shape)) + Arrays.hashCode(data);
    }

    /** Name and shape only: printing a weight matrix is never what a log wants. */
    @Override
    public String toString() {
        return "Tensor[" + name + " " + Arrays.toString(shape) + "]";
    }
}
