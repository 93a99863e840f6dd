package dev.clayers.backend.cpu;

import dev.clayers.backend.AbstractBackend;
import dev.clayers.backend.ConvGeometry;
import dev.clayers.backend.DeviceInfo;
import dev.clayers.backend.ElementOp;
import dev.clayers.backend.IntVector;
import dev.clayers.backend.Matrix;

import java.util.Arrays;

/**
 * The pure-Java backend: the fallback where no OpenCL device is, and the reference every other
 * backend is tested against. Element-wise ops are plain loops (memory-bound, C2 vectorises
 * most of them; {@link ElementKernels} has the ones it does not); GEMM is {@link CpuGemm},
 * blocked and multi-threaded.
 */
public final class CpuBackend extends AbstractBackend {
    public static final String ID = "cpu";

    private final DeviceInfo info = new DeviceInfo(ID, "Java " + Runtime.version().feature() + " (" + System.getProperty("os.arch")
            + ", " + CpuGemm.kernelName() + " gemm)",
            System.getProperty("java.vm.vendor", "unknown"), "JAVA", Runtime.getRuntime().availableProcessors(), 0,
            Runtime.getRuntime().maxMemory(), 0, "Java " + Runtime.version(), System.getProperty("java.vm.name", "unknown"));

    @Override public String id() { return ID; }
    @Override public DeviceInfo info() { return info; }

    /** A matrix on the Java heap. */
    static final class CpuMatrix extends Matrix {
        final float[] data;
        private final CpuBackend owner;

        CpuMatrix(CpuBackend owner, int rows, int cols) {
            super(owner, rows, cols);
            this.owner = owner;
            this.data = new float[rows * cols];
            owner.countAlloc(bytes());
        }

        @Override protected void release() { owner.countRelease(bytes()); }
    }

    static final class CpuInts extends IntVector {
        final int[] data;
        private final CpuBackend owner;

        CpuInts(CpuBackend owner, int length) {
            super(owner, length);
            this.owner = owner;
            this.data = new int[length];
            owner.countAlloc(4L * length);
        }

        @Override protected void release() { owner.countRelease(4L * length()); }
    }

    private static float[] d(Matrix m) { return ((CpuMatrix) m).data; }
    private static int[] d(IntVector v) { return ((CpuInts) v).data; }

    @Override protected Matrix doAlloc(int rows, int cols) { return new CpuMatrix(this, rows, cols); }
    @Override protected void doWrite(Matrix dst, float[] src) { System.arraycopy(src, 0, d(dst), 0, src.length); }
    @Override protected void doRead(Matrix src, float[] dst) { System.arraycopy(d(src), 0, dst, 0, dst.length); }
    @Override protected IntVector doAllocInts(int length) { return new CpuInts(this, length); }
    @Override protected void doWriteInts(IntVector dst, int[] src) { System.arraycopy(src, 0, d(dst), 0, src.length); }
    @Override protected void doReadInts(IntVector src, int[] dst) { System.arraycopy(d(src), 0, dst, 0, dst.length); }
    @Override protected void doCopy(Matrix src, Matrix dst) { System.arraycopy(d(src), 0, d(dst), 0, src.size()); }
    @Override protected void doFill(Matrix m, float value) { Arrays.fill(d(m), value); }

    /** {@code idx[pos]}, checked to lie in {@code [0, limit)}: the gathers' one bounds check. */
    private static int source(String op, int[] idx, int pos, int limit) {
        int from = idx[pos];
        if (from < 0 || from >= limit) {
            throw new IndexOutOfBoundsException(op + ": index " + from + " at position " + pos + " is outside the source rows 0.."
                    + (limit - 1));
        }
        return from;
    }

    @Override
    protected void doGatherRows(Matrix src, IntVector indices, int offset, Matrix dst) {
        float[] s = d(src), o = d(dst);
        int[] idx = d(indices);
        int cols = src.cols();
        for (int r = 0; r < dst.rows(); r++) {
            int from = source("gatherRows", idx, offset + r, src.rows());
            System.arraycopy(s, from * cols, o, r * cols, cols);
        }
    }

    @Override
    protected void doGatherRowsShifted(Matrix src, IntVector indices, int offset, int width, int height, int maxShift,
                                       int seed, int firstRow, Matrix dst) {
        float[] s = d(src), o = d(dst);
        int[] idx = d(indices);
        int cols = src.cols();
        for (int r = 0; r < dst.rows(); r++) {
            int from = source("gatherRowsShifted", idx, offset + r, src.rows());
            int[] shift = augmentShift(seed, firstRow + r, maxShift);
            int base = r * cols, sbase = from * cols, dx = shift[0];
            // Per image row: zeros where the shift brings in the outside, a copy of the source row's
            // overlap between; a test per element ran at half the speed (docs/performance.md,
            // "Tuning notes"). |dx| < width (maxShift is checked), so every row has an overlap: x0 < x1.
            int x0 = Math.max(0, dx), x1 = Math.min(width, width + dx);
            for (int y = 0; y < height; y++) {
                int sy = y - shift[1], row = base + y * width;
                if (sy < 0 || sy >= height) {
                    java.util.Arrays.fill(o, row, row + width, 0f);
                    continue;
                }
                java.util.Arrays.fill(o, row, row + x0, 0f);
                System.arraycopy(s, sbase + sy * width + x0 - dx, o, row + x0, x1 - x0);
                java.util.Arrays.fill(o, row + x1, row + width, 0f);
            }
        }
    }

    @Override
    protected void doRandomIndices(IntVector out, int bound, int seed) {
        int[] o = d(out);
        for (int i = 0; i < o.length; i++) o[i] = randomIndex(seed, i, bound);
    }

    @Override
    protected void doGatherInts(IntVector src, IntVector indices, int offset, IntVector dst) {
        int[] s = d(src), o = d(dst), idx = d(indices);
        for (int r = 0; r < o.length; r++) {
            o[r] = s[source("gatherInts", idx, offset + r, s.length)];
        }
    }

    @Override
    protected void doGemm(boolean transA, boolean transB, int m, int n, int k, float alpha, Matrix a, Matrix b, float beta, Matrix c) {
        CpuGemm.gemm(transA, transB, m, n, k, alpha, d(a), d(b), beta, d(c));
    }

    @Override
    protected void doAddBias(Matrix x, Matrix bias, Matrix out) {
        float[] xs = d(x), bs = d(bias), os = d(out);
        int cols = x.cols();
        rowwise(x.rows(), cols, (piece, from, to) -> ElementKernels.INSTANCE.addBias(xs, bs, os, cols, from, to));
    }

    @Override
    protected void doAddBiasRelu(Matrix x, Matrix bias, Matrix out, Matrix mask) {
        float[] xs = d(x), bs = d(bias), os = d(out), ms = d(mask);
        int cols = x.cols();
        rowwise(x.rows(), cols, (piece, from, to) -> ElementKernels.INSTANCE.addBiasRelu(xs, bs, os, ms, cols, from, to));
    }

    @Override
    protected void doSumColumns(Matrix x, Matrix out) {
        float[] xs = d(x), os = d(out);
        int rows = x.rows(), cols = x.cols();
        // Each share of rows sums into its own double row; the rows are added in share order, and
        // the shares depend only on the shape, so the bits do not depend on who ran which.
        int grain = Math.max(1, PARALLEL_SUMS / Math.max(1, cols));
        double[][] partial = new double[SpinPool.pieces(rows, grain)][cols];
        SpinPool.split(rows, grain, 1, (piece, from, to) -> ElementKernels.INSTANCE.sumColumns(xs, partial[piece], cols, from, to));
        for (int j = 0; j < cols; j++) {
            double sum = partial[0][j];
            for (int p = 1; p < partial.length; p++) sum += partial[p][j];
            os[j] = (float) sum;
        }
    }

    /**
     * Smallest share of a split element op, in elements: waking a worker costs a few
     * microseconds, far less than 16K elements of exp (5-20 ns each in double) or 16K of an add
     * take. Row ops count rows x cols. At 64K, the SGD update of a 784 x 100 weight matrix (78K
     * elements) stayed on one core (measurements: docs/performance.md, "Tuning notes").
     */
    static final int PARALLEL_EXP = Integer.getInteger("clayers.cpu.parallelExp", 1 << 14);
    static final int PARALLEL_ARITH = Integer.getInteger("clayers.cpu.parallelArith", 1 << 14);
    /**
     * The smallest share of column sums, in elements: its cuts decide how the double partial sums
     * are grouped, so it stays where it was (64K) and bias gradients keep their bits.
     */
    static final int PARALLEL_SUMS = Integer.getInteger("clayers.cpu.parallelSums", 1 << 16);
    /** Cuts of flat ranges and of row ranges fall on multiples of this (a cache line of floats, whole vectors for any width). */
    private static final int COLUMN_BLOCK = 16;

    @Override
    protected void doAxpy(float alpha, Matrix x, Matrix y) {
        float[] xs = d(x), ys = d(y);
        elementwise(xs.length, (piece, from, to) -> {
            for (int i = from; i < to; i++) ys[i] += alpha * xs[i];
        });
    }

    /**
     * An element-wise loop over [0, n) on both cores once n reaches {@link #PARALLEL_ARITH}: the
     * optimizers' updates of a 784 x 1000 weight matrix stream 9 MB or more (measurements:
     * docs/performance.md, "Tuning notes"). Each element is computed the same way whoever takes
     * it, so results do not depend on the split.
     */
    private static void elementwise(int n, SpinPool.Range body) {
        SpinPool.split(n, PARALLEL_ARITH, COLUMN_BLOCK, body);
    }

    /**
     * {@link #elementwise} by whole rows of a cols-wide matrix, so the bias adds and ReLU use
     * both cores too (measurements: docs/performance.md, "Tuning notes").
     */
    private static void rowwise(int rows, int cols, SpinPool.Range body) {
        SpinPool.split(rows, Math.max(1, PARALLEL_ARITH / Math.max(1, cols)), 1, body);
    }

    /**
     * The op's Java function over the elements, split over the cores from {@link #PARALLEL_EXP}
     * (ops built on exp) or {@link #PARALLEL_ARITH} elements: each element is computed the same
     * way whoever takes it, so results do not depend on the split.
     */
    @Override
    protected void doElementwise(ElementOp op, Matrix[] args) {
        float[][] data = new float[args.length][];
        for (int k = 0; k < args.length; k++) data[k] = d(args[k]);
        int grain = op.accuracy().transcendental() ? PARALLEL_EXP : PARALLEL_ARITH;
        ElementOp.JavaKernel java = op.java();
        SpinPool.split(args[0].size(), grain, COLUMN_BLOCK, (piece, from, to) -> java.apply(data, from, to));
    }

    @Override
    protected void doDropoutMask(Matrix mask, float ratio, int seed, int first) {
        float[] ms = d(mask);
        float scale = 1f / (1f - ratio);
        for (int i = 0; i < ms.length; i++) ms[i] = dropoutUniform(seed, first + i) >= ratio ? scale : 0f;
    }

    @Override
    protected float doSoftmaxCrossEntropy(Matrix x, IntVector labels, Matrix probs) {
        return softmaxRows(x, labels, probs, 0f, null);
    }

    @Override
    protected float doSoftmaxCrossEntropyWithGradient(Matrix x, IntVector labels, Matrix probs, float scale, Matrix dx) {
        return softmaxRows(x, labels, probs, scale, dx);
    }

    /**
     * Softmax, mean loss and, when dx is not null, the gradient of each share of rows while it is
     * in cache (see {@link ElementKernels#softmaxRows}). The shares' loss sums are added in share
     * order, so the loss does not depend on which thread ran what.
     */
    private float softmaxRows(Matrix x, IntVector labels, Matrix probs, float scale, Matrix dx) {
        float[] xs = d(x), ps = d(probs), gs = dx == null ? null : d(dx);
        int[] t = d(labels);
        int rows = x.rows(), cols = x.cols();
        checkLabels(t, rows, cols);
        float s = scale / rows;
        int grain = Math.max(1, PARALLEL_EXP / Math.max(1, cols));
        double[] partial = new double[SpinPool.pieces(rows, grain)];
        SpinPool.split(rows, grain, COLUMN_BLOCK,
                (piece, from, to) -> partial[piece] = ElementKernels.INSTANCE.softmaxRows(xs, t, ps, gs, s, cols, from, to));
        double total = 0;
        for (double p : partial) total += p;
        return (float) (total / rows);
    }

    private static void checkLabels(int[] t, int rows, int cols) {
        for (int i = 0; i < rows; i++) {
            if (t[i] < 0 || t[i] >= cols) {
                throw new IllegalArgumentException("softmaxCrossEntropy: label " + t[i] + " in row " + i + " is outside 0.." + (cols - 1));
            }
        }
    }

    @Override
    protected void doSoftmaxCrossEntropyBackward(Matrix probs, IntVector labels, float scale, Matrix dx) {
        float[] ps = d(probs), o = d(dx);
        int[] t = d(labels);
        int rows = probs.rows(), cols = probs.cols();
        float s = scale / rows;
        SpinPool.split(rows, Math.max(1, PARALLEL_ARITH / Math.max(1, cols)), COLUMN_BLOCK,
                (piece, from, to) -> ElementKernels.INSTANCE.softmaxBackward(ps, t, s, o, cols, from, to));
    }

    @Override
    protected void doArgmaxRows(Matrix x, IntVector out) {
        float[] xs = d(x);
        int[] o = d(out);
        for (int i = 0; i < x.rows(); i++) o[i] = argmax(xs, i * x.cols(), x.cols());
    }

    private static int argmax(float[] xs, int base, int cols) {
        int best = 0;
        for (int j = 1; j < cols; j++) if (xs[base + j] > xs[base + best]) best = j;
        return best;
    }

    @Override
    protected int doCountCorrect(Matrix x, IntVector labels) {
        float[] xs = d(x);
        int[] t = d(labels);
        int correct = 0;
        for (int i = 0; i < x.rows(); i++) if (argmax(xs, i * x.cols(), x.cols()) == t[i]) correct++;
        return correct;
    }

    @Override
    protected void doMomentumStep(Matrix p, Matrix g, Matrix v, float lr, float momentum) {
        float[] ps = d(p), gs = d(g), vs = d(v);
        elementwise(ps.length, (piece, from, to) -> {
            for (int i = from; i < to; i++) {
                vs[i] = momentum * vs[i] - lr * gs[i];
                ps[i] += vs[i];
            }
        });
    }

    @Override
    protected void doAdagradStep(Matrix p, Matrix g, Matrix h, float lr, float eps) {
        float[] ps = d(p), gs = d(g), hs = d(h);
        elementwise(ps.length, (piece, from, to) -> {
            for (int i = from; i < to; i++) {
                hs[i] += gs[i] * gs[i];
                ps[i] -= lr * gs[i] / ((float) Math.sqrt(hs[i]) + eps);
            }
        });
    }

    @Override
    protected void doRmspropStep(Matrix p, Matrix g, Matrix h, float lr, float decay, float eps) {
        float[] ps = d(p), gs = d(g), hs = d(h);
        elementwise(ps.length, (piece, from, to) -> {
            for (int i = from; i < to; i++) {
                float gi = gs[i];
                hs[i] = decay * hs[i] + (1f - decay) * gi * gi;
                ps[i] -= lr * gi / ((float) Math.sqrt(hs[i]) + eps);
            }
        });
    }

    @Override
    protected void doAdamStep(Matrix p, Matrix g, Matrix m, Matrix v, float lrT, float beta1, float beta2, float eps) {
        float[] ps = d(p), gs = d(g), ms = d(m), vs = d(v);
        elementwise(ps.length, (piece, from, to) -> {
            for (int i = from; i < to; i++) {
                float gi = gs[i];
                ms[i] += (1f - beta1) * (gi - ms[i]);
                vs[i] += (1f - beta2) * (gi * gi - vs[i]);
                ps[i] -= lrT * ms[i] / ((float) Math.sqrt(vs[i]) + eps);
            }
        });
    }

    @Override protected void doFinish() { }
    @Override protected void doClose() { }

    // ---- convolution and pooling ----------------------------------------------------------------
    // Plain loops written the way the book writes them (col2im and pooling backward scatter into
    // dx), so they are an independent reference for the gather kernels of conv.cl and pool.cl.

    @Override
    protected void doIm2col(Matrix x, ConvGeometry g, Matrix col) {
        float[] xs = d(x), cs = d(col);
        int c = g.channels(), h = g.height(), w = g.width(), k = g.kernel(), s = g.stride(), pad = g.pad();
        int oh = g.outHeight(), ow = g.outWidth(), patch = g.patchSize(), image = g.imageSize();
        int r = 0;
        for (int n = 0; n < x.rows(); n++) {
            for (int oy = 0; oy < oh; oy++) {
                for (int ox = 0; ox < ow; ox++, r++) {
                    int j = r * patch;
                    for (int ch = 0; ch < c; ch++) {
                        for (int ky = 0; ky < k; ky++) {
                            int y = oy * s - pad + ky;
                            for (int kx = 0; kx < k; kx++, j++) {
                                int xx = ox * s - pad + kx;
                                cs[j] = y >= 0 && y < h && xx >= 0 && xx < w ? xs[n * image + (ch * h + y) * w + xx] : 0f;
                            }
                        }
                    }
                }
            }
        }
    }

    @Override
    protected void doCol2im(Matrix dcol, ConvGeometry g, Matrix dx) {
        float[] cs = d(dcol), o = d(dx);
        Arrays.fill(o, 0f);
        int c = g.channels(), h = g.height(), w = g.width(), k = g.kernel(), s = g.stride(), pad = g.pad();
        int oh = g.outHeight(), ow = g.outWidth(), patch = g.patchSize(), image = g.imageSize();
        int r = 0;
        for (int n = 0; n < dx.rows(); n++) {
            for (int oy = 0; oy < oh; oy++) {
                for (int ox = 0; ox < ow; ox++, r++) {
                    int j = r * patch;
                    for (int ch = 0; ch < c; ch++) {
                        for (int ky = 0; ky < k; ky++) {
                            int y = oy * s - pad + ky;
                            for (int kx = 0; kx < k; kx++, j++) {
                                int xx = ox * s - pad + kx;
                                if (y >= 0 && y < h && xx >= 0 && xx < w) o[n * image + (ch * h + y) * w + xx] += cs[j];
                            }
                        }
                    }
                }
            }
        }
    }

    @Override
    protected void doTransposeBlocks(Matrix src, int rows, int cols, Matrix dst) {
        float[] a = d(src), b = d(dst);
        int block = rows * cols;
        for (int base = 0; base < a.length; base += block) {
            for (int i = 0; i < rows; i++) {
                for (int j = 0; j < cols; j++) b[base + j * rows + i] = a[base + i * cols + j];
            }
        }
    }

    @Override
    protected void doMaxPoolForward(Matrix x, ConvGeometry g, Matrix out, IntVector argmax) {
        float[] xs = d(x), os = d(out);
        int[] am = d(argmax);
        int c = g.channels(), h = g.height(), w = g.width(), k = g.kernel(), s = g.stride(), pad = g.pad();
        int oh = g.outHeight(), ow = g.outWidth();
        int o = 0;
        for (int n = 0; n < x.rows(); n++) {
            for (int ch = 0; ch < c; ch++) {
                int plane = (n * c + ch) * h * w;
                for (int oy = 0; oy < oh; oy++) {
                    for (int ox = 0; ox < ow; ox++, o++) {
                        float best = Float.NEGATIVE_INFINITY;
                        int at = -1;
                        for (int ky = 0; ky < k; ky++) {
                            int y = oy * s - pad + ky;
                            if (y < 0 || y >= h) continue;
                            for (int kx = 0; kx < k; kx++) {
                                int xx = ox * s - pad + kx;
                                if (xx < 0 || xx >= w) continue;
                                float v = xs[plane + y * w + xx];
                                // Strictly greater: the first maximum wins ties (and NaN never replaces one).
                                if (at < 0 || v > best) {
                                    best = v;
                                    at = y * w + xx;
                                }
                            }
                        }
                        os[o] = best;
                        am[o] = at;
                    }
                }
            }
        }
    }

    @Override
    protected void doMaxPoolBackward(Matrix dout, IntVector argmax, ConvGeometry g, Matrix dx) {
        float[] gs = d(dout), o = d(dx);
        int[] am = d(argmax);
        Arrays.fill(o, 0f);
        int plane = g.height() * g.width(), positions = g.positions();
        for (int i = 0; i < gs.length; i++) {
            o[(i / positions) * plane + am[i]] += gs[i];   // i / positions = n*C + c, the plane pooled
        }
    }

    /** Each window summed in row-major order in float, then divided by K*K, as avg_pool_forward does. */
    @Override
    protected void doAvgPoolForward(Matrix x, ConvGeometry g, Matrix out) {
        float[] xs = d(x), os = d(out);
        int c = g.channels(), h = g.height(), w = g.width(), k = g.kernel(), s = g.stride();
        int oh = g.outHeight(), ow = g.outWidth();
        float area = k * k;
        int o = 0;
        for (int n = 0; n < x.rows(); n++) {
            for (int ch = 0; ch < c; ch++) {
                int plane = (n * c + ch) * h * w;
                for (int oy = 0; oy < oh; oy++) {
                    for (int ox = 0; ox < ow; ox++, o++) {
                        float sum = 0f;
                        for (int ky = 0; ky < k; ky++) {
                            for (int kx = 0; kx < k; kx++) sum += xs[plane + (oy * s + ky) * w + ox * s + kx];
                        }
                        os[o] = sum / area;
                    }
                }
            }
        }
    }

    /** The book's scatter: each window adds its share {@code dout / (K*K)} to the pixels it covers, windows in order. */
    @Override
    protected void doAvgPoolBackward(Matrix dout, ConvGeometry g, Matrix dx) {
        float[] gs = d(dout), o = d(dx);
        Arrays.fill(o, 0f);
        int c = g.channels(), h = g.height(), w = g.width(), k = g.kernel(), s = g.stride();
        int oh = g.outHeight(), ow = g.outWidth();
        float area = k * k;
        int i = 0;
        for (int n = 0; n < dx.rows(); n++) {
            for (int ch = 0; ch < c; ch++) {
                int plane = (n * c + ch) * h * w;
                for (int oy = 0; oy < oh; oy++) {
                    for (int ox = 0; ox < ow; ox++, i++) {
                        float share = gs[i] / area;
                        for (int ky = 0; ky < k; ky++) {
                            for (int kx = 0; kx < k; kx++) o[plane + (oy * s + ky) * w + ox * s + kx] += share;
                        }
                    }
                }
            }
        }
    }

    // Batch normalization, in double where it sums: the reference for batchnorm.cl.

    @Override
    protected void doBatchNormStats(Matrix x, int channels, float momentum, Matrix mean, Matrix var, Matrix runMean,
                                    Matrix runVar) {
        float[] xs = d(x), ms = d(mean), vs = d(var), rm = d(runMean), rv = d(runVar);
        int p = x.cols() / channels, n = x.rows();
        for (int c = 0; c < channels; c++) {
            double sum = 0;
            for (int i = 0; i < n; i++) for (int j = 0; j < p; j++) sum += xs[i * x.cols() + c * p + j];
            double mu = sum / ((double) n * p);
            double sq = 0;
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < p; j++) {
                    double dv = xs[i * x.cols() + c * p + j] - mu;
                    sq += dv * dv;
                }
            }
            ms[c] = (float) mu;
            vs[c] = (float) (sq / ((double) n * p));
            rm[c] = momentum * rm[c] + (1f - momentum) * ms[c];
            rv[c] = momentum * rv[c] + (1f - momentum) * vs[c];
        }
    }

    @Override
    protected void doBatchNormForward(Matrix x, Matrix mean, Matrix var, Matrix gamma, Matrix beta, float eps, Matrix xhat,
                                      Matrix out) {
        float[] xs = d(x), ms = d(mean), vs = d(var), gs = d(gamma), bs = d(beta), xh = d(xhat), os = d(out);
        int channels = mean.cols(), p = x.cols() / channels;
        for (int i = 0; i < xs.length; i++) {
            int c = (i % x.cols()) / p;
            float h = (xs[i] - ms[c]) / (float) Math.sqrt(vs[c] + eps);
            xh[i] = h;
            os[i] = gs[c] * h + bs[c];
        }
    }

    @Override
    protected void doBatchNormBackward(Matrix dout, Matrix xhat, Matrix var, Matrix gamma, float eps, Matrix dgamma,
                                       Matrix dbeta, Matrix dx) {
        float[] g = d(dout), xh = d(xhat), vs = d(var), gs = d(gamma), dg = d(dgamma), db = d(dbeta), o = d(dx);
        int channels = var.cols(), cols = dout.cols(), p = cols / channels, n = dout.rows();
        for (int c = 0; c < channels; c++) {
            double sb = 0, sg = 0;
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < p; j++) {
                    int at = i * cols + c * p + j;
                    sb += g[at];
                    sg += (double) g[at] * xh[at];
                }
            }
            db[c] = (float) sb;
            dg[c] = (float) sg;
        }
        float m = (float) n * p;
        for (int i = 0; i < g.length; i++) {
            int c = (i % cols) / p;
            o[i] = gs[c] / (float) Math.sqrt(vs[c] + eps) * (g[i] - db[c] / m - xh[i] * dg[c] / m);
        }
    }
}
