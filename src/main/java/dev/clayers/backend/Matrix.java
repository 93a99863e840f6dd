package dev.clayers.backend;

/**
 * A row-major float32 matrix ({@code rows x cols}) that lives on one {@link Backend}'s device.
 *
 * <p>Only its backend can read or write the data; a matrix handed to another backend is an
 * error, never a hidden copy. Closing releases the device memory; any op on a closed matrix
 * fails with {@link IllegalStateException}.
 */
public abstract class Matrix implements AutoCloseable {
    private final Backend backend;
    private final int rows;
    private final int cols;
    private boolean closed;

    /**
     * For a backend's implementation: a {@code rows x cols} matrix on {@code backend}.
     *
     * @throws IllegalArgumentException when a size is not positive or the matrix has more than 2^31-1 elements
     */
    protected Matrix(Backend backend, int rows, int cols) {
        if (rows <= 0 || cols <= 0) {
            throw new IllegalArgumentException("matrix shape must be positive, got " + rows + "x" + cols);
        }
        if ((long) rows * cols > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("matrix " + rows + "x" + cols + " has more than 2^31-1 elements");
        }
        this.backend = backend;
        this.rows = rows;
        this.cols = cols;
    }

    /** The backend that owns this matrix; only it may read or write the data. */
    public final Backend backend() { return backend; }
    /** Number of rows, positive (the batch dimension for layer inputs). */
    public final int rows() { return rows; }
    /** Number of columns, positive (features per row). */
    public final int cols() { return cols; }
    /** Number of elements, {@code rows * cols}. */
    public final int size() { return rows * cols; }
    /** Device memory the data takes, in bytes: 4 per element. */
    public final long bytes() { return 4L * size(); }
    /** Whether {@link #close()} has released the matrix; any op on it then fails. */
    public final boolean isClosed() { return closed; }
    /** The shape as {@code "rowsxcols"}, used in error messages. */
    public final String shape() { return rows + "x" + cols; }

    @Override
    public final void close() {
        if (!closed) {
            closed = true;
            release();
        }
    }

    /** Frees the device memory; called once. */
    protected abstract void release();

    @Override
    public String toString() { return "Matrix[" + shape() + " on " + backend.id() + (closed ? ", closed]" : "]"); }
}
