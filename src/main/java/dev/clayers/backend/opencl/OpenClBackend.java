package dev.clayers.backend.opencl;

import dev.clayers.backend.AbstractBackend;
import dev.clayers.backend.ConvGeometry;
import dev.clayers.backend.DeviceInfo;
import dev.clayers.backend.IntVector;
import dev.clayers.backend.Matrix;
import org.jocl.CL;
import org.jocl.CLException;
import org.jocl.Pointer;
import org.jocl.Sizeof;
import org.jocl.cl_command_queue;
import org.jocl.cl_context;
import org.jocl.cl_context_properties;
import org.jocl.cl_device_id;
import org.jocl.cl_event;
import org.jocl.cl_kernel;
import org.jocl.cl_mem;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;

/**
 * The OpenCL backend: one context and one in-order command queue on one device, the kernels of
 * {@code kernels/*.cl} built once with this device's {@link KernelTunables}. Ops only enqueue;
 * {@code download}, the scalar-returning ops and {@code finish} wait.
 *
 * <p>Small scratch buffers (loss partials, counts, column-sum partials, the gather error flag)
 * belong to the backend and are reused, so the per-step hot path never allocates device memory.
 * They are not counted in {@link #liveBuffers()}, which counts the caller's matrices and vectors.
 *
 * <p>Not thread-safe: kernel arguments are per-kernel state, as in OpenCL itself.
 */
public final class OpenClBackend extends AbstractBackend {
    private static final Logger log = LoggerFactory.getLogger(OpenClBackend.class);
    /** Row blocks of the first column-sum pass at most; bounds the partials buffer to this many rows. */
    private static final int MAX_ROW_BLOCKS = 64;
    /** Work-groups of the first count-correct pass at most. */
    private static final int MAX_COUNT_GROUPS = 64;

    private final DeviceInfo info;
    private final KernelTunables tunables;
    /** Which kernel shape this backend runs and the device's quirks: the only source of device differences. */
    private final DeviceProfile profile;
    /** Elements per work-item of the element-wise kernels, {@link DeviceProfile#elemChunk()}. */
    private final int elemChunk;
    private final long maxAllocBytes;
    private final cl_context context;
    private final cl_command_queue queue;
    private final Kernels kernels;
    private final double openMillis;
    private final Set<Buffer> live = Collections.newSetFromMap(new IdentityHashMap<>());

    private final cl_mem lossOut;        // 2 floats: mean loss, rows with a bad label
    private final cl_mem countPartial;   // MAX_COUNT_GROUPS ints
    private final cl_mem countOut;       // 1 int
    private final cl_mem gatherError;    // 1 int: first out-of-range gather position + 1, or 0
    private cl_mem rowLoss;              // per-row loss, grown on demand
    private long rowLossFloats;
    private cl_mem sumPartial;           // column-sum partials, grown on demand
    private long sumPartialFloats;
    private boolean gatherPending;
    /** Loss reads enqueued and not yet known complete; their host buffers must stay reachable. */
    private final Set<LossRead> readsInFlight = Collections.newSetFromMap(new IdentityHashMap<>());
    /** Direct host buffers of finished loss reads, for the next ones. */
    private final ArrayDeque<ByteBuffer> spareHostBuffers = new ArrayDeque<>();
    private cl_mem packA;                // CPU gemm: k-major, zero-padded copy of op(A), grown on demand
    private long packAFloats;
    private cl_mem packB;                // CPU gemm: zero-padded copy of op(B), grown on demand
    private long packBFloats;

    /**
     * Opens {@code opencl:platform:device} with its tuned gemm (the {@link TuningCache} entry for
     * this device, driver and kernel sources) or, without one, the defaults for its device type;
     * then the {@value KernelTunables#PROPERTY} overrides. Logs (INFO) which it used.
     */
    public static OpenClBackend open(int platform, int device) {
        return open(platform, device, null, null);
    }

    /**
     * Opens {@code opencl:platform:device} with the kernels of {@code shape} (null: the device's
     * own), so a CPU device can run the GPU-shaped kernels and back. A forced shape uses that
     * shape's defaults, not the tuning cache (whose entry was tuned for the device's own shape).
     */
    public static OpenClBackend open(int platform, int device, DeviceProfile.Shape shape) {
        return open(platform, device, null, shape);
    }

    /**
     * Opens with the device-type defaults overridden by {@code gemmSpec} alone (no tuning cache, no
     * system property); null means as {@link #open(int, int)}. The tuner's way in.
     */
    static OpenClBackend open(int platform, int device, String gemmSpec) {
        return open(platform, device, gemmSpec, null);
    }

    private static OpenClBackend open(int platform, int device, String gemmSpec, DeviceProfile.Shape shape) {
        OpenClDevices.Handle h;
        try {
            h = OpenClDevices.find(platform, device);
        } catch (CLException e) {
            throw ClErrors.wrap("OpenCL discovery", e);
        }
        if (h == null) throw new IllegalArgumentException("no OpenCL device " + OpenClDevices.id(platform, device));
        return new OpenClBackend(h, gemmSpec, DeviceProfile.forDevice(h.info(), shape));
    }

    private OpenClBackend(OpenClDevices.Handle h, String gemmSpec, DeviceProfile profile) {
        this.info = h.info();
        this.profile = profile;
        cl_device_id device = h.device();
        cl_context ctx = null;
        cl_command_queue q = null;
        Kernels ks = new Kernels(info.id(), info.name(), info.driver(), BinaryCache.openDefault());
        long t0 = System.nanoTime();
        try {
            this.tunables = chooseTunables(info, profile, device, gemmSpec);
            this.elemChunk = profile.elemChunk();
            this.maxAllocBytes = OpenClDevices.ulong(device, CL.CL_DEVICE_MAX_MEM_ALLOC_SIZE);
            cl_context_properties props = new cl_context_properties();
            props.addProperty(CL.CL_CONTEXT_PLATFORM, h.platform());
            ctx = CL.clCreateContext(props, 1, new cl_device_id[] {device}, null, null, null);
            q = CL.clCreateCommandQueue(ctx, device, 0, null);
            // Correctness first: no -cl-fast-relaxed-math (it would allow inf/NaN shortcuts in
            // softmax); mad is allowed only in gemm, whose tolerance already covers it.
            String opts = tunables.otherOptions() + " -DEW_CHUNK=" + elemChunk;
            if (tunables.gemm() == KernelTunables.GemmVariant.CPU) {
                ks.build(ctx, device, "gemm_cpu.cl", tunables.gemmOptions() + " -cl-mad-enable", "gemm_cpu", "gemm_cpu_pack_a",
                        "gemm_cpu_pack_b", "gemm_cpu_direct");
            } else {
                ks.build(ctx, device, "gemm.cl", tunables.gemmOptions() + " -cl-mad-enable", "gemm_nn", "gemm_nt", "gemm_tn", "gemm_tt");
            }
            ks.build(ctx, device, "bias.cl", opts, "add_bias", "add_bias_relu");
            ks.build(ctx, device, "reduce.cl", opts, "sum_columns_partial", "sum_columns_final", "sum_columns_chunks", "argmax_rows",
                    "count_correct_partial", "sum_ints_final");
            ks.build(ctx, device, "activations.cl", opts, "relu_forward", "relu_backward", "sigmoid_forward", "sigmoid_backward",
                    "tanh_forward", "tanh_backward");
            ks.build(ctx, device, "softmax_loss.cl", opts, "softmax_xent_rows", "softmax_xent_mean", "softmax_xent_backward",
                    "softmax_xent_rows_grad", "softmax_xent_mean_serial", "softmax_xent_serial");
            ks.build(ctx, device, "optim.cl", opts, "axpy", "momentum_step", "adagrad_step", "rmsprop_step", "adam_step");
            ks.build(ctx, device, "memory.cl", opts, "fill", "gather_rows", "gather_ints");
            ks.build(ctx, device, "random.cl", opts, "dropout_mask", "multiply", "gather_rows_shifted",
                    "random_indices");
            ks.build(ctx, device, "conv.cl", opts, "im2col", "col2im", "transpose_blocks");
            ks.build(ctx, device, "pool.cl", opts, "max_pool_forward", "max_pool_backward");
            ks.build(ctx, device, "batchnorm.cl", opts, "bn_stats", "bn_forward", "bn_backward_reduce", "bn_backward_dx");
        } catch (RuntimeException e) {
            ks.close();
            if (q != null) CL.clReleaseCommandQueue(q);
            if (ctx != null) CL.clReleaseContext(ctx);
            if (e instanceof CLException ce) throw ClErrors.wrap("open " + info.id() + " (" + info.name() + ")", ce);
            throw e;
        }
        this.context = ctx;
        this.queue = q;
        this.kernels = ks;
        this.openMillis = (System.nanoTime() - t0) / 1e6;
        log.debug("{}: kernels ready in {} ms ({} programs from cached binaries, {} built from source)", info.id(),
                String.format(java.util.Locale.ROOT, "%.0f", openMillis), ks.programsFromBinary(), ks.programsFromSource());
        try {
            lossOut = scratch(2L * Sizeof.cl_float);
            countPartial = scratch((long) MAX_COUNT_GROUPS * Sizeof.cl_int);
            countOut = scratch(Sizeof.cl_int);
            gatherError = scratch(Sizeof.cl_int);
            CL.clEnqueueWriteBuffer(queue, gatherError, CL.CL_TRUE, 0, Sizeof.cl_int, Pointer.to(new int[1]), 0, null, null);
        } catch (CLException e) {
            doClose();
            throw ClErrors.wrap("allocate scratch buffers on " + info.id(), e);
        }
    }

    /** Tuned gemm from the cache, else the device-type defaults; then the system-property overrides. */
    private static KernelTunables chooseTunables(DeviceInfo info, DeviceProfile profile, cl_device_id device, String gemmSpec) {
        long maxGroup = OpenClDevices.sizeT(device, CL.CL_DEVICE_MAX_WORK_GROUP_SIZE);
        long[] maxItems = OpenClDevices.sizeTs(device, CL.CL_DEVICE_MAX_WORK_ITEM_SIZES, 3);
        if (maxGroup < 1 || maxItems[0] < 1 || maxItems[1] < 1) {
            throw new IllegalStateException(info.id() + " reports a maximum work-group size of " + maxGroup + " and work-item sizes "
                    + Arrays.toString(maxItems) + "; the driver's answers are unusable (check it with clinfo)");
        }
        int floatVector = OpenClDevices.uint(device, CL.CL_DEVICE_PREFERRED_VECTOR_WIDTH_FLOAT);
        KernelTunables t = KernelTunables.forDevice(profile, maxGroup, maxItems, info.localMemBytes(), floatVector);
        if (gemmSpec != null) {
            t = KernelTunables.withOverrides(t, gemmSpec);
            log.debug("{}: gemm candidate {}", info.id(), t.gemmSpec());
            return t;
        }
        String source = "defaults for " + profile.describe();
        TuningCache.Entry e = profile.natural() ? TuningCache.lookup(info) : null;
        if (e != null) {
            try {
                KernelTunables tuned = KernelTunables.withOverrides(t, e.gemm());
                tuned.checkFits(maxGroup, maxItems, info.localMemBytes());   // in range can still be too large here
                t = tuned;
                source = "tuned, from " + TuningCache.file();
            } catch (IllegalArgumentException bad) {
                log.warn("{}: ignoring tuning-cache entry '{}' in {} ({}); using defaults (rerun clayers tune to replace it)",
                        info.id(), e.gemm(), TuningCache.file(), bad.getMessage());
            }
        }
        String props = System.getProperty(KernelTunables.PROPERTY, "");
        if (!props.isBlank()) {
            t = KernelTunables.withOverrides(t, props);
            source += ", with " + KernelTunables.PROPERTY + "=" + props;
        }
        log.info("{} ({}): gemm {} ({})", info.id(), info.name(), t.gemmSpec(), source);
        return t;
    }

    /** Milliseconds it took to set up the kernels when this backend opened (binary cache hit or source build). */
    public double openMillis() { return openMillis; }

    /** Kernel programs this backend created from cached binaries (the rest were built from source). */
    int programsFromBinary() { return kernels.programsFromBinary(); }

    /** Kernel programs this backend built from source. */
    int programsFromSource() { return kernels.programsFromSource(); }

    /** The device id, with {@code @cpu} or {@code @gpu} when the kernel shape was forced. */
    @Override public String id() { return profile.natural() ? info.id() : info.id() + "@" + profile.shape().label(); }

    /** The device's profile: kernel shape and quirks. */
    public DeviceProfile profile() { return profile; }
    @Override public DeviceInfo info() { return info; }

    /** The {@code -D} values this backend's kernels were built with. */
    public KernelTunables tunables() { return tunables; }

    // ---- buffers ----------------------------------------------------------------------------------

    /** A device buffer held by a Matrix or IntVector; released once, by whichever closes first. */
    private static final class Buffer {
        final cl_mem mem;
        final long bytes;
        Buffer(cl_mem mem, long bytes) { this.mem = mem; this.bytes = bytes; }
    }

    private static final class ClMatrix extends Matrix {
        final Buffer buf;
        private final OpenClBackend owner;
        ClMatrix(OpenClBackend owner, int rows, int cols, Buffer buf) {
            super(owner, rows, cols);
            this.owner = owner;
            this.buf = buf;
        }
        @Override protected void release() { owner.releaseBuffer(buf); }
    }

    private static final class ClInts extends IntVector {
        final Buffer buf;
        private final OpenClBackend owner;
        ClInts(OpenClBackend owner, int length, Buffer buf) {
            super(owner, length);
            this.owner = owner;
            this.buf = buf;
        }
        @Override protected void release() { owner.releaseBuffer(buf); }
    }

    private static cl_mem mem(Matrix m) { return ((ClMatrix) m).buf.mem; }
    private static cl_mem mem(IntVector v) { return ((ClInts) v).buf.mem; }

    private Buffer newBuffer(long bytes, String what) {
        if (bytes > maxAllocBytes) {
            throw outOfMemory(bytes, what, "larger than the device's largest single allocation (" + maxAllocBytes + " bytes)", 0, null);
        }
        cl_mem m;
        try {
            m = CL.clCreateBuffer(context, CL.CL_MEM_READ_WRITE, bytes, null, null);
        } catch (CLException e) {
            if (ClErrors.isOutOfMemory(e.getStatus())) throw outOfMemory(bytes, what, ClErrors.name(e.getStatus()), e.getStatus(), e);
            throw ClErrors.wrap("allocate " + bytes + " bytes on " + id(), e);
        }
        Buffer b = new Buffer(m, bytes);
        live.add(b);
        countAlloc(bytes);
        try {
            // Zero-fill; some drivers only really allocate here, so memory errors surface now.
            launchElems("fill", bytes / 4, (int) (bytes / 4), 0f, m);
        } catch (OpenClException e) {
            releaseBuffer(b);
            if (ClErrors.isOutOfMemory(e.status())) throw outOfMemory(bytes, what, ClErrors.name(e.status()), e.status(), e);
            throw e;
        }
        return b;
    }

    private OpenClException outOfMemory(long bytes, String what, String why, int status, Throwable cause) {
        return new OpenClException("out of device memory on " + id() + " (" + info.name() + "): requested " + bytes + " bytes for "
                + what + " (" + why + "); the device has " + info.globalMemBytes() + " bytes of global memory and this backend holds "
                + liveBytes() + " bytes in " + liveBuffers() + " buffers. Lower the batch size (or the layer sizes), or choose a device "
                + "with more memory (clayers devices).", status, cause);
    }

    private void releaseBuffer(Buffer b) {
        if (live.remove(b)) {
            CL.clReleaseMemObject(b.mem);
            countRelease(b.bytes);
        }
    }

    private cl_mem scratch(long bytes) {
        return CL.clCreateBuffer(context, CL.CL_MEM_READ_WRITE, bytes, null, null);
    }

    private cl_mem rowLossScratch(int rows) {
        if (rows > rowLossFloats) {
            if (rowLoss != null) CL.clReleaseMemObject(rowLoss);
            rowLoss = null;
            rowLoss = scratchOrOom((long) rows * Sizeof.cl_float, "the per-row loss scratch");
            rowLossFloats = rows;
        }
        return rowLoss;
    }

    private cl_mem sumPartialScratch(long floats) {
        if (floats > sumPartialFloats) {
            if (sumPartial != null) CL.clReleaseMemObject(sumPartial);
            sumPartial = null;
            sumPartial = scratchOrOom(floats * Sizeof.cl_float, "the column-sum scratch");
            sumPartialFloats = floats;
        }
        return sumPartial;
    }

    private cl_mem scratchOrOom(long bytes, String what) {
        try {
            return scratch(bytes);
        } catch (CLException e) {
            if (ClErrors.isOutOfMemory(e.getStatus())) throw outOfMemory(bytes, what, ClErrors.name(e.getStatus()), e.getStatus(), e);
            throw ClErrors.wrap("allocate " + what, e);
        }
    }

    // ---- launching --------------------------------------------------------------------------------

    /** Sets the arguments (cl_mem, Integer, Float) and enqueues {@code name} on the given range. */
    private void launch(String name, long[] global, long[] local, Object... args) {
        cl_kernel k = kernels.get(name);
        try {
            for (int i = 0; i < args.length; i++) {
                Object a = args[i];
                if (a instanceof cl_mem m) {
                    CL.clSetKernelArg(k, i, Sizeof.cl_mem, Pointer.to(m));
                } else if (a instanceof Integer v) {
                    CL.clSetKernelArg(k, i, Sizeof.cl_int, Pointer.to(new int[] {v}));
                } else if (a instanceof Float v) {
                    CL.clSetKernelArg(k, i, Sizeof.cl_float, Pointer.to(new float[] {v}));
                } else {
                    throw new IllegalArgumentException("kernel argument " + i + " of " + name + " has unsupported type " + a);
                }
            }
            CL.clEnqueueNDRangeKernel(queue, k, global.length, null, global, local, 0, null, null);
        } catch (CLException e) {
            throw ClErrors.wrap("enqueue kernel " + name + " on " + id(), e);
        }
    }

    /** A 1-D launch over n work-items, the work-group size left to the driver. */
    private void launch1(String name, long n, Object... args) {
        launch(name, new long[] {n}, null, args);
    }

    /**
     * A 1-D launch of an element-wise kernel over n elements: {@link #elemChunk} consecutive
     * elements per work-item (the kernels' FOR_CHUNK), the work-group size left to the driver.
     */
    private void launchElems(String name, long n, Object... args) {
        launch1(name, (n + elemChunk - 1) / elemChunk, args);
    }

    /** A 2-D launch over (cols, rows), the work-group size left to the driver. */
    private void launch2(String name, int cols, int rows, Object... args) {
        launch(name, new long[] {cols, rows}, null, args);
    }

    private static long roundUp(long n, long multiple) { return (n + multiple - 1) / multiple * multiple; }

    // ---- memory -----------------------------------------------------------------------------------

    @Override
    protected Matrix doAlloc(int rows, int cols) {
        return new ClMatrix(this, rows, cols, newBuffer(4L * rows * cols, "a " + rows + "x" + cols + " matrix"));
    }

    @Override
    protected void doWrite(Matrix dst, float[] src) {
        try {
            CL.clEnqueueWriteBuffer(queue, mem(dst), CL.CL_TRUE, 0, dst.bytes(), Pointer.to(src), 0, null, null);
        } catch (CLException e) {
            throw ClErrors.wrap("write " + dst, e);
        }
    }

    @Override
    protected void doRead(Matrix src, float[] dst) {
        try {
            CL.clEnqueueReadBuffer(queue, mem(src), CL.CL_TRUE, 0, src.bytes(), Pointer.to(dst), 0, null, null);
        } catch (CLException e) {
            throw ClErrors.wrap("read " + src, e);
        }
        checkGatherError();
    }

    @Override
    protected IntVector doAllocInts(int length) {
        return new ClInts(this, length, newBuffer(4L * length, "an int vector of length " + length));
    }

    @Override
    protected void doWriteInts(IntVector dst, int[] src) {
        try {
            CL.clEnqueueWriteBuffer(queue, mem(dst), CL.CL_TRUE, 0, 4L * src.length, Pointer.to(src), 0, null, null);
        } catch (CLException e) {
            throw ClErrors.wrap("write " + dst, e);
        }
    }

    @Override
    protected void doReadInts(IntVector src, int[] dst) {
        try {
            CL.clEnqueueReadBuffer(queue, mem(src), CL.CL_TRUE, 0, 4L * dst.length, Pointer.to(dst), 0, null, null);
        } catch (CLException e) {
            throw ClErrors.wrap("read " + src, e);
        }
        checkGatherError();
    }

    @Override
    protected void doCopy(Matrix src, Matrix dst) {
        try {
            CL.clEnqueueCopyBuffer(queue, mem(src), mem(dst), 0, 0, src.bytes(), 0, null, null);
        } catch (CLException e) {
            throw ClErrors.wrap("copy " + src + " to " + dst, e);
        }
    }

    @Override
    protected void doFill(Matrix m, float value) {
        launchElems("fill", m.size(), m.size(), value, mem(m));
    }

    @Override
    protected void doGatherRows(Matrix src, IntVector indices, int offset, Matrix dst) {
        launch2("gather_rows", dst.cols(), dst.rows(), dst.rows(), dst.cols(), src.rows(), mem(src), mem(indices), offset,
                mem(dst), gatherError);
        gatherPending = true;
    }

    @Override
    protected void doGatherRowsShifted(Matrix src, IntVector indices, int offset, int width, int height, int maxShift,
                                       int seed, Matrix dst) {
        launch2("gather_rows_shifted", dst.cols(), dst.rows(), dst.rows(), width, height, src.rows(), offset, maxShift, seed,
                mem(src), mem(indices), mem(dst), gatherError);
        gatherPending = true;
    }

    @Override
    protected void doRandomIndices(IntVector out, int bound, int seed) {
        launchElems("random_indices", out.length(), out.length(), bound, seed, mem(out));
    }

    @Override
    protected void doGatherInts(IntVector src, IntVector indices, int offset, IntVector dst) {
        launch1("gather_ints", dst.length(), dst.length(), src.length(), mem(src), mem(indices), offset, mem(dst), gatherError);
        gatherPending = true;
    }

    /**
     * Kernels cannot throw, so the gather kernels flag an out-of-range index on the device; it is
     * read here, after an op that waited anyway, and only when a gather ran since the last check.
     */
    private void checkGatherError() {
        if (!gatherPending) return;
        gatherPending = false;
        int[] flag = new int[1];
        try {
            CL.clEnqueueReadBuffer(queue, gatherError, CL.CL_TRUE, 0, Sizeof.cl_int, Pointer.to(flag), 0, null, null);
        } catch (CLException e) {
            throw ClErrors.wrap("read the gather error flag on " + id(), e);
        }
        if (flag[0] != 0) {
            resetGatherError();
            throw new IndexOutOfBoundsException("gather on " + id() + ": the index at position " + (flag[0] - 1)
                    + " is outside the source; the gathered rows got NaN (ints -1)");
        }
    }

    private void resetGatherError() {
        try {
            CL.clEnqueueWriteBuffer(queue, gatherError, CL.CL_TRUE, 0, Sizeof.cl_int, Pointer.to(new int[1]), 0, null, null);
        } catch (CLException e) {
            throw ClErrors.wrap("reset the gather error flag on " + id(), e);
        }
    }

    // ---- linear algebra ---------------------------------------------------------------------------

    @Override
    protected void doGemm(boolean transA, boolean transB, int m, int n, int k, float alpha, Matrix a, Matrix b, float beta, Matrix c) {
        if (tunables.gemm() == KernelTunables.GemmVariant.CPU) {
            cpuGemm(transA, transB, m, n, k, alpha, a, b, beta, c);
            return;
        }
        String name = "gemm_" + (transA ? 't' : 'n') + (transB ? 't' : 'n');
        int rtsn = tunables.tsn() / tunables.wptn();
        int rtsm = tunables.tsm() / tunables.wptm();
        long[] global = {(long) ((n + tunables.tsn() - 1) / tunables.tsn()) * rtsn, (long) ((m + tunables.tsm() - 1) / tunables.tsm()) * rtsm};
        launch(name, global, new long[] {rtsn, rtsm}, m, n, k, alpha, mem(a), mem(b), beta, mem(c));
    }

    /**
     * Up to this many multiply-adds, a CPU-device gemm with B as stored (or transposed with a
     * small K, see below) reads its operands in place ({@code gemm_cpu_direct}, one launch) instead of
     * packing them first (three launches); above it the packed copies pay for themselves.
     * {@code -Dclayers.opencl.directFlops=0} always packs.
     */
    static final long CPU_DIRECT_FLOPS = Long.getLong("clayers.opencl.directFlops", 1L << 27);

    /**
     * A transposed B is read in place only up to this K: each step then gathers CPU_VW floats K
     * apart, cheap for {@code dY W2^T} (K = classes) and not for a deep layer's {@code dout W^T}.
     */
    static final int CPU_DIRECT_TRANS_B_K = 32;

    /**
     * The register-blocked gemm ({@code gemm_cpu.cl}): small products with B as stored run
     * {@code gemm_cpu_direct} on the operands in place; otherwise op(A) and op(B) are copied into
     * zero-padded panels (backend scratch, grown when needed, so steady state allocates nothing),
     * then one launch of {@code gemm_cpu}.
     */
    private void cpuGemm(boolean transA, boolean transB, int m, int n, int k, float alpha, Matrix a, Matrix b, float beta, Matrix c) {
        int rm = tunables.cpuRm(), vw = tunables.cpuVw();
        int panelsA = (m + rm - 1) / rm, panelsB = (n + vw - 1) / vw;
        int wgn = tunables.cpuWgn(), wgm = tunables.cpuWgm(), dwgm = tunables.cpuDwgm();
        if ((!transB || k <= CPU_DIRECT_TRANS_B_K) && (long) m * n * k <= CPU_DIRECT_FLOPS) {
            launch("gemm_cpu_direct", new long[] {roundUp(panelsB, wgn), roundUp(panelsA, dwgm)}, new long[] {wgn, dwgm}, m, n, k, alpha,
                    transA ? 1 : 0, transB ? 1 : 0, mem(a), mem(b), beta, mem(c));
            return;
        }
        long[] global = {roundUp(panelsB, wgn), roundUp(panelsA, wgm)};
        cl_mem ap = packAScratch((long) panelsA * rm * k);
        cl_mem bp = packBScratch((long) panelsB * vw * k);
        launch("gemm_cpu_pack_a", new long[] {k, panelsA}, null, m, k, panelsA, transA ? 1 : 0, mem(a), ap);
        launch("gemm_cpu_pack_b", new long[] {k, panelsB}, null, n, k, panelsB, transB ? 1 : 0, mem(b), bp);
        launch("gemm_cpu", global, new long[] {wgn, wgm}, m, n, k, alpha, ap, bp, beta, mem(c));
    }

    private cl_mem packAScratch(long floats) {
        if (floats > packAFloats) {
            if (packA != null) CL.clReleaseMemObject(packA);
            packA = null;
            packA = scratchOrOom(floats * Sizeof.cl_float, "the gemm copy of A");
            packAFloats = floats;
        }
        return packA;
    }

    private cl_mem packBScratch(long floats) {
        if (floats > packBFloats) {
            if (packB != null) CL.clReleaseMemObject(packB);
            packB = null;
            packB = scratchOrOom(floats * Sizeof.cl_float, "the gemm copy of B");
            packBFloats = floats;
        }
        return packB;
    }

    @Override
    protected void doAddBias(Matrix x, Matrix bias, Matrix out) {
        launch2("add_bias", (x.cols() + elemChunk - 1) / elemChunk, x.rows(), x.rows(), x.cols(), mem(x), mem(bias), mem(out));
    }

    @Override
    protected void doAddBiasRelu(Matrix x, Matrix bias, Matrix out, Matrix mask) {
        launch2("add_bias_relu", (x.cols() + elemChunk - 1) / elemChunk, x.rows(), x.rows(), x.cols(), mem(x), mem(bias), mem(out),
                mem(mask));
    }

    /** CPU-shaped column sums: rows per block at least, and blocks at most (see sum_columns_chunks). */
    private static final int CPU_SUM_ROWS = 512, CPU_SUM_BLOCKS = 16;

    @Override
    protected void doSumColumns(Matrix x, Matrix out) {
        int rows = x.rows(), cols = x.cols();
        if (profile.serialColumnSums()) {
            // Row blocks of at least CPU_SUM_ROWS rows, at most CPU_SUM_BLOCKS of them: enough
            // work-items for every core at 10,000 rows, and one block (no second pass) at a batch.
            int blocks = Math.max(1, Math.min(CPU_SUM_BLOCKS, rows / CPU_SUM_ROWS));
            int rowsPerBlock = (rows + blocks - 1) / blocks;
            blocks = (rows + rowsPerBlock - 1) / rowsPerBlock;
            cl_mem partial = blocks == 1 ? mem(out) : sumPartialScratch((long) blocks * cols);
            launch("sum_columns_chunks", new long[] {(cols + 15) / 16, blocks}, null, rows, cols, rowsPerBlock, mem(x), partial);
            if (blocks > 1) launch1("sum_columns_final", cols, cols, blocks, partial, mem(out));
            return;
        }
        int sx = tunables.sumColsX(), sy = tunables.sumColsY();
        // Enough rows per block to give every row lane several rows, at most MAX_ROW_BLOCKS blocks.
        int rowsPerBlock = Math.max(4 * sy, (rows + MAX_ROW_BLOCKS - 1) / MAX_ROW_BLOCKS);
        int blocks = (rows + rowsPerBlock - 1) / rowsPerBlock;
        cl_mem partial = blocks == 1 ? mem(out) : sumPartialScratch((long) blocks * cols);
        launch("sum_columns_partial", new long[] {roundUp(cols, sx), (long) blocks * sy}, new long[] {sx, sy},
                rows, cols, rowsPerBlock, mem(x), partial);
        if (blocks > 1) launch1("sum_columns_final", cols, cols, blocks, partial, mem(out));
    }

    @Override
    protected void doAxpy(float alpha, Matrix x, Matrix y) {
        doAxpy(alpha, List.of(x), List.of(y));
    }

    // ---- activations ------------------------------------------------------------------------------

    @Override
    protected void doReluForward(Matrix x, Matrix out, Matrix mask) {
        launchElems("relu_forward", x.size(), x.size(), mem(x), mem(out), mem(mask));
    }

    @Override
    protected void doReluBackward(Matrix dout, Matrix mask, Matrix dx) {
        launchElems("relu_backward", dout.size(), dout.size(), mem(dout), mem(mask), mem(dx));
    }

    @Override
    protected void doSigmoidForward(Matrix x, Matrix out) {
        launchElems("sigmoid_forward", x.size(), x.size(), mem(x), mem(out));
    }

    @Override
    protected void doSigmoidBackward(Matrix dout, Matrix y, Matrix dx) {
        launchElems("sigmoid_backward", dout.size(), dout.size(), mem(dout), mem(y), mem(dx));
    }

    @Override
    protected void doTanhForward(Matrix x, Matrix out) {
        launchElems("tanh_forward", x.size(), x.size(), mem(x), mem(out));
    }

    @Override
    protected void doTanhBackward(Matrix dout, Matrix y, Matrix dx) {
        launchElems("tanh_backward", dout.size(), dout.size(), mem(dout), mem(y), mem(dx));
    }

    @Override
    protected void doMultiply(Matrix a, Matrix b, Matrix out) {
        launchElems("multiply", a.size(), a.size(), mem(a), mem(b), mem(out));
    }

    @Override
    protected void doDropoutMask(Matrix mask, float ratio, int seed) {
        launchElems("dropout_mask", mask.size(), mask.size(), ratio, 1f / (1f - ratio), seed, mem(mask));
    }

    // ---- loss -------------------------------------------------------------------------------------

    @Override
    protected float doSoftmaxCrossEntropy(Matrix x, IntVector labels, Matrix probs) {
        int rows = x.rows(), cols = x.cols();
        if (rows <= profile.serialSoftmaxRows()) {
            launch1("softmax_xent_serial", 1, rows, cols, mem(x), mem(labels), mem(probs), 0, 0f, mem(probs), lossOut);
            return lossRead(rows, cols).get();
        }
        cl_mem rl = rowLossScratch(rows);
        launch1("softmax_xent_rows", rows, rows, cols, mem(x), mem(labels), mem(probs), rl);
        return meanLoss(rows, cols, rl, labels).get();
    }

    @Override
    protected float doSoftmaxCrossEntropyWithGradient(Matrix x, IntVector labels, Matrix probs, float scale, Matrix dx) {
        return doSoftmaxCrossEntropyWithGradientAsync(x, labels, probs, scale, dx).get();
    }

    @Override
    protected Pending doSoftmaxCrossEntropyWithGradientAsync(Matrix x, IntVector labels, Matrix probs, float scale, Matrix dx) {
        int rows = x.rows(), cols = x.cols();
        // The same float division as the Java reference, so both scale by the identical value.
        if (rows <= profile.serialSoftmaxRows()) {
            launch1("softmax_xent_serial", 1, rows, cols, mem(x), mem(labels), mem(probs), 1, scale / rows, mem(dx), lossOut);
            return lossRead(rows, cols);
        }
        cl_mem rl = rowLossScratch(rows);
        launch1("softmax_xent_rows_grad", rows, rows, cols, mem(x), mem(labels), mem(probs), rl, scale / rows, mem(dx));
        return meanLoss(rows, cols, rl, labels);
    }

    /**
     * Reduces the row losses to their mean and starts reading it back (with the gather error flag,
     * when a gather ran since the last check) without blocking; the returned value waits for that
     * read only, so kernels enqueued after it keep the device busy meanwhile. Each call reads into
     * host buffers of its own, so several may be in flight.
     */
    private Pending meanLoss(int rows, int cols, cl_mem rl, IntVector labels) {
        if (profile.serialSoftmaxRows() > 0) {
            launch1("softmax_xent_mean_serial", 1, rows, cols, rl, mem(labels), lossOut);
        } else {
            launch("softmax_xent_mean", new long[] {tunables.reduceWg()}, new long[] {tunables.reduceWg()},
                    rows, cols, rl, mem(labels), lossOut);
        }
        return lossRead(rows, cols);
    }

    /** Starts reading lossOut back (see {@link #meanLoss}). */
    private LossRead lossRead(int rows, int cols) {
        boolean gathers = gatherPending;
        gatherPending = false;
        return new LossRead(rows, cols, gathers);
    }

    /**
     * A loss read in flight: the device writes into a direct host buffer (loss, bad-label count,
     * gather flag: 12 bytes), which this backend keeps reachable ({@link #readsInFlight}) until the
     * read is known complete, and takes back for the next read once the numbers are out of it, so
     * a training step allocates no direct memory.
     */
    private final class LossRead implements Pending {
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
            boolean blocking = profile.blockingReads();
            if (blocking) done = null;
            try {
                CL.clEnqueueReadBuffer(queue, lossOut, blocking, 0, 2L * Sizeof.cl_float, Pointer.to(host), 0, null,
                        gathers ? null : done);
                if (gathers) {
                    CL.clEnqueueReadBuffer(queue, gatherError, blocking, 0, Sizeof.cl_int,
                            Pointer.to(host).withByteOffset(2L * Sizeof.cl_float), 0, null, done);
                }
            } catch (CLException e) {
                throw ClErrors.wrap("read the loss on " + id(), e);
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
                        throw ClErrors.wrap("read the loss on " + id(), e);
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
            if (flag != 0) {
                throw new IndexOutOfBoundsException("gather on " + id() + ": the index at position " + (flag - 1)
                        + " is outside the source; the gathered rows got NaN (ints -1)");
            }
            if (bad != 0f) {
                throw new IllegalArgumentException("softmaxCrossEntropy: " + (long) bad + " of " + rows
                        + " labels are outside 0.." + (cols - 1));
            }
            return loss;
        }
    }

    @Override
    protected void doSoftmaxCrossEntropyBackward(Matrix probs, IntVector labels, float scale, Matrix dx) {
        // The same float division as the Java reference, so both scale by the identical value.
        float scaleOverN = scale / probs.rows();
        launch2("softmax_xent_backward", probs.cols(), probs.rows(), probs.rows(), probs.cols(), mem(probs), mem(labels),
                scaleOverN, mem(dx));
    }

    @Override
    protected void doArgmaxRows(Matrix x, IntVector out) {
        launch1("argmax_rows", x.rows(), x.rows(), x.cols(), mem(x), mem(out));
    }

    @Override
    protected int doCountCorrect(Matrix x, IntVector labels) {
        int wg = tunables.reduceWg();
        int groups = (int) Math.min(MAX_COUNT_GROUPS, (x.rows() + wg - 1) / wg);
        launch("count_correct_partial", new long[] {(long) groups * wg}, new long[] {wg}, x.rows(), x.cols(), mem(x),
                mem(labels), countPartial);
        launch("sum_ints_final", new long[] {wg}, new long[] {wg}, groups, countPartial, countOut);
        int[] out = new int[1];
        try {
            CL.clEnqueueReadBuffer(queue, countOut, CL.CL_TRUE, 0, Sizeof.cl_int, Pointer.to(out), 0, null, null);
        } catch (CLException e) {
            throw ClErrors.wrap("read the correct count on " + id(), e);
        }
        checkGatherError();
        return out[0];
    }

    // ---- optimizers -------------------------------------------------------------------------------

    @Override
    protected void doAxpy(float alpha, List<Matrix> xs, List<Matrix> ys) {
        launchTensors("axpy", new Object[] {alpha}, xs, ys);
    }

    @Override
    protected void doMomentumStep(List<Matrix> p, List<Matrix> g, List<Matrix> v, float lr, float momentum) {
        launchTensors("momentum_step", new Object[] {lr, momentum}, p, g, v);
    }

    @Override
    protected void doAdagradStep(List<Matrix> p, List<Matrix> g, List<Matrix> h, float lr, float eps) {
        launchTensors("adagrad_step", new Object[] {lr, eps}, p, g, h);
    }

    @Override
    protected void doRmspropStep(List<Matrix> p, List<Matrix> g, List<Matrix> h, float lr, float decay, float eps) {
        launchTensors("rmsprop_step", new Object[] {lr, decay, eps}, p, g, h);
    }

    @Override
    protected void doAdamStep(List<Matrix> p, List<Matrix> g, List<Matrix> m, List<Matrix> v, float lrT, float beta1, float beta2,
                              float eps) {
        launchTensors("adam_step", new Object[] {lrT, beta1, beta2, eps}, p, g, m, v);
    }

    /**
     * One launch of an {@code optim.cl} kernel per four tensors: the element counts n0..n3, the
     * scalars, then each tensor's buffers in list order (tensor i is {@code lists[k].get(i)} for
     * each k). An unused slot has count 0 and repeats the group's first tensor, never read.
     */
    @SafeVarargs
    private void launchTensors(String name, Object[] scalars, List<Matrix>... lists) {
        int tensors = lists[0].size();
        for (int from = 0; from < tensors; from += 4) {
            List<Object> args = new ArrayList<>();
            long chunks = 0;
            for (int t = 0; t < 4; t++) {
                int n = from + t < tensors ? lists[0].get(from + t).size() : 0;
                args.add(n);
                chunks += (n + elemChunk - 1) / elemChunk;
            }
            args.addAll(Arrays.asList(scalars));
            for (int t = 0; t < 4; t++) {
                int i = from + t < tensors ? from + t : from;
                for (List<Matrix> l : lists) args.add(mem(l.get(i)));
            }
            if (chunks > 0) launch1(name, chunks, args.toArray());
        }
    }

    @Override
    protected void doMomentumStep(Matrix p, Matrix g, Matrix v, float lr, float momentum) {
        doMomentumStep(List.of(p), List.of(g), List.of(v), lr, momentum);
    }

    @Override
    protected void doAdagradStep(Matrix p, Matrix g, Matrix h, float lr, float eps) {
        doAdagradStep(List.of(p), List.of(g), List.of(h), lr, eps);
    }

    @Override
    protected void doRmspropStep(Matrix p, Matrix g, Matrix h, float lr, float decay, float eps) {
        doRmspropStep(List.of(p), List.of(g), List.of(h), lr, decay, eps);
    }

    @Override
    protected void doAdamStep(Matrix p, Matrix g, Matrix m, Matrix v, float lrT, float beta1, float beta2, float eps) {
        doAdamStep(List.of(p), List.of(g), List.of(m), List.of(v), lrT, beta1, beta2, eps);
    }

    // ---- lifecycle --------------------------------------------------------------------------------

    @Override
    protected void doFinish() {
        try {
            CL.clFinish(queue);
        } catch (CLException e) {
            throw ClErrors.wrap("finish on " + id(), e);
        }
        for (LossRead r : readsInFlight.toArray(new LossRead[0])) r.complete();
        checkGatherError();
    }

    @Override
    protected void doClose() {
        try {
            if (queue != null) CL.clFinish(queue);
        } catch (CLException ignored) {
            // Closing must release everything even when the device failed.
        }
        for (LossRead r : readsInFlight.toArray(new LossRead[0])) r.complete();
        for (Buffer b : live.toArray(new Buffer[0])) releaseBuffer(b);
        for (cl_mem m : new cl_mem[] {lossOut, countPartial, countOut, gatherError, rowLoss, sumPartial, packA, packB}) {
            if (m != null) CL.clReleaseMemObject(m);
        }
        rowLoss = null;
        sumPartial = null;
        packA = null;
        packB = null;
        if (kernels != null) kernels.close();
        if (queue != null) CL.clReleaseCommandQueue(queue);
        if (context != null) CL.clReleaseContext(context);
    }

    @Override
    public String toString() { return "OpenClBackend[" + id() + " " + info.name() + ", " + profile.describe() + "]"; }

    // ---- convolution and pooling ------------------------------------------------------------------

    @Override
    protected void doIm2col(Matrix x, ConvGeometry g, Matrix col) {
        launchElems("im2col", col.size(), col.size(), g.channels(), g.height(), g.width(), g.kernel(), g.stride(), g.pad(),
                g.outHeight(), g.outWidth(), mem(x), mem(col));
    }

    @Override
    protected void doCol2im(Matrix dcol, ConvGeometry g, Matrix dx) {
        launchElems("col2im", dx.size(), dx.size(), g.channels(), g.height(), g.width(), g.kernel(), g.stride(), g.pad(),
                g.outHeight(), g.outWidth(), mem(dcol), mem(dx));
    }

    @Override
    protected void doTransposeBlocks(Matrix src, int rows, int cols, Matrix dst) {
        launchElems("transpose_blocks", dst.size(), dst.size(), rows, cols, mem(src), mem(dst));
    }

    @Override
    protected void doMaxPoolForward(Matrix x, ConvGeometry g, Matrix out, IntVector argmax) {
        launchElems("max_pool_forward", out.size(), out.size(), g.height(), g.width(), g.kernel(), g.stride(), g.pad(),
                g.outHeight(), g.outWidth(), mem(x), mem(out), mem(argmax));
    }

    @Override
    protected void doMaxPoolBackward(Matrix dout, IntVector argmax, ConvGeometry g, Matrix dx) {
        launchElems("max_pool_backward", dx.size(), dx.size(), g.height(), g.width(), g.kernel(), g.stride(), g.pad(),
                g.outHeight(), g.outWidth(), mem(dout), mem(argmax), mem(dx));
    }

    // Batch normalization

    @Override
    protected void doBatchNormStats(Matrix x, int channels, float momentum, Matrix mean, Matrix var, Matrix runMean,
                                    Matrix runVar) {
        launch1("bn_stats", channels, x.rows(), channels, x.cols() / channels, momentum, mem(x), mem(mean), mem(var),
                mem(runMean), mem(runVar));
    }

    @Override
    protected void doBatchNormForward(Matrix x, Matrix mean, Matrix var, Matrix gamma, Matrix beta, float eps, Matrix xhat,
                                      Matrix out) {
        launchElems("bn_forward", x.size(), x.size(), x.cols(), x.cols() / mean.cols(), eps, mem(x), mem(mean), mem(var),
                mem(gamma), mem(beta), mem(xhat), mem(out));
    }

    @Override
    protected void doBatchNormBackward(Matrix dout, Matrix xhat, Matrix var, Matrix gamma, float eps, Matrix dgamma,
                                       Matrix dbeta, Matrix dx) {
        int channels = var.cols(), p = dout.cols() / channels;
        launch1("bn_backward_reduce", channels, dout.rows(), channels, p, mem(dout), mem(xhat), mem(dgamma), mem(dbeta));
        // The same float M as the Java reference: N*P rounded once.
        launchElems("bn_backward_dx", dout.size(), dout.size(), dout.cols(), p, (float) dout.rows() * p, eps, mem(dout),
                mem(xhat), mem(var), mem(gamma), mem(dgamma), mem(dbeta), mem(dx));
    }
}
