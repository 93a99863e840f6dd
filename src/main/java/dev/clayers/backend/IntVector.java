package dev.clayers.backend;

/**
 * A vector of 32-bit ints on one {@link Backend}'s device: class labels, row indices, argmax results.
 * Same ownership rules as {@link Matrix}.
 */
public abstract class IntVector implements AutoCloseable {
    private final Backend backend;
    private final int length;
    private boolean closed;

    /**
     * For a backend's implementation: a vector of {@code length} ints on {@code backend}.
     *
     * @throws IllegalArgumentException when length is not positive
     */
    protected IntVector(Backend backend, int length) {
        if (length <= 0) {
            throw new IllegalArgumentException("int vector length must be positive, got " + length);
        }
        this.backend = backend;
        this.length = length;
    }

    /** The backend that owns this vector; only it may read or write it. */
    public final Backend backend() { return backend; }
    /** Number of ints, positive. */
    public final int length() { return length; }
    /** Whether {@link #close()} has released the vector; any op on it then fails. */
    public final boolean isClosed() { return closed; }

    @Override
    public final void close() {
        if (!closed) {
            closed = true;
            release();
        }
    }

    /** Frees the device memory; called once, by the first {@link #close()}. */
    protected abstract void release();

    @Override
    public String toString() { return "IntVector[" + length + " on " + backend.id() + (closed ? ", closed]" : "]"); }
}
