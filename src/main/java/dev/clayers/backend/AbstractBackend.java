package dev.clayers.backend;

import java.util.ArrayList;
import java.util.List;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Checks every argument at the {@link Backend} boundary (ownership, closed buffers, shapes) and
 * counts live buffers, so that each backend implements only the numerics in the {@code do*}
 * methods and can trust its arguments there.
 */
public abstract class AbstractBackend implements Backend {
    private final AtomicLong liveBuffers = new AtomicLong();
    private final AtomicLong liveBytes = new AtomicLong();
    private volatile boolean closed;

    // ---- buffer accounting, for subclasses' Matrix/IntVector implementations -------------------

    /** Call when a device buffer of {@code bytes} is allocated. */
    protected final void countAlloc(long bytes) {
        liveBuffers.incrementAndGet();
        liveBytes.addAndGet(bytes);
    }

    /** Call when a device buffer of {@code bytes} is released. */
    protected final void countRelease(long bytes) {
        liveBuffers.decrementAndGet();
        liveBytes.addAndGet(-bytes);
    }

    @Override public final long liveBuffers() { return liveBuffers.get(); }
    @Override public final long liveBytes() { return liveBytes.get(); }

    /** Whether {@link #close()} has run; a subclass's buffers check it before touching the device. */
    protected final boolean isClosed() { return closed; }

    /**
     * Waits for a call that holds this backend's {@link BackendLock} (a prediction or a fit on
     * another thread) to finish, then releases the device; every later call fails with "backend
     * ... is closed" instead of reaching freed device memory.
     */
    @Override
    public final void close() {
        var lock = BackendLock.of(this);
        lock.lock();
        try {
            if (!closed) {
                closed = true;
                doClose();
            }
        } finally {
            lock.unlock();
        }
    }

    /** Releases the device, once, under the backend's lock; {@link #close()} has already marked the backend closed. */
    protected abstract void doClose();

    // ---- checks ---------------------------------------------------------------------------------

    private void checkOpen() {
        if (closed) throw new IllegalStateException("backend " + id() + " is closed");
    }

    private void own(String what, Matrix m) {
        if (m == null) throw new IllegalArgumentException(what + " is null");
        checkOpen();
        if (m.backend() != this) {
            throw new IllegalArgumentException(what + " " + m + " belongs to backend " + m.backend().id()
                    + ", not " + id() + "; copy it through the host (download/upload) explicitly");
        }
        if (m.isClosed()) throw new IllegalStateException(what + " " + m + " is closed");
    }

    private void own(String what, IntVector v) {
        if (v == null) throw new IllegalArgumentException(what + " is null");
        checkOpen();
        if (v.backend() != this) {
            throw new IllegalArgumentException(what + " " + v + " belongs to backend " + v.backend().id()
                    + ", not " + id());
        }
        if (v.isClosed()) throw new IllegalStateException(what + " " + v + " is closed");
    }

    private static void sameShape(String op, String an, Matrix a, String bn, Matrix b) {
        if (a.rows() != b.rows() || a.cols() != b.cols()) {
            throw new IllegalArgumentException(op + ": " + an + " is " + a.shape() + " but " + bn + " is " + b.shape()
                    + "; they must have the same shape");
        }
    }

    /** Checks of a two-matrix op: open, both matrices ours, same shape. */
    private void sameShapes(String op, String an, Matrix a, String bn, Matrix b) {
        checkOpen();
        own(an, a);
        own(bn, b);
        sameShape(op, an, a, bn, b);
    }

    /** Checks of a three-matrix op: open, all ours, all of {@code a}'s shape. */
    private void sameShapes(String op, String an, Matrix a, String bn, Matrix b, String cn, Matrix c) {
        checkOpen();
        own(an, a);
        own(bn, b);
        own(cn, c);
        sameShape(op, an, a, bn, b);
        sameShape(op, an, a, cn, c);
    }

    private static void labelsFit(String op, Matrix x, IntVector labels) {
        if (labels.length() != x.rows()) {
            throw new IllegalArgumentException(op + ": labels has length " + labels.length() + " but x is "
                    + x.shape() + "; need one label per row");
        }
    }

    private static void positive(String what, int n) {
        if (n <= 0) throw new IllegalArgumentException(what + " must be positive, got " + n);
    }

    /** A matrix's element count in long, against the cap: rows x cols must not wrap the int a buffer is indexed by. */
    private static void fitsOneMatrix(int rows, int cols) {
        if ((long) rows * cols > dev.clayers.Limits.MAX_MATRIX_ELEMENTS) {
            throw new IllegalArgumentException("a " + rows + "x" + cols + " matrix has " + (long) rows * cols
                    + " elements, more than one matrix can hold (" + dev.clayers.Limits.format(dev.clayers.Limits.MAX_MATRIX_ELEMENTS)
                    + "); use a smaller batch or narrower layers");
        }
    }

    // ---- memory ---------------------------------------------------------------------------------

    @Override
    public final Matrix alloc(int rows, int cols) {
        checkOpen();
        positive("rows", rows);
        positive("cols", cols);
        fitsOneMatrix(rows, cols);
        return doAlloc(rows, cols);
    }

    @Override
    public final Matrix upload(float[] src, int rows, int cols) {
        checkOpen();
        positive("rows", rows);
        positive("cols", cols);
        if (src == null) throw new IllegalArgumentException("upload: the host array is null");
        if (src.length != (long) rows * cols) {
            throw new IllegalArgumentException("upload: host array has " + src.length + " floats but shape "
                    + rows + "x" + cols + " needs " + (long) rows * cols);
        }
        Matrix m = doAlloc(rows, cols);
        doWrite(m, src);
        return m;
    }

    @Override
    public final void write(Matrix dst, float[] src) {
        checkOpen();
        own("dst", dst);
        if (src == null) throw new IllegalArgumentException("write: the host array is null");
        if (src.length != dst.size()) {
            throw new IllegalArgumentException("write: host array has " + src.length + " floats but dst is "
                    + dst.shape() + " (" + dst.size() + ")");
        }
        doWrite(dst, src);
    }

    @Override
    public final float[] download(Matrix src) {
        checkOpen();
        own("src", src);
        float[] out = new float[src.size()];
        doRead(src, out);
        return out;
    }

    @Override
    public final List<float[]> download(List<Matrix> srcs) {
        checkOpen();
        List<float[]> out = new ArrayList<>(srcs.size());
        for (int i = 0; i < srcs.size(); i++) {
            own("srcs[" + i + "]", srcs.get(i));
            out.add(new float[srcs.get(i).size()]);
        }
        if (!srcs.isEmpty()) doReadAll(srcs, out);
        return out;
    }

    @Override
    public final void read(List<Matrix> srcs, List<float[]> dsts) {
        checkPairs("read", "src", srcs, dsts);
        if (!srcs.isEmpty()) doReadAll(srcs, dsts);
    }

    @Override
    public final void write(List<Matrix> dsts, List<float[]> srcs) {
        checkPairs("write", "dst", dsts, srcs);
        if (!dsts.isEmpty()) doWriteAll(dsts, srcs);
    }

    /** The checks of {@link #read} and {@link #write}: open, as many arrays as matrices, each matrix ours, each array as long as its matrix. */
    private void checkPairs(String op, String side, List<Matrix> matrices, List<float[]> hosts) {
        checkOpen();
        if (matrices.size() != hosts.size()) {
            throw new IllegalArgumentException(op + ": " + matrices.size() + " matrices but " + hosts.size() + " host arrays");
        }
        for (int i = 0; i < matrices.size(); i++) {
            Matrix mat = matrices.get(i);
            own(side + "s[" + i + "]", mat);
            float[] host = hosts.get(i);
            if (host == null) throw new IllegalArgumentException(op + ": host array " + i + " is null");
            if (host.length != mat.size()) {
                throw new IllegalArgumentException(op + ": host array " + i + " has " + host.length + " floats but " + side + " is "
                        + mat.shape() + " (" + mat.size() + ")");
            }
        }
    }

    /** Reads each matrix into its array (lengths checked); one {@link #doRead} each unless a backend waits once. */
    protected void doReadAll(List<Matrix> srcs, List<float[]> dsts) {
        for (int i = 0; i < srcs.size(); i++) doRead(srcs.get(i), dsts.get(i));
    }

    /** Writes each array into its matrix (lengths checked); one {@link #doWrite} each unless a backend waits once. */
    protected void doWriteAll(List<Matrix> dsts, List<float[]> srcs) {
        for (int i = 0; i < dsts.size(); i++) doWrite(dsts.get(i), srcs.get(i));
    }

    @Override
    public final IntVector allocInts(int length) {
        checkOpen();
        positive("length", length);
        return doAllocInts(length);
    }

    @Override
    public final IntVector uploadInts(int[] src) {
        checkOpen();
        if (src == null) throw new IllegalArgumentException("uploadInts: the host array is null");
        positive("length", src.length);
        IntVector v = doAllocInts(src.length);
        doWriteInts(v, src);
        return v;
    }

    @Override
    public final void writeInts(IntVector dst, int[] src) {
        checkOpen();
        own("dst", dst);
        if (src == null) throw new IllegalArgumentException("writeInts: the host array is null");
        if (src.length != dst.length()) {
            throw new IllegalArgumentException("writeInts: host array has " + src.length + " ints but dst has length "
                    + dst.length());
        }
        doWriteInts(dst, src);
    }

    @Override
    public final int[] downloadInts(IntVector src) {
        checkOpen();
        own("src", src);
        int[] out = new int[src.length()];
        doReadInts(src, out);
        return out;
    }

    @Override
    public final void copy(Matrix src, Matrix dst) {
        checkOpen();
        own("src", src);
        own("dst", dst);
        sameShape("copy", "src", src, "dst", dst);
        if (src != dst) doCopy(src, dst);
    }

    @Override
    public final void fill(Matrix m, float value) {
        checkOpen();
        own("m", m);
        doFill(m, value);
    }

    @Override
    public final void gatherRows(Matrix src, IntVector indices, int offset, Matrix dst) {
        checkOpen();
        own("src", src);
        own("indices", indices);
        own("dst", dst);
        if (src.cols() != dst.cols()) {
            throw new IllegalArgumentException("gatherRows: src is " + src.shape() + " but dst is " + dst.shape()
                    + "; column counts must match");
        }
        if (offset < 0 || (long) offset + dst.rows() > indices.length()) {
            throw new IllegalArgumentException("gatherRows: rows " + offset + ".." + ((long) offset + dst.rows())
                    + " are outside the index vector of length " + indices.length());
        }
        doGatherRows(src, indices, offset, dst);
    }

    @Override
    public final void gatherRowsShifted(Matrix src, IntVector indices, int offset, int width, int height, int maxShift,
                                        int seed, int firstRow, Matrix dst) {
        checkOpen();
        own("src", src);
        own("indices", indices);
        own("dst", dst);
        if (src.cols() != dst.cols() || (long) width * height != src.cols()) {
            throw new IllegalArgumentException("gatherRowsShifted: src is " + src.shape() + ", dst is " + dst.shape()
                    + "; both need width*height = " + width + "*" + height + " columns");
        }
        if (maxShift < 0 || maxShift >= Math.min(width, height)) {
            throw new IllegalArgumentException("gatherRowsShifted: max shift must be in [0, " + Math.min(width, height)
                    + "), got " + maxShift);
        }
        if (offset < 0 || (long) offset + dst.rows() > indices.length()) {
            throw new IllegalArgumentException("gatherRowsShifted: rows " + offset + ".." + ((long) offset + dst.rows())
                    + " are outside the index vector of length " + indices.length());
        }
        if (firstRow < 0 || (long) firstRow + dst.rows() > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("gatherRowsShifted: first row " + firstRow + " must be >= 0 and leave room for "
                    + dst.rows() + " rows below 2^31");
        }
        doGatherRowsShifted(src, indices, offset, width, height, maxShift, seed, firstRow, dst);
    }

    /**
     * The shift of row {@code r} for {@link #gatherRowsShifted}: {@code {dx, dy}}. Must match
     * {@code kernels/random.cl}.
     */
    public static int[] augmentShift(int seed, int r, int maxShift) {
        int h = mix32(seed, r);
        int span = 2 * maxShift + 1;
        return new int[] {Integer.remainderUnsigned(h & 0xFFFF, span) - maxShift,
                Integer.remainderUnsigned(h >>> 16, span) - maxShift};
    }

    @Override
    public final void randomIndices(IntVector out, int bound, int seed) {
        checkOpen();
        own("out", out);
        positive("bound", bound);
        doRandomIndices(out, bound, seed);
    }

    /** The index {@link #randomIndices} draws at position i. Must match {@code kernels/random.cl}. */
    public static int randomIndex(int seed, int i, int bound) {
        return Integer.remainderUnsigned(mix32(seed, i), bound);
    }

    @Override
    public final void gatherInts(IntVector src, IntVector indices, int offset, IntVector dst) {
        checkOpen();
        own("src", src);
        own("indices", indices);
        own("dst", dst);
        if (offset < 0 || (long) offset + dst.length() > indices.length()) {
            throw new IllegalArgumentException("gatherInts: entries " + offset + ".." + ((long) offset + dst.length())
                    + " are outside the index vector of length " + indices.length());
        }
        doGatherInts(src, indices, offset, dst);
    }

    // ---- linear algebra -------------------------------------------------------------------------

    @Override
    public final void gemm(boolean transA, boolean transB, float alpha, Matrix a, Matrix b, float beta, Matrix c) {
        checkOpen();
        own("a", a);
        own("b", b);
        own("c", c);
        if (c == a || c == b) throw new IllegalArgumentException("gemm: c must not alias a or b");
        int m = transA ? a.cols() : a.rows();
        int ka = transA ? a.rows() : a.cols();
        int kb = transB ? b.cols() : b.rows();
        int n = transB ? b.rows() : b.cols();
        if (ka != kb || c.rows() != m || c.cols() != n) {
            throw new IllegalArgumentException("gemm: op(a) is " + m + "x" + ka + " (a " + a.shape() + (transA ? ", transposed" : "")
                    + "), op(b) is " + kb + "x" + n + " (b " + b.shape() + (transB ? ", transposed" : "")
                    + "), c is " + c.shape() + "; need op(a) MxK, op(b) KxN, c MxN");
        }
        doGemm(transA, transB, m, n, ka, alpha, a, b, beta, c);
    }

    @Override
    public final void addBias(Matrix x, Matrix bias, Matrix out) {
        addBiasChecks("addBias", x, bias, out);
        doAddBias(x, bias, out);
    }

    private void addBiasChecks(String op, Matrix x, Matrix bias, Matrix out) {
        checkOpen();
        own("x", x);
        own("bias", bias);
        own("out", out);
        if (bias.rows() != 1 || bias.cols() != x.cols()) {
            throw new IllegalArgumentException(op + ": x is " + x.shape() + " but bias is " + bias.shape()
                    + "; bias must be 1x" + x.cols());
        }
        sameShape(op, "x", x, "out", out);
    }

    /** Rejects an output that is the same matrix as an input it would overwrite before reading. */
    private static void distinct(String op, String outName, Matrix out, String an, Matrix a, String bn, Matrix b) {
        if (out == a || out == b) {
            throw new IllegalArgumentException(op + ": " + outName + " must be a matrix of its own, not " + (out == a ? an : bn));
        }
    }

    @Override
    public final void addBiasRelu(Matrix x, Matrix bias, Matrix out, Matrix mask) {
        addBiasChecks("addBiasRelu", x, bias, out);
        own("mask", mask);
        sameShape("addBiasRelu", "x", x, "mask", mask);
        distinct("addBiasRelu", "mask", mask, "x", x, "out", out);
        doAddBiasRelu(x, bias, out, mask);
    }

    @Override
    public final void sumColumns(Matrix x, Matrix out) {
        checkOpen();
        own("x", x);
        own("out", out);
        if (out.rows() != 1 || out.cols() != x.cols()) {
            throw new IllegalArgumentException("sumColumns: x is " + x.shape() + " but out is " + out.shape()
                    + "; out must be 1x" + x.cols());
        }
        doSumColumns(x, out);
    }

    @Override
    public final void axpy(float alpha, Matrix x, Matrix y) {
        axpyChecks(x, y);
        doAxpy(alpha, x, y);
    }

    private void axpyChecks(Matrix x, Matrix y) {
        sameShapes("axpy", "x", x, "y", y);
    }

    // ---- element-wise ops -----------------------------------------------------------------------

    @Override
    public final void elementwise(ElementOp op, Matrix... args) {
        checkOpen();
        if (op == null) throw new IllegalArgumentException("op is null");
        List<ElementOp.Arg> declared = op.args();
        if (args == null || args.length != declared.size()) {
            throw new IllegalArgumentException(op.id() + " takes " + declared.size() + " matrices ("
                    + String.join(", ", declared.stream().map(ElementOp.Arg::name).toList()) + "), got "
                    + (args == null ? "none" : Integer.toString(args.length)));
        }
        for (int k = 0; k < args.length; k++) own(declared.get(k).name(), args[k]);
        for (int k = 1; k < args.length; k++) sameShape(op.id(), declared.get(0).name(), args[0], declared.get(k).name(), args[k]);
        List<Integer> outs = op.outputs();
        for (int i = 0; i < outs.size(); i++) {
            for (int j = i + 1; j < outs.size(); j++) {
                if (args[outs.get(i)] == args[outs.get(j)]) {
                    throw new IllegalArgumentException(op.id() + ": " + declared.get(outs.get(i)).name() + " and "
                            + declared.get(outs.get(j)).name() + " are outputs and must be two matrices, not one");
                }
            }
        }
        doElementwise(op, args);
    }

    @Override
    public final void dropoutMask(Matrix mask, float ratio, int seed, int first) {
        checkOpen();
        own("mask", mask);
        if (!(ratio >= 0f && ratio < 1f)) {
            throw new IllegalArgumentException("dropout ratio must be in [0, 1), got " + ratio);
        }
        if (first < 0 || (long) first + mask.size() > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("dropoutMask: first element " + first + " must be >= 0 and leave room for "
                    + mask.size() + " elements below 2^31");
        }
        doDropoutMask(mask, ratio, seed, first);
    }

    /**
     * The uniform in [0, 1) behind {@link #dropoutMask}: a 32-bit integer hash of (seed, i), its
     * top 24 bits scaled by 2^-24 (exact in float). Must match {@code kernels/random.cl}.
     */
    public static float dropoutUniform(int seed, int i) {
        return (mix32(seed, i) >>> 8) * (1.0f / 16777216.0f);
    }

    /** A 32-bit integer hash of (seed, i) (lowbias32 finaliser); the kernels compute the same. */
    private static int mix32(int seed, int i) {
        int h = seed ^ (i * 0x9E3779B9);
        h ^= h >>> 16;
        h *= 0x7FEB352D;
        h ^= h >>> 15;
        h *= 0x846CA68B;
        h ^= h >>> 16;
        return h;
    }

    // ---- loss -----------------------------------------------------------------------------------

    @Override
    public final float softmaxCrossEntropy(Matrix x, IntVector labels, Matrix probs) {
        checkOpen();
        own("x", x);
        own("labels", labels);
        own("probs", probs);
        labelsFit("softmaxCrossEntropy", x, labels);
        sameShape("softmaxCrossEntropy", "x", x, "probs", probs);
        return doSoftmaxCrossEntropy(x, labels, probs);
    }

    @Override
    public final float softmaxCrossEntropyWithGradient(Matrix x, IntVector labels, Matrix probs, float scale, Matrix dx) {
        softmaxWithGradientChecks(x, labels, probs, dx);
        return doSoftmaxCrossEntropyWithGradient(x, labels, probs, scale, dx);
    }

    @Override
    public final Pending softmaxCrossEntropyWithGradientAsync(Matrix x, IntVector labels, Matrix probs, float scale, Matrix dx) {
        softmaxWithGradientChecks(x, labels, probs, dx);
        return doSoftmaxCrossEntropyWithGradientAsync(x, labels, probs, scale, dx);
    }

    private void softmaxWithGradientChecks(Matrix x, IntVector labels, Matrix probs, Matrix dx) {
        checkOpen();
        own("x", x);
        own("labels", labels);
        own("probs", probs);
        own("dx", dx);
        labelsFit("softmaxCrossEntropyWithGradient", x, labels);
        sameShape("softmaxCrossEntropyWithGradient", "x", x, "probs", probs);
        sameShape("softmaxCrossEntropyWithGradient", "x", x, "dx", dx);
        distinct("softmaxCrossEntropyWithGradient", "dx", dx, "x", x, "probs", probs);
    }

    @Override
    public final void softmaxCrossEntropyBackward(Matrix probs, IntVector labels, float scale, Matrix dx) {
        checkOpen();
        own("probs", probs);
        own("labels", labels);
        own("dx", dx);
        labelsFit("softmaxCrossEntropyBackward", probs, labels);
        sameShape("softmaxCrossEntropyBackward", "probs", probs, "dx", dx);
        doSoftmaxCrossEntropyBackward(probs, labels, scale, dx);
    }

    @Override
    public final void argmaxRows(Matrix x, IntVector out) {
        checkOpen();
        own("x", x);
        own("out", out);
        labelsFit("argmaxRows", x, out);
        doArgmaxRows(x, out);
    }

    @Override
    public final int countCorrect(Matrix x, IntVector labels) {
        checkOpen();
        own("x", x);
        own("labels", labels);
        labelsFit("countCorrect", x, labels);
        return doCountCorrect(x, labels);
    }

    // ---- optimizers -----------------------------------------------------------------------------

    @Override
    public final void momentumStep(Matrix p, Matrix g, Matrix v, float lr, float momentum) {
        sameShapes("momentumStep", "p", p, "g", g, "v", v);
        doMomentumStep(p, g, v, lr, momentum);
    }

    @Override
    public final void adagradStep(Matrix p, Matrix g, Matrix h, float lr, float eps) {
        sameShapes("adagradStep", "p", p, "g", g, "h", h);
        doAdagradStep(p, g, h, lr, eps);
    }

    @Override
    public final void rmspropStep(Matrix p, Matrix g, Matrix h, float lr, float decay, float eps) {
        sameShapes("rmspropStep", "p", p, "g", g, "h", h);
        doRmspropStep(p, g, h, lr, decay, eps);
    }

    @Override
    public final void adamStep(Matrix p, Matrix g, Matrix m, Matrix v, float lrT, float beta1, float beta2, float eps) {
        adamChecks(p, g, m, v);
        doAdamStep(p, g, m, v, lrT, beta1, beta2, eps);
    }

    private void adamChecks(Matrix p, Matrix g, Matrix m, Matrix v) {
        checkOpen();
        own("p", p);
        own("g", g);
        own("m", m);
        own("v", v);
        sameShape("adamStep", "p", p, "g", g);
        sameShape("adamStep", "p", p, "m", m);
        sameShape("adamStep", "p", p, "v", v);
    }

    @Override
    public final void axpy(float alpha, List<Matrix> xs, List<Matrix> ys) {
        parallel("axpy", xs, ys);
        for (int i = 0; i < xs.size(); i++) axpyChecks(xs.get(i), ys.get(i));
        doAxpy(alpha, xs, ys);
    }

    @Override
    public final void momentumStep(List<Matrix> p, List<Matrix> g, List<Matrix> v, float lr, float momentum) {
        parallel("momentumStep", p, g, v);
        for (int i = 0; i < p.size(); i++) sameShapes("momentumStep", "p", p.get(i), "g", g.get(i), "v", v.get(i));
        doMomentumStep(p, g, v, lr, momentum);
    }

    @Override
    public final void adagradStep(List<Matrix> p, List<Matrix> g, List<Matrix> h, float lr, float eps) {
        parallel("adagradStep", p, g, h);
        for (int i = 0; i < p.size(); i++) sameShapes("adagradStep", "p", p.get(i), "g", g.get(i), "h", h.get(i));
        doAdagradStep(p, g, h, lr, eps);
    }

    @Override
    public final void rmspropStep(List<Matrix> p, List<Matrix> g, List<Matrix> h, float lr, float decay, float eps) {
        parallel("rmspropStep", p, g, h);
        for (int i = 0; i < p.size(); i++) sameShapes("rmspropStep", "p", p.get(i), "g", g.get(i), "h", h.get(i));
        doRmspropStep(p, g, h, lr, decay, eps);
    }

    @Override
    public final void adamStep(List<Matrix> p, List<Matrix> g, List<Matrix> m, List<Matrix> v, float lrT, float beta1,
                               float beta2, float eps) {
        parallel("adamStep", p, g, m, v);
        for (int i = 0; i < p.size(); i++) adamChecks(p.get(i), g.get(i), m.get(i), v.get(i));
        doAdamStep(p, g, m, v, lrT, beta1, beta2, eps);
    }

    /** The list forms' lists must be parallel: one entry per tensor in each. */
    @SafeVarargs
    private void parallel(String op, List<Matrix>... lists) {
        checkOpen();
        for (List<Matrix> l : lists) {
            if (l.size() != lists[0].size()) {
                throw new IllegalArgumentException(op + ": " + lists[0].size() + " tensors in the first list but " + l.size()
                        + " in another; the lists must be parallel");
            }
        }
    }

    @Override
    public final void finish() {
        checkOpen();
        doFinish();
    }

    // ---- what each backend implements (arguments already checked) -------------------------------

    /** {@link #alloc}: a new {@code rows x cols} matrix on this device, contents undefined; both sizes checked positive. */
    protected abstract Matrix doAlloc(int rows, int cols);
    /**
     * {@link #write} and {@link #upload}: copies {@code src} (row-major, exactly {@code dst.size()} values) into
     * {@code dst}.
     */
    protected abstract void doWrite(Matrix dst, float[] src);
    /** {@link #download}: copies {@code src} into {@code dst} (row-major, exactly {@code src.size()} values). */
    protected abstract void doRead(Matrix src, float[] dst);
    /** {@link #allocInts}: a new int vector of {@code length} elements on this device, contents undefined. */
    protected abstract IntVector doAllocInts(int length);
    /**
     * {@link #writeInts} and {@link #uploadInts}: copies {@code src} (exactly {@code dst.length()} values) into
     * {@code dst}.
     */
    protected abstract void doWriteInts(IntVector dst, int[] src);
    /** {@link #downloadInts}: copies {@code src} into {@code dst} (exactly {@code src.length()} values). */
    protected abstract void doReadInts(IntVector src, int[] dst);
    /** {@link #copy}: {@code dst = src}, two distinct matrices of one shape. */
    protected abstract void doCopy(Matrix src, Matrix dst);
    /** {@link #fill}: sets every element of {@code m} to {@code value}. */
    protected abstract void doFill(Matrix m, float value);
    /**
     * {@link #gatherRows}: row {@code i} of {@code dst} = row {@code indices[offset + i]} of {@code src}; indices
     * checked in range.
     */
    protected abstract void doGatherRows(Matrix src, IntVector indices, int offset, Matrix dst);
    /**
     * {@link #gatherRowsShifted}: {@link #doGatherRows} of {@code width x height} images, each moved by a random shift
     * of at most {@code maxShift} pixels drawn from {@code seed}, zeros shifted in.
     */
    protected abstract void doGatherRowsShifted(Matrix src, IntVector indices, int offset, int width, int height,
                                                int maxShift, int seed, int firstRow, Matrix dst);
    /** {@link #randomIndices}: fills {@code out} with indices uniform in {@code [0, bound)} drawn from {@code seed}. */
    protected abstract void doRandomIndices(IntVector out, int bound, int seed);
    /** {@link #gatherInts}: {@code dst[i] = src[indices[offset + i]]}. */
    protected abstract void doGatherInts(IntVector src, IntVector indices, int offset, IntVector dst);
    /**
     * {@link #gemm}: {@code C = alpha op(A) op(B) + beta C} with {@code op(A)} {@code m x k} and {@code op(B)}
     * {@code k x n}; shapes checked, C distinct from A and B.
     */
    protected abstract void doGemm(boolean transA, boolean transB, int m, int n, int k,
                                   float alpha, Matrix a, Matrix b, float beta, Matrix c);
    /**
     * {@link #addBias}: {@code out = x + bias}, the {@code 1 x cols} bias added to every row; {@code out} may be
     * {@code x}.
     */
    protected abstract void doAddBias(Matrix x, Matrix bias, Matrix out);
    /** {@link #sumColumns}: {@code out} ({@code 1 x cols}) = the sum of {@code x}'s rows. */
    protected abstract void doSumColumns(Matrix x, Matrix out);
    /** {@link #axpy}: {@code y += alpha x}, same shape. */
    protected abstract void doAxpy(float alpha, Matrix x, Matrix y);
    /** {@link #elementwise}: args checked (count, ownership, one shape, distinct outputs). */
    protected abstract void doElementwise(ElementOp op, Matrix[] args);
    /**
     * {@link #dropoutMask}: each element of {@code mask} {@code 1 / (1 - ratio)} with probability {@code 1 - ratio},
     * else 0, from {@code seed}, drawn as element {@code first + i} of a larger mask.
     */
    protected abstract void doDropoutMask(Matrix mask, float ratio, int seed, int first);
    /**
     * {@link #softmaxCrossEntropy}: row-wise softmax of {@code x} into {@code probs}; returns the mean cross-entropy
     * loss against {@code labels}.
     */
    protected abstract float doSoftmaxCrossEntropy(Matrix x, IntVector labels, Matrix probs);
    /** {@link #softmaxCrossEntropyBackward}: {@code dx = scale (probs - onehot(labels)) / rows}. */
    protected abstract void doSoftmaxCrossEntropyBackward(Matrix probs, IntVector labels, float scale, Matrix dx);

    /** The two unfused steps; a backend overrides this with one pass when it has one. */
    protected float doSoftmaxCrossEntropyWithGradient(Matrix x, IntVector labels, Matrix probs, float scale, Matrix dx) {
        float loss = doSoftmaxCrossEntropy(x, labels, probs);
        doSoftmaxCrossEntropyBackward(probs, labels, scale, dx);
        return loss;
    }

    /** Synchronous by default: the value is there at once. */
    protected Pending doSoftmaxCrossEntropyWithGradientAsync(Matrix x, IntVector labels, Matrix probs, float scale, Matrix dx) {
        float loss = doSoftmaxCrossEntropyWithGradient(x, labels, probs, scale, dx);
        return () -> loss;
    }

    /** The two unfused steps; a backend overrides this with one pass when it has one. */
    protected void doAddBiasRelu(Matrix x, Matrix bias, Matrix out, Matrix mask) {
        doAddBias(x, bias, out);
        doElementwise(ElementOp.RELU_FORWARD, new Matrix[] {out, out, mask});
    }
    /** {@link #argmaxRows}: {@code out[i]} = the column of row {@code i}'s largest value (the first on ties). */
    protected abstract void doArgmaxRows(Matrix x, IntVector out);
    /** {@link #countCorrect}: how many rows of {@code x} have their largest value at the column of their label. */
    protected abstract int doCountCorrect(Matrix x, IntVector labels);
    /** {@link #momentumStep}: {@code v = momentum v - lr g; p += v}. */
    protected abstract void doMomentumStep(Matrix p, Matrix g, Matrix v, float lr, float momentum);
    /** {@link #adagradStep}: {@code h += g^2; p -= lr g / (sqrt(h) + eps)}. */
    protected abstract void doAdagradStep(Matrix p, Matrix g, Matrix h, float lr, float eps);
    /** {@link #rmspropStep}: {@code h = decay h + (1 - decay) g^2; p -= lr g / (sqrt(h) + eps)}. */
    protected abstract void doRmspropStep(Matrix p, Matrix g, Matrix h, float lr, float decay, float eps);
    /**
     * {@link #adamStep}: {@code m += (1 - beta1)(g - m); v += (1 - beta2)(g^2 - v); p -= lrT m / (sqrt(v) + eps)}, with
     * the bias correction folded into {@code lrT}.
     */
    protected abstract void doAdamStep(Matrix p, Matrix g, Matrix m, Matrix v, float lrT, float beta1, float beta2, float eps);

    // The list forms, one tensor at a time unless a backend has a grouped kernel.

    /**
     * The list form of {@link #doAxpy(float, Matrix, Matrix)}, pair by pair; a backend with a grouped kernel overrides
     * it.
     */
    protected void doAxpy(float alpha, List<Matrix> xs, List<Matrix> ys) {
        for (int i = 0; i < xs.size(); i++) doAxpy(alpha, xs.get(i), ys.get(i));
    }

    /**
     * The list form of {@link #doMomentumStep(Matrix, Matrix, Matrix, float, float)}, one tensor at a time unless
     * overridden.
     */
    protected void doMomentumStep(List<Matrix> p, List<Matrix> g, List<Matrix> v, float lr, float momentum) {
        for (int i = 0; i < p.size(); i++) doMomentumStep(p.get(i), g.get(i), v.get(i), lr, momentum);
    }

    /**
     * The list form of {@link #doAdagradStep(Matrix, Matrix, Matrix, float, float)}, one tensor at a time unless
     * overridden.
     */
    protected void doAdagradStep(List<Matrix> p, List<Matrix> g, List<Matrix> h, float lr, float eps) {
        for (int i = 0; i < p.size(); i++) doAdagradStep(p.get(i), g.get(i), h.get(i), lr, eps);
    }

    /**
     * The list form of {@link #doRmspropStep(Matrix, Matrix, Matrix, float, float, float)}, one tensor at a time unless
     * overridden.
     */
    protected void doRmspropStep(List<Matrix> p, List<Matrix> g, List<Matrix> h, float lr, float decay, float eps) {
        for (int i = 0; i < p.size(); i++) doRmspropStep(p.get(i), g.get(i), h.get(i), lr, decay, eps);
    }

    /**
     * The list form of {@link #doAdamStep(Matrix, Matrix, Matrix, Matrix, float, float, float, float)}, one tensor at a
     * time unless overridden.
     */
    protected void doAdamStep(List<Matrix> p, List<Matrix> g, List<Matrix> m, List<Matrix> v, float lrT, float beta1, float beta2,
                              float eps) {
        for (int i = 0; i < p.size(); i++) doAdamStep(p.get(i), g.get(i), m.get(i), v.get(i), lrT, beta1, beta2, eps);
    }
    /** {@link #finish}: waits until every op queued on the device has completed. */
    protected abstract void doFinish();

    // ---- convolution and pooling ----------------------------------------------------------------

    /** x must be a batch of g's images: C*H*W columns. */
    private static void images(String op, String xn, Matrix x, ConvGeometry g) {
        if (x.cols() != g.imageSize()) {
            throw new IllegalArgumentException(op + ": " + xn + " is " + x.shape() + " but images of " + g.channels() + "x"
                    + g.height() + "x" + g.width() + " need " + g.imageSize() + " columns");
        }
    }

    private static void colShape(String op, String xn, Matrix x, String cn, Matrix col, ConvGeometry g) {
        images(op, xn, x, g);
        if ((long) col.rows() != (long) x.rows() * g.positions() || col.cols() != g.patchSize()) {
            throw new IllegalArgumentException(op + ": " + xn + " is " + x.shape() + " (" + g.describe() + ") so " + cn
                    + " must be " + (long) x.rows() * g.positions() + "x" + g.patchSize() + ", got " + col.shape());
        }
    }

    @Override
    public final void im2col(Matrix x, ConvGeometry g, Matrix col) {
        checkOpen();
        own("x", x);
        own("col", col);
        colShape("im2col", "x", x, "col", col, g);
        doIm2col(x, g, col);
    }

    @Override
    public final void col2im(Matrix dcol, ConvGeometry g, Matrix dx) {
        checkOpen();
        own("dcol", dcol);
        own("dx", dx);
        if (dcol == dx) throw new IllegalArgumentException("col2im: dx must be a matrix of its own, not dcol");
        colShape("col2im", "dx", dx, "dcol", dcol, g);
        doCol2im(dcol, g, dx);
    }

    @Override
    public final void transposeBlocks(Matrix src, int rows, int cols, Matrix dst) {
        checkOpen();
        own("src", src);
        own("dst", dst);
        positive("rows", rows);
        positive("cols", cols);
        if (src == dst) throw new IllegalArgumentException("transposeBlocks: dst must be a matrix of its own, not src");
        if (src.size() != dst.size() || src.size() % ((long) rows * cols) != 0) {
            throw new IllegalArgumentException("transposeBlocks: src is " + src.shape() + " and dst " + dst.shape()
                    + "; both need the same number of elements, a multiple of " + rows + "x" + cols);
        }
        doTransposeBlocks(src, rows, cols, dst);
    }

    private static void pooled(String op, String xn, Matrix x, String on, Matrix out, IntVector argmax, ConvGeometry g) {
        images(op, xn, x, g);
        if (out.rows() != x.rows() || (long) out.cols() != (long) g.channels() * g.positions()) {
            throw new IllegalArgumentException(op + ": " + xn + " is " + x.shape() + " (" + g.describe() + ") so " + on
                    + " must be " + x.rows() + "x" + (long) g.channels() * g.positions() + ", got " + out.shape());
        }
        if (argmax.length() != out.size()) {
            throw new IllegalArgumentException(op + ": argmax has length " + argmax.length() + " but " + on + " is "
                    + out.shape() + "; need one index per pooled value");
        }
    }

    @Override
    public final void maxPoolForward(Matrix x, ConvGeometry g, Matrix out, IntVector argmax) {
        checkOpen();
        own("x", x);
        own("out", out);
        own("argmax", argmax);
        if (out == x) throw new IllegalArgumentException("maxPoolForward: out must be a matrix of its own, not x");
        pooled("maxPoolForward", "x", x, "out", out, argmax, g);
        doMaxPoolForward(x, g, out, argmax);
    }

    @Override
    public final void maxPoolBackward(Matrix dout, IntVector argmax, ConvGeometry g, Matrix dx) {
        checkOpen();
        own("dout", dout);
        own("argmax", argmax);
        own("dx", dx);
        if (dout == dx) throw new IllegalArgumentException("maxPoolBackward: dx must be a matrix of its own, not dout");
        pooled("maxPoolBackward", "dx", dx, "dout", dout, argmax, g);
        doMaxPoolBackward(dout, argmax, g, dx);
    }

    /** Shapes of average pooling: x images of g, out N x (C*P), no padding. */
    private static void averaged(String op, String xn, Matrix x, String on, Matrix out, ConvGeometry g) {
        if (g.pad() != 0) {
            throw new IllegalArgumentException(op + ": average pooling takes no padding, got " + g.describe());
        }
        images(op, xn, x, g);
        long pooled = (long) g.channels() * g.positions();
        if (out.rows() != x.rows() || out.cols() != pooled) {
            throw new IllegalArgumentException(op + ": " + xn + " is " + x.shape() + " (" + g.describe() + ") so " + on
                    + " must be " + x.rows() + "x" + pooled + ", got " + out.shape());
        }
    }

    @Override
    public final void avgPoolForward(Matrix x, ConvGeometry g, Matrix out) {
        checkOpen();
        own("x", x);
        own("out", out);
        if (out == x) throw new IllegalArgumentException("avgPoolForward: out must be a matrix of its own, not x");
        averaged("avgPoolForward", "x", x, "out", out, g);
        doAvgPoolForward(x, g, out);
    }

    @Override
    public final void avgPoolBackward(Matrix dout, ConvGeometry g, Matrix dx) {
        checkOpen();
        own("dout", dout);
        own("dx", dx);
        if (dout == dx) throw new IllegalArgumentException("avgPoolBackward: dx must be a matrix of its own, not dout");
        averaged("avgPoolBackward", "dx", dx, "dout", dout, g);
        doAvgPoolBackward(dout, g, dx);
    }

    /** {@link #im2col}: unrolls every window of the images in {@code x} into one row of {@code col}. */
    protected abstract void doIm2col(Matrix x, ConvGeometry g, Matrix col);
    /** {@link #col2im}: the adjoint of {@link #doIm2col}, summing each window row of {@code dcol} back into {@code dx}. */
    protected abstract void doCol2im(Matrix dcol, ConvGeometry g, Matrix dx);
    /** {@link #transposeBlocks}: transposes each {@code rows x cols} block of {@code src} into {@code dst}. */
    protected abstract void doTransposeBlocks(Matrix src, int rows, int cols, Matrix dst);
    /** {@link #maxPoolForward}: the largest value of every window into {@code out}, its position into {@code argmax}. */
    protected abstract void doMaxPoolForward(Matrix x, ConvGeometry g, Matrix out, IntVector argmax);
    /**
     * {@link #maxPoolBackward}: routes each gradient of {@code dout} to the position {@code argmax} recorded; the rest
     * of {@code dx} is 0.
     */
    protected abstract void doMaxPoolBackward(Matrix dout, IntVector argmax, ConvGeometry g, Matrix dx);
    /** {@link #avgPoolForward}: the mean of every window into {@code out}. */
    protected abstract void doAvgPoolForward(Matrix x, ConvGeometry g, Matrix out);
    /** {@link #avgPoolBackward}: spreads each gradient of {@code dout} evenly over its window in {@code dx}. */
    protected abstract void doAvgPoolBackward(Matrix dout, ConvGeometry g, Matrix dx);

    // Batch normalization

    private static void channelVector(String op, String name, Matrix v, int channels) {
        if (v.rows() != 1 || v.cols() != channels) {
            throw new IllegalArgumentException(op + ": " + name + " is " + v.shape() + " but there are " + channels
                    + " channels; it must be 1x" + channels);
        }
    }

    private static void channelsDivide(String op, Matrix x, int channels) {
        if (channels <= 0 || x.cols() % channels != 0) {
            throw new IllegalArgumentException(op + ": x is " + x.shape() + "; its columns must be a positive multiple of "
                    + channels + " channels");
        }
    }

    @Override
    public final void batchNormStats(Matrix x, int channels, float momentum, Matrix mean, Matrix var, Matrix runMean,
                                     Matrix runVar) {
        checkOpen();
        own("x", x);
        own("mean", mean);
        own("var", var);
        own("runMean", runMean);
        own("runVar", runVar);
        channelsDivide("batchNormStats", x, channels);
        for (Matrix v : new Matrix[] {mean, var, runMean, runVar}) channelVector("batchNormStats", "a statistic", v, channels);
        if (!(momentum >= 0f && momentum <= 1f)) throw new IllegalArgumentException("momentum must be in [0, 1], got " + momentum);
        doBatchNormStats(x, channels, momentum, mean, var, runMean, runVar);
    }

    @Override
    public final void batchNormForward(Matrix x, Matrix mean, Matrix var, Matrix gamma, Matrix beta, float eps, Matrix xhat,
                                       Matrix out) {
        checkOpen();
        for (Matrix m : new Matrix[] {x, mean, var, gamma, beta, xhat, out}) own("argument", m);
        int channels = mean.cols();
        channelsDivide("batchNormForward", x, channels);
        channelVector("batchNormForward", "mean", mean, channels);
        channelVector("batchNormForward", "var", var, channels);
        channelVector("batchNormForward", "gamma", gamma, channels);
        channelVector("batchNormForward", "beta", beta, channels);
        sameShape("batchNormForward", "x", x, "xhat", xhat);
        sameShape("batchNormForward", "x", x, "out", out);
        if (xhat == x || out == x || out == xhat) {
            throw new IllegalArgumentException("batchNormForward: x, xhat and out must be three matrices");
        }
        doBatchNormForward(x, mean, var, gamma, beta, eps, xhat, out);
    }

    @Override
    public final void batchNormBackward(Matrix dout, Matrix xhat, Matrix var, Matrix gamma, float eps, Matrix dgamma,
                                        Matrix dbeta, Matrix dx) {
        checkOpen();
        for (Matrix m : new Matrix[] {dout, xhat, var, gamma, dgamma, dbeta, dx}) own("argument", m);
        int channels = var.cols();
        channelsDivide("batchNormBackward", dout, channels);
        for (Matrix v : new Matrix[] {var, gamma, dgamma, dbeta}) channelVector("batchNormBackward", "a channel vector", v, channels);
        sameShape("batchNormBackward", "dout", dout, "xhat", xhat);
        sameShape("batchNormBackward", "dout", dout, "dx", dx);
        if (dx == dout || dx == xhat) throw new IllegalArgumentException("batchNormBackward: dx must be a matrix of its own");
        doBatchNormBackward(dout, xhat, var, gamma, eps, dgamma, dbeta, dx);
    }

    /**
     * {@link #batchNormStats}: per-channel batch mean and variance of {@code x}, and the running averages moved towards
     * them by {@code momentum}.
     */
    protected abstract void doBatchNormStats(Matrix x, int channels, float momentum, Matrix mean, Matrix var, Matrix runMean,
                                             Matrix runVar);
    /**
     * {@link #batchNormForward}: {@code xhat = (x - mean) / sqrt(var + eps)} and {@code out = gamma xhat + beta}, per
     * channel.
     */
    protected abstract void doBatchNormForward(Matrix x, Matrix mean, Matrix var, Matrix gamma, Matrix beta, float eps,
                                               Matrix xhat, Matrix out);
    /**
     * {@link #batchNormBackward}: the gradients of gamma and beta, and {@code dx}, from {@code dout} and the forward
     * pass's {@code xhat}.
     */
    protected abstract void doBatchNormBackward(Matrix dout, Matrix xhat, Matrix var, Matrix gamma, float eps, Matrix dgamma,
                                                Matrix dbeta, Matrix dx);
}
