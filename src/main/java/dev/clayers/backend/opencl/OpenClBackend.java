package dev.clayers.backend.opencl;

import dev.clayers.backend.AbstractBackend;
import dev.clayers.backend.ConvGeometry;
import dev.clayers.backend.DeviceInfo;
import dev.clayers.backend.ElementOp;
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
import org.jocl.cl_kernel;
import org.jocl.cl_mem;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

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
 * <p>Small scratch buffers (loss partials, counts, column-sum partials, the gather error flag;
 * the growing ones are {@link GrowingBuffer}s) belong to the backend and are reused, so the
 * per-step hot path never allocates device memory.
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
    /** The sub-device this backend runs on and releases when closed; null on a whole device. */
    private final cl_device_id part;
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

    private final cl_mem countPartial;   // MAX_COUNT_GROUPS ints
    private final cl_mem countOut;       // 1 int
    /** The loss read back without blocking, and the gather error flag. */
    private final ResultReads reads;
    private final GrowingBuffer rowLoss = new GrowingBuffer("the per-row loss scratch", this::scratchOrOom);
    private final GrowingBuffer sumPartial = new GrowingBuffer("the column-sum scratch", this::scratchOrOom);
    /** Both gemm paths and their packed-operand scratch. */
    private final ClGemm gemm;

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

    /**
     * Opens {@code opencl:platform:device} split into {@code parts} sub-devices of equal compute
     * units, one backend each (ids {@code opencl:P:D/N.i}), with the kernels of {@code shape} (null:
     * the device's own). Each backend releases its sub-device when closed; nothing stays open when
     * this throws.
     *
     * @throws IllegalArgumentException when the device cannot be split so (the message says why)
     */
    public static List<OpenClBackend> openParts(int platform, int device, int parts, DeviceProfile.Shape shape) {
        List<OpenClDevices.Handle> hs;
        try {
            hs = OpenClDevices.split(platform, device, parts);
        } catch (CLException e) {
            throw ClErrors.wrap("split " + OpenClDevices.id(platform, device) + " into " + parts + " sub-devices", e);
        }
        List<OpenClBackend> out = new ArrayList<>();
        try {
            for (int i = 0; i < hs.size(); i++) {
                out.add(new OpenClBackend(hs.get(i), null, DeviceProfile.forDevice(hs.get(i).info(), shape)));
            }
            return out;
        } catch (RuntimeException e) {
            out.forEach(OpenClBackend::close);
            // The one that failed released its own sub-device; the ones never reached are released here.
            for (int j = out.size() + 1; j < hs.size(); j++) CL.clReleaseDevice(hs.get(j).device());
            throw e;
        }
    }

    private OpenClBackend(OpenClDevices.Handle h, String gemmSpec, DeviceProfile profile) {
        this.info = h.info();
        this.part = h.part() ? h.device() : null;
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
            String gemmFile = tunables.gemm() == KernelTunables.GemmVariant.CPU ? ClKernel.Files.GEMM_CPU : ClKernel.Files.GEMM;
            ks.build(ctx, device, gemmFile, tunables.gemmOptions() + " -cl-mad-enable", ClKernel.names(gemmFile));
            for (String file : ClKernel.files()) {
                if (!file.equals(ClKernel.Files.GEMM) && !file.equals(ClKernel.Files.GEMM_CPU)) {
                    ks.build(ctx, device, file, opts, ClKernel.names(file));
                }
            }
        } catch (RuntimeException e) {
            ks.close();
            if (q != null) CL.clReleaseCommandQueue(q);
            if (ctx != null) CL.clReleaseContext(ctx);
            if (part != null) CL.clReleaseDevice(part);
            if (e instanceof CLException ce) throw ClErrors.wrap("open " + info.id() + " (" + info.name() + ")", ce);
            throw e;
        }
        this.context = ctx;
        this.queue = q;
        this.kernels = ks;
        this.gemm = new ClGemm(tunables, profile, this::scratchOrOom, this::launch);
        this.openMillis = (System.nanoTime() - t0) / 1e6;
        log.debug("{}: kernels ready in {} ms ({} programs from cached binaries, {} built from source)", info.id(),
                String.format(java.util.Locale.ROOT, "%.0f", openMillis), ks.programsFromBinary(), ks.programsFromSource());
        try {
            countPartial = scratch((long) MAX_COUNT_GROUPS * Sizeof.cl_int);
            countOut = scratch(Sizeof.cl_int);
            reads = new ResultReads(queue, id(), profile.blockingReads(), this::scratch);
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
            launchElems(ClKernel.FILL, bytes / 4, (int) (bytes / 4), 0f, m);
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

    private cl_mem scratchOrOom(long bytes, String what) {
        try {
            return scratch(bytes);
        } catch (CLException e) {
            if (ClErrors.isOutOfMemory(e.getStatus())) throw outOfMemory(bytes, what, ClErrors.name(e.getStatus()), e.getStatus(), e);
            throw ClErrors.wrap("allocate " + what, e);
        }
    }

    // ---- launching --------------------------------------------------------------------------------

    /** Sets the arguments (cl_mem, Integer, Float) and enqueues {@code kernel} on the given range. */
    private void launch(ClKernel kernel, long[] global, long[] local, Object... args) {
        enqueue(kernel.kernelName(), global, local, args);
    }

    /** The one place a kernel is enqueued: by a {@link ClKernel} or an {@link ElementOp}'s kernel. */
    private void enqueue(String name, long[] global, long[] local, Object... args) {
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
    private void launch1(ClKernel kernel, long n, Object... args) {
        launch(kernel, new long[] {n}, null, args);
    }

    /**
     * A 1-D launch of an element-wise kernel over n elements: {@link #elemChunk} consecutive
     * elements per work-item (the kernels' FOR_CHUNK), the work-group size left to the driver.
     */
    private void launchElems(ClKernel kernel, long n, Object... args) {
        launch1(kernel, chunks(n), args);
    }

    /** Work-items for n elements at {@link #elemChunk} each. */
    private long chunks(long n) { return (n + elemChunk - 1) / elemChunk; }

    /** A 2-D launch over (cols, rows), the work-group size left to the driver. */
    private void launch2(ClKernel kernel, int cols, int rows, Object... args) {
        launch(kernel, new long[] {cols, rows}, null, args);
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
        reads.checkGatherError();
    }

    /**
     * Host memory the list transfers stage through: JOCL allows non-blocking transfers only from
     * direct buffers, and they let a list of matrices cost one wait instead of one per matrix.
     */
    private java.nio.ByteBuffer staging;

    private java.nio.ByteBuffer staging(long bytes) {
        if (bytes > Integer.MAX_VALUE) throw new IllegalArgumentException("a list transfer of " + bytes + " bytes is over 2 GiB");
        if (staging == null || staging.capacity() < bytes) {
            staging = java.nio.ByteBuffer.allocateDirect((int) bytes).order(java.nio.ByteOrder.nativeOrder());
        }
        return staging;
    }

    /**
     * Every read enqueued without blocking but the last: the queue is in order, so that one waits
     * for them all. A device whose profile asks for blocking reads (Oclgrind: {@link
     * DeviceProfile#blockingReads}) reads one matrix at a time.
     */
    @Override
    protected void doReadAll(List<Matrix> srcs, List<float[]> dsts) {
        if (profile.blockingReads()) {
            super.doReadAll(srcs, dsts);
            return;
        }
        long total = 0;
        for (Matrix m : srcs) total += m.bytes();
        java.nio.ByteBuffer buf = staging(total);
        long off = 0;
        try {
            for (int i = 0; i < srcs.size(); i++) {
                Matrix m = srcs.get(i);
                CL.clEnqueueReadBuffer(queue, mem(m), i == srcs.size() - 1 ? CL.CL_TRUE : CL.CL_FALSE, 0, m.bytes(),
                        Pointer.to(buf).withByteOffset(off), 0, null, null);
                off += m.bytes();
            }
        } catch (CLException e) {
            finish();   // no read may still be writing into the staging memory
            throw ClErrors.wrap("read " + srcs.size() + " matrices", e);
        }
        reads.checkGatherError();
        java.nio.FloatBuffer fb = buf.asFloatBuffer();
        for (float[] d : dsts) fb.get(d);
    }

    /** Staged, then every write enqueued without blocking but the last (an in-order queue); one at a time where reads must block. */
    @Override
    protected void doWriteAll(List<Matrix> dsts, List<float[]> srcs) {
        if (profile.blockingReads()) {
            super.doWriteAll(dsts, srcs);
            return;
        }
        long total = 0;
        for (Matrix m : dsts) total += m.bytes();
        java.nio.ByteBuffer buf = staging(total);
        java.nio.FloatBuffer fb = buf.asFloatBuffer();
        for (float[] src : srcs) fb.put(src);
        long off = 0;
        try {
            for (int i = 0; i < dsts.size(); i++) {
                Matrix m = dsts.get(i);
                CL.clEnqueueWriteBuffer(queue, mem(m), i == dsts.size() - 1 ? CL.CL_TRUE : CL.CL_FALSE, 0, m.bytes(),
                        Pointer.to(buf).withByteOffset(off), 0, null, null);
                off += m.bytes();
            }
        } catch (CLException e) {
            finish();   // no write may still be reading the staging memory
            throw ClErrors.wrap("write " + dsts.size() + " matrices", e);
        }
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
        reads.checkGatherError();
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
        launchElems(ClKernel.FILL, m.size(), m.size(), value, mem(m));
    }

    @Override
    protected void doGatherRows(Matrix src, IntVector indices, int offset, Matrix dst) {
        launch2(ClKernel.GATHER_ROWS, dst.cols(), dst.rows(), dst.rows(), dst.cols(), src.rows(), mem(src), mem(indices), offset,
                mem(dst), reads.gatherError());
        reads.gatherLaunched();
    }

    @Override
    protected void doGatherRowsShifted(Matrix src, IntVector indices, int offset, int width, int height, int maxShift,
                                       int seed, int firstRow, Matrix dst) {
        launch2(ClKernel.GATHER_ROWS_SHIFTED, dst.cols(), dst.rows(), dst.rows(), width, height, src.rows(), offset, maxShift, seed,
                firstRow, mem(src), mem(indices), mem(dst), reads.gatherError());
        reads.gatherLaunched();
    }

    @Override
    protected void doRandomIndices(IntVector out, int bound, int seed) {
        launchElems(ClKernel.RANDOM_INDICES, out.length(), out.length(), bound, seed, mem(out));
    }

    @Override
    protected void doGatherInts(IntVector src, IntVector indices, int offset, IntVector dst) {
        launch1(ClKernel.GATHER_INTS, dst.length(), dst.length(), src.length(), mem(src), mem(indices), offset, mem(dst),
                reads.gatherError());
        reads.gatherLaunched();
    }

    // ---- linear algebra ---------------------------------------------------------------------------

    @Override
    protected void doGemm(boolean transA, boolean transB, int m, int n, int k, float alpha, Matrix a, Matrix b, float beta, Matrix c) {
        gemm.gemm(transA, transB, m, n, k, alpha, mem(a), mem(b), beta, mem(c));
    }

    @Override
    protected void doAddBias(Matrix x, Matrix bias, Matrix out) {
        launch2(ClKernel.ADD_BIAS, (x.cols() + elemChunk - 1) / elemChunk, x.rows(), x.rows(), x.cols(), mem(x), mem(bias), mem(out));
    }

    @Override
    protected void doAddBiasRelu(Matrix x, Matrix bias, Matrix out, Matrix mask) {
        launch2(ClKernel.ADD_BIAS_RELU, (x.cols() + elemChunk - 1) / elemChunk, x.rows(), x.rows(), x.cols(), mem(x), mem(bias), mem(out),
                mem(mask));
    }


    @Override
    protected void doSumColumns(Matrix x, Matrix out) {
        int rows = x.rows(), cols = x.cols();
        if (profile.serialColumnSums()) {
            // Row blocks as the profile sizes them (DeviceProfile#serialSumRows).
            int blocks = Math.max(1, Math.min(profile.serialSumBlocks(), rows / profile.serialSumRows()));
            int rowsPerBlock = (rows + blocks - 1) / blocks;
            blocks = (rows + rowsPerBlock - 1) / rowsPerBlock;
            cl_mem partial = blocks == 1 ? mem(out) : sumPartial.atLeast((long) blocks * cols);
            launch(ClKernel.SUM_COLUMNS_CHUNKS, new long[] {(cols + 15) / 16, blocks}, null, rows, cols, rowsPerBlock, mem(x), partial);
            if (blocks > 1) launch1(ClKernel.SUM_COLUMNS_FINAL, cols, cols, blocks, partial, mem(out));
            return;
        }
        int sx = tunables.sumColsX(), sy = tunables.sumColsY();
        // Enough rows per block to give every row lane several rows, at most MAX_ROW_BLOCKS blocks.
        int rowsPerBlock = Math.max(4 * sy, (rows + MAX_ROW_BLOCKS - 1) / MAX_ROW_BLOCKS);
        int blocks = (rows + rowsPerBlock - 1) / rowsPerBlock;
        cl_mem partial = blocks == 1 ? mem(out) : sumPartial.atLeast((long) blocks * cols);
        launch(ClKernel.SUM_COLUMNS_PARTIAL, new long[] {roundUp(cols, sx), (long) blocks * sy}, new long[] {sx, sy},
                rows, cols, rowsPerBlock, mem(x), partial);
        if (blocks > 1) launch1(ClKernel.SUM_COLUMNS_FINAL, cols, cols, blocks, partial, mem(out));
    }

    @Override
    protected void doAxpy(float alpha, Matrix x, Matrix y) {
        doAxpy(alpha, List.of(x), List.of(y));
    }

    // ---- element-wise ops -------------------------------------------------------------------------

    /** The op's kernel over its elements: {@code (n, one buffer per argument in call order)}. */
    @Override
    protected void doElementwise(ElementOp op, Matrix[] args) {
        int n = args[0].size();
        Object[] kernelArgs = new Object[args.length + 1];
        kernelArgs[0] = n;
        for (int k = 0; k < args.length; k++) kernelArgs[k + 1] = mem(args[k]);
        enqueue(op.kernel(), new long[] {chunks(n)}, null, kernelArgs);
    }

    @Override
    protected void doDropoutMask(Matrix mask, float ratio, int seed, int first) {
        launchElems(ClKernel.DROPOUT_MASK, mask.size(), mask.size(), ratio, 1f / (1f - ratio), seed, first, mem(mask));
    }

    // ---- loss -------------------------------------------------------------------------------------

    @Override
    protected float doSoftmaxCrossEntropy(Matrix x, IntVector labels, Matrix probs) {
        int rows = x.rows(), cols = x.cols();
        if (rows <= profile.serialSoftmaxRows()) {
            launch1(ClKernel.SOFTMAX_XENT_SERIAL, 1, rows, cols, mem(x), mem(labels), mem(probs), 0, 0f, mem(probs), reads.lossOut());
            return reads.lossRead(rows, cols).get();
        }
        cl_mem rl = rowLoss.atLeast(rows);
        launch1(ClKernel.SOFTMAX_XENT_ROWS, rows, rows, cols, mem(x), mem(labels), mem(probs), rl);
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
            launch1(ClKernel.SOFTMAX_XENT_SERIAL, 1, rows, cols, mem(x), mem(labels), mem(probs), 1, scale / rows, mem(dx),
                    reads.lossOut());
            return reads.lossRead(rows, cols);
        }
        cl_mem rl = rowLoss.atLeast(rows);
        launch1(ClKernel.SOFTMAX_XENT_ROWS_GRAD, rows, rows, cols, mem(x), mem(labels), mem(probs), rl, scale / rows, mem(dx));
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
            launch1(ClKernel.SOFTMAX_XENT_MEAN_SERIAL, 1, rows, cols, rl, mem(labels), reads.lossOut());
        } else {
            launch(ClKernel.SOFTMAX_XENT_MEAN, new long[] {tunables.reduceWg()}, new long[] {tunables.reduceWg()},
                    rows, cols, rl, mem(labels), reads.lossOut());
        }
        return reads.lossRead(rows, cols);
    }

    @Override
    protected void doSoftmaxCrossEntropyBackward(Matrix probs, IntVector labels, float scale, Matrix dx) {
        // The same float division as the Java reference, so both scale by the identical value.
        float scaleOverN = scale / probs.rows();
        launch2(ClKernel.SOFTMAX_XENT_BACKWARD, probs.cols(), probs.rows(), probs.rows(), probs.cols(), mem(probs), mem(labels),
                scaleOverN, mem(dx));
    }

    @Override
    protected void doArgmaxRows(Matrix x, IntVector out) {
        launch1(ClKernel.ARGMAX_ROWS, x.rows(), x.rows(), x.cols(), mem(x), mem(out));
    }

    @Override
    protected int doCountCorrect(Matrix x, IntVector labels) {
        int wg = tunables.reduceWg();
        int groups = (int) Math.min(MAX_COUNT_GROUPS, (x.rows() + wg - 1) / wg);
        launch(ClKernel.COUNT_CORRECT_PARTIAL, new long[] {(long) groups * wg}, new long[] {wg}, x.rows(), x.cols(), mem(x),
                mem(labels), countPartial);
        launch(ClKernel.SUM_INTS_FINAL, new long[] {wg}, new long[] {wg}, groups, countPartial, countOut);
        int[] out = new int[1];
        try {
            CL.clEnqueueReadBuffer(queue, countOut, CL.CL_TRUE, 0, Sizeof.cl_int, Pointer.to(out), 0, null, null);
        } catch (CLException e) {
            throw ClErrors.wrap("read the correct count on " + id(), e);
        }
        reads.checkGatherError();
        return out[0];
    }

    // ---- optimizers -------------------------------------------------------------------------------

    @Override
    protected void doAxpy(float alpha, List<Matrix> xs, List<Matrix> ys) {
        launchTensors(ClKernel.AXPY, new Object[] {alpha}, xs, ys);
    }

    @Override
    protected void doMomentumStep(List<Matrix> p, List<Matrix> g, List<Matrix> v, float lr, float momentum) {
        launchTensors(ClKernel.MOMENTUM_STEP, new Object[] {lr, momentum}, p, g, v);
    }

    @Override
    protected void doAdagradStep(List<Matrix> p, List<Matrix> g, List<Matrix> h, float lr, float eps) {
        launchTensors(ClKernel.ADAGRAD_STEP, new Object[] {lr, eps}, p, g, h);
    }

    @Override
    protected void doRmspropStep(List<Matrix> p, List<Matrix> g, List<Matrix> h, float lr, float decay, float eps) {
        launchTensors(ClKernel.RMSPROP_STEP, new Object[] {lr, decay, eps}, p, g, h);
    }

    @Override
    protected void doAdamStep(List<Matrix> p, List<Matrix> g, List<Matrix> m, List<Matrix> v, float lrT, float beta1, float beta2,
                              float eps) {
        launchTensors(ClKernel.ADAM_STEP, new Object[] {lrT, beta1, beta2, eps}, p, g, m, v);
    }

    /**
     * One launch of an {@code optim.cl} kernel per four tensors: the element counts n0..n3, the
     * scalars, then each tensor's buffers in list order (tensor i is {@code lists[k].get(i)} for
     * each k). An unused slot has count 0 and repeats the group's first tensor, never read.
     */
    @SafeVarargs
    private void launchTensors(ClKernel kernel, Object[] scalars, List<Matrix>... lists) {
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
            if (chunks > 0) launch1(kernel, chunks, args.toArray());
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
        reads.completeAll();
        reads.checkGatherError();
    }

    @Override
    protected void doClose() {
        try {
            if (queue != null) CL.clFinish(queue);
        } catch (CLException ignored) {
            // Closing must release everything even when the device failed.
        }
        if (reads != null) reads.close();
        for (Buffer b : live.toArray(new Buffer[0])) releaseBuffer(b);
        for (cl_mem m : new cl_mem[] {countPartial, countOut}) {
            if (m != null) CL.clReleaseMemObject(m);
        }
        for (GrowingBuffer g : new GrowingBuffer[] {rowLoss, sumPartial}) g.close();
        if (gemm != null) gemm.close();
        if (kernels != null) kernels.close();
        if (queue != null) CL.clReleaseCommandQueue(queue);
        if (context != null) CL.clReleaseContext(context);
        if (part != null) CL.clReleaseDevice(part);
    }

    @Override
    public String toString() { return "OpenClBackend[" + id() + " " + info.name() + ", " + profile.describe() + "]"; }

    // ---- convolution and pooling ------------------------------------------------------------------

    @Override
    protected void doIm2col(Matrix x, ConvGeometry g, Matrix col) {
        launchElems(ClKernel.IM2COL, col.size(), col.size(), g.channels(), g.height(), g.width(), g.kernel(), g.stride(), g.pad(),
                g.outHeight(), g.outWidth(), mem(x), mem(col));
    }

    @Override
    protected void doCol2im(Matrix dcol, ConvGeometry g, Matrix dx) {
        launchElems(ClKernel.COL2IM, dx.size(), dx.size(), g.channels(), g.height(), g.width(), g.kernel(), g.stride(), g.pad(),
                g.outHeight(), g.outWidth(), mem(dcol), mem(dx));
    }

    @Override
    protected void doTransposeBlocks(Matrix src, int rows, int cols, Matrix dst) {
        launchElems(ClKernel.TRANSPOSE_BLOCKS, dst.size(), dst.size(), rows, cols, mem(src), mem(dst));
    }

    @Override
    protected void doMaxPoolForward(Matrix x, ConvGeometry g, Matrix out, IntVector argmax) {
        launchElems(ClKernel.MAX_POOL_FORWARD, out.size(), out.size(), g.height(), g.width(), g.kernel(), g.stride(), g.pad(),
                g.outHeight(), g.outWidth(), mem(x), mem(out), mem(argmax));
    }

    @Override
    protected void doMaxPoolBackward(Matrix dout, IntVector argmax, ConvGeometry g, Matrix dx) {
        launchElems(ClKernel.MAX_POOL_BACKWARD, dx.size(), dx.size(), g.height(), g.width(), g.kernel(), g.stride(), g.pad(),
                g.outHeight(), g.outWidth(), mem(dout), mem(argmax), mem(dx));
    }

    @Override
    protected void doAvgPoolForward(Matrix x, ConvGeometry g, Matrix out) {
        launchElems(ClKernel.AVG_POOL_FORWARD, out.size(), out.size(), g.height(), g.width(), g.kernel(), g.stride(), g.outHeight(),
                g.outWidth(), (float) (g.kernel() * g.kernel()), mem(x), mem(out));
    }

    @Override
    protected void doAvgPoolBackward(Matrix dout, ConvGeometry g, Matrix dx) {
        launchElems(ClKernel.AVG_POOL_BACKWARD, dx.size(), dx.size(), g.height(), g.width(), g.kernel(), g.stride(), g.outHeight(),
                g.outWidth(), (float) (g.kernel() * g.kernel()), mem(dout), mem(dx));
    }

    // Batch normalization

    /** One work-group of the reductions' size per channel (the batch-norm kernels' GPU shape). */
    private void launchPerChannel(ClKernel kernel, int channels, Object... args) {
        int wg = tunables.reduceWg();
        launch(kernel, new long[] {(long) channels * wg}, new long[] {wg}, args);
    }

    @Override
    protected void doBatchNormStats(Matrix x, int channels, float momentum, Matrix mean, Matrix var, Matrix runMean,
                                    Matrix runVar) {
        Object[] args = {x.rows(), channels, x.cols() / channels, momentum, mem(x), mem(mean), mem(var), mem(runMean), mem(runVar)};
        if (profile.serialChannelSums()) launch1(ClKernel.BN_STATS, channels, args);
        else launchPerChannel(ClKernel.BN_STATS_GROUPS, channels, args);
    }

    @Override
    protected void doBatchNormForward(Matrix x, Matrix mean, Matrix var, Matrix gamma, Matrix beta, float eps, Matrix xhat,
                                      Matrix out) {
        launchElems(ClKernel.BN_FORWARD, x.size(), x.size(), x.cols(), x.cols() / mean.cols(), eps, mem(x), mem(mean), mem(var),
                mem(gamma), mem(beta), mem(xhat), mem(out));
    }

    @Override
    protected void doBatchNormBackward(Matrix dout, Matrix xhat, Matrix var, Matrix gamma, float eps, Matrix dgamma,
                                       Matrix dbeta, Matrix dx) {
        int channels = var.cols(), p = dout.cols() / channels;
        Object[] args = {dout.rows(), channels, p, mem(dout), mem(xhat), mem(dgamma), mem(dbeta)};
        if (profile.serialChannelSums()) launch1(ClKernel.BN_BACKWARD_REDUCE, channels, args);
        else launchPerChannel(ClKernel.BN_BACKWARD_REDUCE_GROUPS, channels, args);
        // The same float M as the Java reference: N*P rounded once.
        launchElems(ClKernel.BN_BACKWARD_DX, dout.size(), dout.size(), dout.cols(), p, (float) dout.rows() * p, eps, mem(dout),
                mem(xhat), mem(var), mem(gamma), mem(dgamma), mem(dbeta), mem(dx));
    }
}
