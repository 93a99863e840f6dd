package dev.clayers.layer;

import dev.clayers.backend.Backend;
import dev.clayers.backend.IntVector;
import dev.clayers.backend.Matrix;

/** Reuse of layer-owned buffers across steps of the same batch size. */
final class Buffers {
    private Buffers() {}

    /** Returns {@code current} when it already has the shape, else closes it and allocates anew. */
    static Matrix reuse(Backend backend, Matrix current, int rows, int cols) {
        if (current != null && !current.isClosed() && current.rows() == rows && current.cols() == cols) {
            return current;
        }
        if (current != null) current.close();
        return backend.alloc(rows, cols);
    }

    static void close(Matrix... ms) {
        for (Matrix m : ms) if (m != null) m.close();
    }

    /** {@link #reuse} for int vectors. */
    static IntVector reuseInts(Backend backend, IntVector current, int length) {
        if (current != null && !current.isClosed() && current.length() == length) return current;
        if (current != null) current.close();
        return backend.allocInts(length);
    }
}
