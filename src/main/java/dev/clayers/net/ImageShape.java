package dev.clayers.net;

/**
 * The shape of one image in a batch: {@code channels x height x width}. A batch stays an
 * N x (C*H*W) matrix, each row one image in channel-major order (PyTorch's NCHW, flattened); this
 * record is how convolution and pooling layers know how a row is an image.
 */
public record ImageShape(int channels, int height, int width) {
    public ImageShape {
        if (channels <= 0 || height <= 0 || width <= 0) {
            throw new IllegalArgumentException("image shape must be positive, got " + channels + "x" + height + "x" + width);
        }
    }

    /** Values per image, the columns of a batch matrix. */
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
