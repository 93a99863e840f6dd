package dev.clayers.backend.opencl;

import org.jocl.CL;
import org.jocl.Sizeof;
import org.jocl.cl_mem;

/**
 * A scratch buffer a backend owns and reuses (per-row losses, column-sum partials, gemm's packed
 * operands): it grows when an op needs more floats than it holds and is never shrunk, so a
 * training step at a steady batch size allocates no device memory. Not counted among the live
 * buffers of {@code Backend.liveBuffers()}. Not thread-safe, as its backend.
 */
final class GrowingBuffer implements AutoCloseable {
    /** Allocates a device buffer, failing with a message that names {@code what} (out of memory included). */
    @FunctionalInterface
    interface Allocator {
        cl_mem allocate(long bytes, String what);
    }

    private final String what;
    private final Allocator allocator;
    private cl_mem mem;
    private long floats;

    /** {@code what} names the buffer in error messages ("the column-sum scratch"). */
    GrowingBuffer(String what, Allocator allocator) {
        this.what = what;
        this.allocator = allocator;
    }

    /** A buffer of at least {@code needed} floats: the one held, or a new one replacing it. */
    cl_mem atLeast(long needed) {
        if (needed > floats) {
            if (needed > Long.MAX_VALUE / Sizeof.cl_float) {
                throw new IllegalArgumentException(what + ": " + needed + " floats do not fit in a buffer's byte count");
            }
            release();
            mem = allocator.allocate(needed * Sizeof.cl_float, what);
            floats = needed;
        }
        return mem;
    }

    private void release() {
        if (mem != null) CL.clReleaseMemObject(mem);
        mem = null;
        floats = 0;
    }

    @Override
    public void close() { release(); }
}
