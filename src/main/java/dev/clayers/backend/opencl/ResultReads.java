package dev.clayers.backend.opencl;

import dev.clayers.backend.Backend;
import org.jocl.CL;
import org.jocl.CLException;
import org.jocl.Pointer;
import org.jocl.Sizeof;
import org.jocl.cl_command_queue;
import org.jocl.cl_event;
import org.jocl.cl_mem;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayDeque;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Set;

/**
 * What an OpenCL backend reads back besides matrices: the mean loss (read without blocking, so a
 * training step can enqueue its backward pass first) and the gather error flag. Kernels cannot
 * throw, so the gather kernels flag an out-of-range index in {@link #gatherError()}; it is read
 * after an op that waits anyway, and only when a gather ran since the last check. Owns both device
 * buffers. Not thread-safe, as its backend.
 */
final class ResultReads implements AutoCloseable {
    /** Creates a device buffer of the given bytes; may throw CLException. */
    @FunctionalInterface
    interface Creator {
        cl_mem create(long bytes);
    }

    private final cl_command_queue queue;
    private final String deviceId;
    /** Read with blocking reads only (Oclgrind, see {@link DeviceProfile#forDevice}). */
    private final boolean blockingReads;
    private final cl_mem lossOut;        // 2 floats: mean loss, rows with a bad label
    private final cl_mem gatherError;    // 1 int: first out-of-range gather position + 1, or 0
    private boolean gatherPending;
    /** Loss reads enqueued and not yet known complete; their host buffers must stay reachable. */
    private final Set<LossRead> readsInFlight = Collections.newSetFromMap(new IdentityHashMap<>());
    /** Direct host buffers of finished loss reads, for the next ones. */
    private final ArrayDeque<ByteBuffer> spareHostBuffers = new ArrayDeque<>();

    /** Creates both buffers and clears the flag; releases what it made if any step fails. */
    ResultReads(cl_command_queue queue, String deviceId, boolean blockingReads, Creator creator) {
        this.queue = queue;
        this.deviceId = deviceId;
        this.blockingReads = blockingReads;
        cl_mem loss = null;
        try {
            loss = creator.create(2L * Sizeof.cl_float);
            this.gatherError = creator.create(Sizeof.cl_int);
        } catch (RuntimeException e) {
            if (loss != null) CL.clReleaseMemObject(loss);
            throw e;
        }
        this.lossOut = loss;
        try {
            CL.clEnqueueWriteBuffer(queue, gatherError, CL.CL_TRUE, 0, Sizeof.cl_int, Pointer.to(new int[1]), 0, null, null);
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    /** The 2-float buffer the loss kernels write: mean loss, then the count of rows with a bad label. */
    cl_mem lossOut() { return lossOut; }

    /** The 1-int buffer the gather kernels flag into. */
    cl_mem gatherError() { return gatherError; }

    /** Call after enqueueing a gather: the next read checks its flag. */
    void gatherLaunched() { gatherPending = true; }

    /** Throws (and clears the flag) when a gather since the last check met an index out of range. Blocks. */
    void checkGatherError() {
        if (!gatherPending) return;
        gatherPending = false;
        int[] flag = new int[1];
        try {
            CL.clEnqueueReadBuffer(queue, gatherError, CL.CL_TRUE, 0, Sizeof.cl_int, Pointer.to(flag), 0, null, null);
        } catch (CLException e) {
            throw ClErrors.wrap("read the gather error flag on " + deviceId, e);
        }
        if (flag[0] != 0) {
            resetGatherError();
            throw gatherFailure(flag[0]);
        }
    }

    private IndexOutOfBoundsException gatherFailure(int flag) {
        return new IndexOutOfBoundsException("gather on " + deviceId + ": the index at position " + (flag - 1)
                + " is outside the source; the gathered rows got NaN (ints -1)");
    }

    private void resetGatherError() {
        try {
            CL.clEnqueueWriteBuffer(queue, gatherError, CL.CL_TRUE, 0, Sizeof.cl_int, Pointer.to(new int[1]), 0, null, null);
        } catch (CLException e) {
            throw ClErrors.wrap("reset the gather error flag on " + deviceId, e);
        }
    }

    /**
     * Starts reading {@link #lossOut()} back (with the gather error flag, when a gather ran since
     * the last check) without blocking; the returned value waits for that read only, so kernels
     * enqueued after it keep the device busy meanwhile. Each call reads into host buffers of its
     * own, so several may be in flight.
     */
    Backend.Pending lossRead(int rows, int cols) {
        boolean gathers = gatherPending;
        gatherPending = false;
        return new LossRead(rows, cols, gathers);
    }

    /** Call once the queue has finished: every read in flight is complete. */
    void completeAll() {
        for (LossRead r : readsInFlight.toArray(new LossRead[0])) r.complete();
    }

    /** Completes the reads (the queue must have finished) and releases both buffers. */
    @Override
    public void close() {
        completeAll();
        for (cl_mem m : new cl_mem[] {lossOut, gatherError}) if (m != null) CL.clReleaseMemObject(m);
    }

    /**
     * A loss read in flight: the device writes into a direct host buffer (loss, bad-label count,
     * gather flag: 12 bytes), which is kept reachable ({@link #readsInFlight}) until the read is
     * known complete, and taken back for the next read once the numbers are out of it, so a
     * training step allocates no direct memory.
     */
    private final class LossRead implements Backend.Pending {
        private final int rows;
        private final int cols;
        private final boolean gathers;
        private ByteBuffer host = spareHostBuffers.isEmpty()
                ? ByteBuffer.allocateDirect(3 * Sizeof.cl_float).order(ByteOrder.nativeOrder()) : spareHostBuffers.pop();
        private cl_event done = new cl_event();
        private float loss;
        private float bad;
        private int flag;

        LossRead(int rows, int cols, boolean gathers) {
            this.rows = rows;
            this.cols = cols;
            this.gathers = gathers;
            // Blocking reads where the profile asks for them (Oclgrind): then there is no event to wait for.
            boolean blocking = blockingReads;
            if (blocking) done = null;
            try {
                CL.clEnqueueReadBuffer(queue, lossOut, blocking, 0, 2L * Sizeof.cl_float, Pointer.to(host), 0, null,
                        gathers ? null : done);
                if (gathers) {
                    CL.clEnqueueReadBuffer(queue, gatherError, blocking, 0, Sizeof.cl_int,
                            Pointer.to(host).withByteOffset(2L * Sizeof.cl_float), 0, null, done);
                }
            } catch (CLException e) {
                throw ClErrors.wrap("read the loss on " + deviceId, e);
            }
            readsInFlight.add(this);
        }

        /** Releases the event once the read is known to be complete (waited for, or the queue finished). */
        void complete() {
            if (done != null) CL.clReleaseEvent(done);
            done = null;
            readsInFlight.remove(this);
        }

        @Override
        public float get() {
            if (host != null) {
                if (done != null) {
                    try {
                        CL.clWaitForEvents(1, new cl_event[] {done});
                    } catch (CLException e) {
                        throw ClErrors.wrap("read the loss on " + deviceId, e);
                    } finally {
                        complete();
                    }
                }
                loss = host.getFloat(0);
                bad = host.getFloat(Sizeof.cl_float);
                flag = gathers ? host.getInt(2 * Sizeof.cl_float) : 0;
                spareHostBuffers.push(host);
                host = null;
                if (flag != 0) resetGatherError();
            }
            if (flag != 0) throw gatherFailure(flag);
            if (bad != 0f) {
                throw new IllegalArgumentException("softmaxCrossEntropy: " + (long) bad + " of " + rows
                        + " labels are outside 0.." + (cols - 1));
            }
            return loss;
        }
    }
}
