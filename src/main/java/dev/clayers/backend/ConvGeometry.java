package dev.clayers.backend;

/**
 * Where a square window slides over a batch of images: the image shape (channels x height x
 * width, one image per matrix row in channel-major order, as PyTorch's NCHW), the window size, the
 * stride and the zero padding on every side. Convolution and pooling ops take one; the output is
 * {@code outHeight x outWidth} positions per channel, {@code floor((H + 2 pad - kernel) / stride) + 1}
 * (PyTorch's rule: a last partial window is dropped).
 */
public record ConvGeometry(int channels, int height, int width, int kernel, int stride, int pad) {
    public ConvGeometry {
        if (channels <= 0 || height <= 0 || width <= 0) {
            throw new IllegalArgumentException("image shape must be positive, got " + channels + "x" + height + "x" + width);
        }
        if (kernel <= 0 || stride <= 0 || pad < 0) {
            throw new IllegalArgumentException("need kernel > 0, stride > 0, pad >= 0; got kernel " + kernel + ", stride "
                    + stride + ", pad " + pad);
        }
        if (pad >= kernel) {
            throw new IllegalArgumentException("padding " + pad + " must be smaller than the window " + kernel
                    + " (a window would see only padding)");
        }
        if (height + 2 * pad < kernel || width + 2 * pad < kernel) {
            throw new IllegalArgumentException("a " + kernel + "x" + kernel + " window does not fit a " + height + "x" + width
                    + " image padded by " + pad);
        }
    }

    /** Output rows per channel. */
    public int outHeight() { return (height + 2 * pad - kernel) / stride + 1; }

    /** Output columns per channel. */
    public int outWidth() { return (width + 2 * pad - kernel) / stride + 1; }

    /** Window positions per image and channel, {@code outHeight * outWidth}. */
    public int positions() { return outHeight() * outWidth(); }

    /** Values per image, {@code C*H*W}: the columns of an image batch matrix. */
    public int imageSize() { return channels * height * width; }

    /** Values in one window over all channels, {@code C*kernel*kernel}: the columns of an im2col matrix. */
    public int patchSize() { return channels * kernel * kernel; }

    /** {@code 3x28x28 k5 s1 p0}, for messages. */
    public String describe() {
        return channels + "x" + height + "x" + width + " k" + kernel + " s" + stride + " p" + pad;
    }
}
