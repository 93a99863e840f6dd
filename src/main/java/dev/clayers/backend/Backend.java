package dev.clayers.backend;

import java.util.List;

/**
 * The narrow op vocabulary every device implements once. Layers, networks and optimizers speak
 * only this interface.
 *
 * <p>Conventions: matrices are row-major float32; outputs are caller-provided and listed as
 * <em>Modified</em>, everything else is <em>Not modified</em>. Shapes are checked at this boundary
 * and a mismatch names both shapes. Every argument must belong to this backend and be open.
 * Ops are enqueued in order; {@link #download}, the methods returning a scalar, and
 * {@link #finish} wait for the device.
 */
public interface Backend extends AutoCloseable {

    /** The stable device id ({@code cpu}, {@code opencl:P:D}). */
    String id();

    /** What the device is. */
    DeviceInfo info();

    // ---- memory -------------------------------------------------------------------------------

    /** A new zero-filled {@code rows x cols} matrix. */
    Matrix alloc(int rows, int cols);

    /** A new matrix holding {@code src} (row-major, length {@code rows * cols}). */
    Matrix upload(float[] src, int rows, int cols);

    /** Copies host data into an existing matrix. {@code dst} Modified. */
    void write(Matrix dst, float[] src);

    /** The matrix's contents as a new host array. Waits for pending ops. */
    float[] download(Matrix src);

    /**
     * The list form of {@link #download(Matrix)}: each matrix's contents as a new host array, in
     * order, waiting for the device once rather than once per matrix (training on several devices
     * downloads every gradient each step so).
     */
    List<float[]> download(List<Matrix> srcs);

    /**
     * {@link #download(List)} into arrays the caller keeps ({@code dsts.get(i)} as long as
     * {@code srcs.get(i)}), so a step that reads the same matrices every time allocates no host arrays.
     * Every {@code dsts} Modified.
     */
    void read(List<Matrix> srcs, List<float[]> dsts);

    /**
     * The list form of {@link #write(Matrix, float[])}: {@code srcs.get(i)} into {@code dsts.get(i)},
     * waiting for the device once. Every {@code dsts} Modified; the host arrays are not.
     */
    void write(List<Matrix> dsts, List<float[]> srcs);

    /** A new zero-filled int vector. */
    IntVector allocInts(int length);

    /** A new int vector holding {@code src}. */
    IntVector uploadInts(int[] src);

    /** Copies host ints into an existing vector. {@code dst} Modified. */
    void writeInts(IntVector dst, int[] src);

    /** The vector's contents as a new host array. Waits for pending ops. */
    int[] downloadInts(IntVector src);

    /** {@code dst = src} (same shape). {@code dst} Modified. */
    void copy(Matrix src, Matrix dst);

    /** Every element of {@code m} set to {@code value}. {@code m} Modified. */
    void fill(Matrix m, float value);

    /**
     * Gathers rows: {@code dst[r, :] = src[indices[offset + r], :]} for {@code r < dst.rows}.
     * Used to build a mini-batch from a dataset already on the device. {@code dst} Modified.
     */
    void gatherRows(Matrix src, IntVector indices, int offset, Matrix dst);

    /**
     * Gathers rows of images moved by a random whole-pixel translation (data augmentation): row r
     * of dst is the {@code width x height} image {@code src[indices[offset + r], :]} shifted by
     * (dx, dy) in {@code [-maxShift, maxShift]^2}, zero where it moves in from outside. The shift
     * comes from a 32-bit hash of (seed, r) that every backend computes alike. {@code dst} Modified.
     */
    default void gatherRowsShifted(Matrix src, IntVector indices, int offset, int width, int height, int maxShift, int seed,
                                   Matrix dst) {
        gatherRowsShifted(src, indices, offset, width, height, maxShift, seed, 0, dst);
    }

    /**
     * {@link #gatherRowsShifted(Matrix, IntVector, int, int, int, int, int, Matrix)} for rows
     * {@code firstRow ..} of a larger batch: row r's shift comes from the hash of
     * {@code (seed, firstRow + r)}, so the shares of a batch split over several devices draw
     * exactly the shifts the whole batch draws on one. {@code firstRow >= 0}. {@code dst} Modified.
     */
    void gatherRowsShifted(Matrix src, IntVector indices, int offset, int width, int height, int maxShift, int seed,
                           int firstRow, Matrix dst);

    /**
     * Draws indices with replacement: {@code out[i] = hash(seed, i) mod bound}, the same 32-bit
     * hash as {@link #dropoutMask}, so every backend draws the same indices. Lets a training step
     * sample its batch without sending indices from the host. {@code out} Modified.
     */
    void randomIndices(IntVector out, int bound, int seed);

    /** Gathers ints: {@code dst[r] = src[indices[offset + r]]} for {@code r < dst.length}. {@code dst} Modified. */
    void gatherInts(IntVector src, IntVector indices, int offset, IntVector dst);

    // ---- linear algebra -----------------------------------------------------------------------

    /**
     * General matrix multiply {@code C = alpha * op(A) * op(B) + beta * C}, where {@code op(X)} is
     * {@code X} or its transpose. op(A) is M x K, op(B) is K x N and C is M x N. When
     * {@code beta == 0} the old contents of C are ignored (NaN in C does not propagate).
     * {@code c} Modified; it must not alias {@code a} or {@code b}.
     */
    void gemm(boolean transA, boolean transB, float alpha, Matrix a, Matrix b, float beta, Matrix c);

    /** Bias broadcast {@code out[i, j] = x[i, j] + bias[0, j]}; bias is 1 x cols. {@code out} Modified (may be {@code x}). */
    void addBias(Matrix x, Matrix bias, Matrix out);

    /**
     * {@link #addBias} then {@link ElementOp#RELU_FORWARD} in one pass: {@code z = x + bias} (broadcast),
     * {@code mask = z > 0 ? 1 : 0}, {@code out = z * mask}; the same values as the two calls, one
     * launch and one trip through memory instead of two. {@code out}, {@code mask} Modified (out
     * may be x; mask must be neither).
     */
    void addBiasRelu(Matrix x, Matrix bias, Matrix out, Matrix mask);

    /** Column sums {@code out[0, j] = sum_i x[i, j]}; out is 1 x cols. {@code out} Modified. */
    void sumColumns(Matrix x, Matrix out);

    /** {@code y += alpha * x} (same shape). {@code y} Modified. */
    void axpy(float alpha, Matrix x, Matrix y);

    // ---- element-wise ops and activations ------------------------------------------------------

    /**
     * Runs one element-wise op of the catalogue ({@link ElementOp}: the activations forward and
     * backward, the element-wise product) on {@code args}, which are the op's
     * {@link ElementOp#args()} in that order, all of one shape. Element i of each output is
     * computed from element i of the inputs alone, as the op's Javadoc gives it. The arguments whose
     * role is {@link ElementOp.Role#OUT} are Modified (each may be the same matrix as an input, not
     * as another output); the rest are Not modified. E.g.
     * {@code elementwise(ElementOp.SIGMOID_FORWARD, x, out)}.
     */
    void elementwise(ElementOp op, Matrix... args);

    /**
     * Inverted-dropout mask: {@code mask[i] = u(seed, i) >= ratio ? 1 / (1 - ratio) : 0}, where u is
     * a counter-based uniform in [0, 1) from a 32-bit hash of (seed, i) that every backend computes
     * identically, so the same seed gives the same mask on every device. {@code 0 <= ratio < 1}.
     * {@code mask} Modified.
     */
    default void dropoutMask(Matrix mask, float ratio, int seed) {
        dropoutMask(mask, ratio, seed, 0);
    }

    /**
     * {@link #dropoutMask(Matrix, float, int)} for elements {@code first ..} of a larger mask:
     * {@code mask[i] = u(seed, first + i) >= ratio ? 1 / (1 - ratio) : 0}, so the rows of a batch
     * split over several devices get exactly the masks the whole batch gets on one.
     * {@code first >= 0}. {@code mask} Modified.
     */
    void dropoutMask(Matrix mask, float ratio, int seed, int first);

    // ---- loss ---------------------------------------------------------------------------------

    /**
     * Row-wise softmax with mean cross-entropy against integer labels:
     * {@code probs[i, :] = softmax(x[i, :])} (the row max is subtracted first so exp never
     * overflows) and returns {@code (1/N) sum_i -log softmax(x[i, :])[labels[i]]}, with the log
     * taken through log-sum-exp so a tiny probability never becomes log(0). N = x.rows.
     * Reads back one scalar. {@code probs} Modified.
     */
    float softmaxCrossEntropy(Matrix x, IntVector labels, Matrix probs);

    /**
     * Gradient of the mean cross-entropy with respect to the logits:
     * {@code dx[i, j] = scale * (probs[i, j] - [j == labels[i]]) / N}. The division by N is
     * there because the loss is a mean over the batch. {@code dx} Modified (may be probs).
     */
    void softmaxCrossEntropyBackward(Matrix probs, IntVector labels, float scale, Matrix dx);

    /**
     * {@link #softmaxCrossEntropy} and {@link #softmaxCrossEntropyBackward} in one pass: writes
     * probs and {@code dx = scale * (probs - [j == label]) / N}, returns the mean loss; the same
     * values as the two calls with one launch fewer. {@code probs}, {@code dx} Modified (probs may
     * be x; dx must be neither).
     */
    float softmaxCrossEntropyWithGradient(Matrix x, IntVector labels, Matrix probs, float scale, Matrix dx);

    /**
     * {@link #softmaxCrossEntropyWithGradient} without waiting for the loss: it is read back when
     * {@link Pending#get} asks, so a training step can enqueue its backward pass first and the
     * device does not idle while the host catches up. Later ops see probs and dx as usual (queue
     * order). Errors the op finds (a label out of range, a bad gather before it) are thrown
     * by this call on a synchronous backend and by {@link Pending#get} on OpenCL; get must be called
     * (or {@link #finish}) so the read's resources are released.
     */
    Pending softmaxCrossEntropyWithGradientAsync(Matrix x, IntVector labels, Matrix probs, float scale, Matrix dx);

    /** A scalar on its way back from the device. */
    @FunctionalInterface
    interface Pending {
        /** Waits for the value; a second call returns it again. */
        float get();
    }

    /** Index of the largest element of each row: {@code out[i] = argmax_j x[i, j]} (first on ties). {@code out} Modified. */
    void argmaxRows(Matrix x, IntVector out);

    /** How many rows have their argmax equal to the label. Reads back one int. */
    int countCorrect(Matrix x, IntVector labels);

    // ---- optimizer updates (in place on the device) -------------------------------------------

    // The list forms apply the same update to each tensor i (the lists are parallel, one entry per
    // parameter), in as few launches as the backend can: one per four tensors on OpenCL, so an
    // optimizer step over a whole network is one launch, not one per parameter.

    /** {@link #axpy} on each pair {@code (xs[i], ys[i])}. Each {@code ys[i]} Modified. */
    void axpy(float alpha, List<Matrix> xs, List<Matrix> ys);

    /** {@link #momentumStep(Matrix, Matrix, Matrix, float, float)} on each parameter. */
    void momentumStep(List<Matrix> p, List<Matrix> g, List<Matrix> v, float lr, float momentum);

    /** {@link #adagradStep(Matrix, Matrix, Matrix, float, float)} on each parameter. */
    void adagradStep(List<Matrix> p, List<Matrix> g, List<Matrix> h, float lr, float eps);

    /** {@link #rmspropStep(Matrix, Matrix, Matrix, float, float, float)} on each parameter. */
    void rmspropStep(List<Matrix> p, List<Matrix> g, List<Matrix> h, float lr, float decay, float eps);

    /** {@link #adamStep(Matrix, Matrix, Matrix, Matrix, float, float, float, float)} on each parameter. */
    void adamStep(List<Matrix> p, List<Matrix> g, List<Matrix> m, List<Matrix> v, float lrT, float beta1, float beta2, float eps);

    /** Momentum: {@code v = momentum * v - lr * g; p += v}. {@code p}, {@code v} Modified. */
    void momentumStep(Matrix p, Matrix g, Matrix v, float lr, float momentum);

    /** AdaGrad: {@code h += g*g; p -= lr * g / (sqrt(h) + eps)}. {@code p}, {@code h} Modified. */
    void adagradStep(Matrix p, Matrix g, Matrix h, float lr, float eps);

    /**
     * RMSprop: {@code h = decay * h + (1 - decay) * g * g; p -= lr * g / (sqrt(h) + eps)}, AdaGrad
     * with a moving average of squared gradients instead of their sum, so the step does not
     * shrink forever. {@code p}, {@code h} Modified.
     */
    void rmspropStep(Matrix p, Matrix g, Matrix h, float lr, float decay, float eps);

    /**
     * Adam (the book's form, bias correction folded into the step size): {@code m += (1-beta1)(g-m);
     * v += (1-beta2)(g*g-v); p -= lrT * m / (sqrt(v) + eps)} where the caller passes
     * {@code lrT = lr * sqrt(1-beta2^t) / (1-beta1^t)}. {@code p}, {@code m}, {@code v} Modified.
     */
    void adamStep(Matrix p, Matrix g, Matrix m, Matrix v, float lrT, float beta1, float beta2, float eps);

    // ---- lifecycle ----------------------------------------------------------------------------

    /** Waits until every enqueued op has completed. */
    void finish();

    /** Number of live (allocated, not closed) matrices and int vectors. */
    long liveBuffers();

    /** Bytes held by live buffers. */
    long liveBytes();

    /** Releases the device context. Matrices still open become unusable. */
    @Override
    void close();

    // ---- convolution and pooling ------------------------------------------------------------
    // Image batches are N x (C*H*W) matrices, one image per row, channel-major (PyTorch's NCHW);
    // the geometry says how a row is an image. Convolution is im2col, the existing gemm, and a
    // per-image transpose (the book's formulation); every op writes each output element from one
    // place, so the device versions need no atomics.

    /**
     * Unfolds every window into a row: {@code col[n*P + oy*OW + ox, c*K*K + ky*K + kx] =
     * x[n, c, oy*stride - pad + ky, ox*stride - pad + kx]}, 0 where that falls in the padding;
     * P = OH*OW. x is N x (C*H*W), col is (N*P) x (C*K*K). {@code col} Modified.
     */
    void im2col(Matrix x, ConvGeometry g, Matrix col);

    /**
     * The adjoint of {@link #im2col}: {@code dx[n, c, y, x] = sum of dcol over every (window,
     * offset) that im2col read x[n, c, y, x] into}, each input pixel gathering its own sum.
     * dcol is (N*P) x (C*K*K), dx is N x (C*H*W). {@code dx} Modified.
     */
    void col2im(Matrix dcol, ConvGeometry g, Matrix dx);

    /**
     * Transposes consecutive blocks: src holds {@code size / (rows*cols)} row-major
     * {@code rows x cols} blocks one after another; {@code dst[b, j, i] = src[b, i, j]}. Turns the
     * (N*P) x F product of im2col and the filters into N images of F x P and back. Both must have
     * the same number of elements, a multiple of rows*cols. {@code dst} Modified (not src).
     */
    void transposeBlocks(Matrix src, int rows, int cols, Matrix dst);

    /**
     * Max pooling per channel: {@code out[n, c*P + oy*OW + ox] = max over the window} (padding is
     * skipped, never a candidate), and {@code argmax} the in-plane index {@code y*W + x} of the
     * first maximum in row-major window order. x is N x (C*H*W), out N x (C*P), argmax N*C*P.
     * {@code out}, {@code argmax} Modified.
     */
    void maxPoolForward(Matrix x, ConvGeometry g, Matrix out, IntVector argmax);

    /**
     * Max pooling backward: each input pixel gathers dout from every window whose argmax is that
     * pixel (0 from the others); windows may overlap when {@code stride < kernel}. dout N x (C*P),
     * dx N x (C*H*W). {@code dx} Modified.
     */
    void maxPoolBackward(Matrix dout, IntVector argmax, ConvGeometry g, Matrix dx);

    /**
     * Average pooling per channel, PyTorch's {@code AvgPool2d} without padding:
     * {@code out[n, c*P + oy*OW + ox] = (sum of the K x K window at (oy*stride, ox*stride)) / (K*K)},
     * the window summed in row-major order, then divided. {@code g.pad()} must be 0. x is
     * N x (C*H*W), out N x (C*P). {@code out} Modified (not x).
     */
    void avgPoolForward(Matrix x, ConvGeometry g, Matrix out);

    /**
     * Average pooling backward: {@code dx[n, c, y, x] = sum of dout[n, c, window] / (K*K)} over the
     * windows that cover (y, x), in increasing window order; 0 for pixels no window covers (the
     * rows and columns a floor-sized output drops). dout N x (C*P), dx N x (C*H*W). {@code dx}
     * Modified (not dout).
     */
    void avgPoolBackward(Matrix dout, ConvGeometry g, Matrix dx);

    // Batch normalization: x is N x (C*P), normalised per channel c over its N*P values (P = 1
    // for the features of an affine layer's output, P = H*W for a conv output). Per-channel
    // vectors (mean, var, gamma, beta and their gradients) are 1 x C.

    /**
     * Batch statistics: {@code mean[c]} and the biased {@code var[c]} (divided by N*P, as the book)
     * over channel c's N*P values, in two passes so var never subtracts two large numbers; then
     * the running averages {@code runMean = momentum * runMean + (1 - momentum) * mean}, likewise
     * runVar. {@code mean}, {@code var}, {@code runMean}, {@code runVar} Modified.
     */
    void batchNormStats(Matrix x, int channels, float momentum, Matrix mean, Matrix var, Matrix runMean, Matrix runVar);

    /**
     * Normalisation with the given statistics (the batch's in training, the running averages in
     * evaluation): {@code xhat = (x - mean[c]) / sqrt(var[c] + eps)}, {@code out = gamma[c] * xhat + beta[c]}.
     * {@code xhat}, {@code out} Modified (three distinct matrices: x, xhat, out).
     */
    void batchNormForward(Matrix x, Matrix mean, Matrix var, Matrix gamma, Matrix beta, float eps, Matrix xhat, Matrix out);

    /**
     * Backward through a training-mode {@link #batchNormForward} (the statistics depend on x):
     * {@code dbeta[c] = sum dout}, {@code dgamma[c] = sum dout * xhat} over the channel's M = N*P
     * values, and {@code dx = gamma[c] / sqrt(var[c] + eps) * (dout - dbeta[c] / M - xhat * dgamma[c] / M)}.
     * {@code dgamma}, {@code dbeta}, {@code dx} Modified (dx must not be dout or xhat).
     */
    void batchNormBackward(Matrix dout, Matrix xhat, Matrix var, Matrix gamma, float eps, Matrix dgamma, Matrix dbeta, Matrix dx);
}
