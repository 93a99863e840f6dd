package dev.clayers.backend;

/**
 * A vector of 32-bit ints on one {@link Backend}'s device: class labels, row indices, argmax results.
 * Same ownership rules as {@link Matrix}.
 */
public abstract class IntVector implements AutoCloseable {
    private final Backend backend;
    private final int length;
    private boolean closed;

    protected IntVector(Backend backend, int length) {
        if (length <= 0) {
            throw new IllegalArgumentException("int vector length must be positive, got " + length);
        }
        this.backend = backend;
        this.length = length;
    }

    public final Backend backend() { return backend; }
    public final int length() { return length; }
    public final boolean isClosed() { return closed; }

    @Override
    public final void close() {
        if (!closed) {
            closed = true;
            release();
        }
    }

    protected abstract void release();

    @Override
    public String toString() { return "IntVector[" + length + " on " + backend.id() + (closed ? ", closed]" : "]"); }
}
