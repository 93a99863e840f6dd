package dev.clayers.backend;

import dev.clayers.Limits;

/**
 * Where a square window slides over a batch of images: the image shape (channels x height x
 * width, one image per matrix row in channel-major order, as PyTorch's NCHW), the window size, the
 * stride and the zero padding on every side. Convolution and pooling ops take one; the output is
 * {@code outHeight x outWidth} positions per channel, {@code floor((H + 2 pad - kernel) / stride) + 1}
 * (PyTorch's rule: a last partial window is dropped).
 */
public record ConvGeometry(int channels, int height, int width, int kernel, int stride, int pad) {
    /**
     * Checks the geometry: positive sizes, {@code pad < kernel}, a window that fits the padded image, and the caps of
     * {@link Limits}; otherwise {@link IllegalArgumentException}.
     */
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
        if (height + 2L * pad < kernel || width + 2L * pad < kernel) {
            throw new IllegalArgumentException("a " + kernel + "x" + kernel + " window does not fit a " + height + "x" + width
                    + " image padded by " + pad);
        }
        // Every size below is computed here in long and capped, so the int accessors cannot wrap and no
        // kernel is launched with an index space larger than its buffers (a crafted model file included).
        long image = (long) channels * height * width;
        if (image > Limits.MAX_IMAGE_VALUES) {
            throw new IllegalArgumentException("image " + channels + "x" + height + "x" + width + " has " + Limits.format(image)
                    + " values, more than the limit of " + Limits.format(Limits.MAX_IMAGE_VALUES) + " per image; "
                    + Limits.howToRaise("clayers.maxImageValues"));
        }
        long patch = (long) channels * kernel * kernel;
        if (patch > Limits.MAX_LAYER_WIDTH) {
            throw new IllegalArgumentException("a " + kernel + "x" + kernel + " window over " + channels + " channels has "
                    + Limits.format(patch) + " values, more than the limit of " + Limits.format(Limits.MAX_LAYER_WIDTH)
                    + "; use a smaller window or fewer channels");
        }
        long cells = (long) ((height + 2L * pad - kernel) / stride + 1) * ((width + 2L * pad - kernel) / stride + 1);
        if (cells * patch > Limits.MAX_MATRIX_ELEMENTS) {
            throw new IllegalArgumentException("sliding a " + kernel + "x" + kernel + " window over " + describe() + " gives "
                    + Limits.format(cells * patch) + " values per image, more than one matrix can hold ("
                    + Limits.format(Limits.MAX_MATRIX_ELEMENTS) + "); use a larger stride or smaller images");
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
