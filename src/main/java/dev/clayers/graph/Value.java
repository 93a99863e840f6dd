package dev.clayers.graph;

import java.util.Arrays;
import java.util.function.DoubleBinaryOperator;
import java.util.function.DoubleUnaryOperator;

/**
 * What flows along an edge of a {@link Graph}: a scalar, a vector or a small row-major matrix, in
 * double precision (these graphs are for reading, not for speed). The shape has rank 0, 1 or 2,
 * written the book's way: {@code ()}, {@code (3)}, {@code (2, 3)}.
 */
public record Value(int[] shape, double[] data) {
    public Value {
        shape = shape.clone();
        data = data.clone();
        if (shape.length > 2) throw new IllegalArgumentException("values have rank 0, 1 or 2, got shape " + Arrays.toString(shape));
        int n = 1;
        for (int d : shape) {
            if (d <= 0) throw new IllegalArgumentException("shape must be positive, got " + Arrays.toString(shape));
            n *= d;
        }
        if (n != data.length) {
            throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " needs " + n + " numbers, got " + data.length);
        }
    }

    public static Value scalar(double v) { return new Value(new int[0], new double[] {v}); }
    public static Value vector(double... v) { return new Value(new int[] {v.length}, v); }
    public static Value matrix(int rows, int cols, double... v) { return new Value(new int[] {rows, cols}, v); }

    /** Ones of the given shape: the seed gradient dL/dout of a backward pass. */
    public static Value ones(int[] shape) {
        int n = 1;
        for (int d : shape) n *= d;
        double[] v = new double[n];
        Arrays.fill(v, 1);
        return new Value(shape, v);
    }

    public int rank() { return shape.length; }
    public int size() { return data.length; }
    public boolean isScalar() { return shape.length == 0; }
    /** Rows as a matrix: 1 for scalars and vectors. */
    public int rows() { return shape.length == 2 ? shape[0] : 1; }
    /** Columns as a matrix: the length for vectors, 1 for scalars. */
    public int cols() { return shape.length == 0 ? 1 : shape[shape.length - 1]; }
    public double get(int i) { return data[i]; }
    public double get(int r, int c) { return data[r * cols() + c]; }
    /** The only number of a scalar. */
    public double scalarValue() {
        if (!isScalar()) throw new IllegalStateException("not a scalar: shape " + shapeText());
        return data[0];
    }

    @Override public int[] shape() { return shape.clone(); }
    @Override public double[] data() { return data.clone(); }

    public boolean sameShape(Value o) { return Arrays.equals(shape, o.shape); }

    public Value map(DoubleUnaryOperator f) {
        double[] out = new double[data.length];
        for (int i = 0; i < out.length; i++) out[i] = f.applyAsDouble(data[i]);
        return new Value(shape, out);
    }

    /** Element by element; both values must have the same shape. */
    public Value zip(Value o, DoubleBinaryOperator f) {
        if (!sameShape(o)) throw new IllegalArgumentException("shapes differ: " + shapeText() + " and " + o.shapeText());
        double[] out = new double[data.length];
        for (int i = 0; i < out.length; i++) out[i] = f.applyAsDouble(data[i], o.data[i]);
        return new Value(shape, out);
    }

    /** {@code this}<sup>T</sup> of a matrix. */
    public Value transpose() {
        if (rank() != 2) throw new IllegalArgumentException("transpose needs a matrix, got shape " + shapeText());
        int r = rows(), c = cols();
        double[] out = new double[data.length];
        for (int i = 0; i < r; i++) for (int j = 0; j < c; j++) out[j * r + i] = data[i * c + j];
        return matrix(c, r, out);
    }

    /** Matrix product {@code this . o}: (n, k) . (k, m) = (n, m). */
    public Value dot(Value o) {
        if (rank() != 2 || o.rank() != 2 || cols() != o.rows()) {
            throw new IllegalArgumentException("dot needs (n, k) . (k, m), got " + shapeText() + " . " + o.shapeText());
        }
        int n = rows(), k = cols(), m = o.cols();
        double[] out = new double[n * m];
        for (int i = 0; i < n; i++) for (int p = 0; p < k; p++) for (int j = 0; j < m; j++) out[i * m + j] += data[i * k + p] * o.data[p * m + j];
        return matrix(n, m, out);
    }

    /** Column sums of a matrix: the vector that a bias broadcast over the rows gets as its gradient. */
    public Value sumRows() {
        double[] out = new double[cols()];
        for (int i = 0; i < data.length; i++) out[i % cols()] += data[i];
        return vector(out);
    }

    public double sum() {
        double s = 0;
        for (double d : data) s += d;
        return s;
    }

    /** {@code ()}, {@code (3)}, {@code (2, 3)}. */
    public String shapeText() {
        StringBuilder sb = new StringBuilder("(");
        for (int i = 0; i < shape.length; i++) sb.append(i > 0 ? ", " : "").append(shape[i]);
        return sb.append(')').toString();
    }

    /** The numbers, one line per matrix row: {@code 220}, {@code [1 2 3]}. */
    public String[] lines() { return lines(Numbers::format); }

    /** {@link #lines()} with each number written by {@code fmt}. */
    public String[] lines(java.util.function.DoubleFunction<String> fmt) {
        if (isScalar()) return new String[] {fmt.apply(data[0])};
        String[] out = new String[rows()];
        for (int r = 0; r < rows(); r++) {
            StringBuilder sb = new StringBuilder("[");
            for (int c = 0; c < cols(); c++) sb.append(c > 0 ? " " : "").append(fmt.apply(get(r, c)));
            out[r] = sb.append(']').toString();
        }
        return out;
    }

    @Override public String toString() { return isScalar() ? lines()[0] : shapeText() + " " + String.join(" ", lines()); }

    @Override
    public boolean equals(Object o) {
        return o instanceof Value v && Arrays.equals(shape, v.shape) && Arrays.equals(data, v.data);
    }

    @Override public int hashCode() { return 31 * Arrays.hashCode(shape) + Arrays.hashCode(data); }
}
