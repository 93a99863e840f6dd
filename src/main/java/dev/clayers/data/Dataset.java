package dev.clayers.data;

/**
 * A labelled image set held in host memory, ready to be cut into batches and uploaded.
 *
 * <p>{@code images} is a row-major {@code size() x features()} float matrix with pixel
 * values scaled to [0, 1] (byte / 255), the input scale the book's networks expect;
 * {@code labels[i]} is the class of row {@code i}, in {@code 0..classes-1}. The arrays are
 * shared, not copied, so that a 60,000-image set exists once in memory; treat them as
 * read-only. (As with any record holding arrays, {@code equals} compares array identity.)
 *
 * @param name    a short name for logs and reports, e.g. {@code "fashion-mnist/train"}
 * @param images  {@code labels.length * rows * cols} values in [0, 1], image after image
 * @param labels  one class index per image
 * @param rows    image height in pixels (28 for MNIST)
 * @param cols    image width in pixels (28 for MNIST)
 * @param classes number of classes (10 for MNIST)
 */
public record Dataset(String name, float[] images, int[] labels, int rows, int cols, int classes) {
    public Dataset {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("a dataset needs a name");
        }
        if (rows <= 0 || cols <= 0 || classes <= 0) {
            throw new IllegalArgumentException(name + ": rows, cols and classes must be positive, got "
                    + rows + "x" + cols + " with " + classes + " classes");
        }
        if (labels.length == 0) {
            throw new IllegalArgumentException(name + ": a dataset needs at least one image");
        }
        if ((long) labels.length * rows * cols != images.length) {
            throw new IllegalArgumentException(name + ": " + labels.length + " labels of " + rows + "x" + cols
                    + " images need " + (long) labels.length * rows * cols + " pixel values, got " + images.length);
        }
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] < 0 || labels[i] >= classes) {
                throw new IllegalArgumentException(name + ": label " + labels[i] + " at index " + i
                        + " is outside 0.." + (classes - 1));
            }
        }
    }

    /**
     * Builds a dataset from IDX content, scaling each unsigned byte pixel {@code p} to
     * {@code p / 255f}.
     *
     * @throws IllegalArgumentException if the image and label counts differ; callers that
     *         know the file names check this first to give a better message
     */
    public static Dataset fromIdx(String name, Idx.Images images, int[] labels, int classes) {
        if (images.count() != labels.length) {
            throw new IllegalArgumentException(name + ": " + images.count() + " images but " + labels.length + " labels");
        }
        byte[] pixels = images.pixels();
        float[] scaled = new float[pixels.length];
        for (int i = 0; i < pixels.length; i++) {
            scaled[i] = (pixels[i] & 0xff) / 255f;
        }
        return new Dataset(name, scaled, labels, images.rows(), images.cols(), classes);
    }

    /** Number of images. */
    public int size() { return labels.length; }

    /** Values per image, {@code rows * cols} (784 for MNIST). */
    public int features() { return rows * cols; }

    @Override
    public String toString() {
        return "Dataset[" + name + ": " + size() + " images of " + rows + "x" + cols + ", " + classes + " classes]";
    }
}
