package dev.clayers.net;

import dev.clayers.Limits;

/**
 * The shape of one image in a batch: {@code channels x height x width}. A batch stays an
 * N x (C*H*W) matrix, each row one image in channel-major order (PyTorch's NCHW, flattened); this
 * record is how convolution and pooling layers know how a row is an image.
 *
 * @param channels channels per image (1 for grey, 3 for RGB)
 * @param height   rows of pixels
 * @param width    columns of pixels
 */
public record ImageShape(int channels, int height, int width) {
    /**
     * Checks the components.
     *
     * @throws IllegalArgumentException when a size is not positive or an image holds more than
     *         {@link dev.clayers.Limits#MAX_IMAGE_VALUES} values
     */
    public ImageShape {
        if (channels <= 0 || height <= 0 || width <= 0) {
            throw new IllegalArgumentException("image shape must be positive, got " + channels + "x" + height + "x" + width);
        }
        // Long arithmetic: 1x65537x65537 wraps an int to 131073 values, and a kernel would read past its buffer.
        long values = (long) channels * height * width;
        if (values > Limits.MAX_IMAGE_VALUES) {
            throw new IllegalArgumentException("image " + channels + "x" + height + "x" + width + " has " + Limits.format(values)
                    + " values, more than the limit of " + Limits.format(Limits.MAX_IMAGE_VALUES) + " per image; use smaller"
                    + " images or " + Limits.howToRaise("clayers.maxImageValues"));
        }
    }

    /** Values per image, the columns of a batch matrix (at most {@link Limits#MAX_IMAGE_VALUES}). */
    public int size() { return channels * height * width; }

    /** {@code 1x28x28}. */
    public String id() { return channels + "x" + height + "x" + width; }

    /** Reads {@code CxHxW}. */
    public static ImageShape parse(String s) {
        String[] p = s.trim().split("x");
        if (p.length != 3) throw new IllegalArgumentException("image shape must be CxHxW, got '" + s + "'");
        try {
            return new ImageShape(Integer.parseInt(p[0]), Integer.parseInt(p[1]), Integer.parseInt(p[2]));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("image shape must be CxHxW, got '" + s + "'");
        }
    }

    @Override public String toString() { return id(); }
}
