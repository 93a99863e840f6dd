package dev.clayers.data;

/**
 * A labelled set held in host memory, ready to be cut into batches and uploaded: images, or
 * plain rows of features ({@link #of(float[][], int[])}: stored as 1-pixel-high images, so
 * that everything which reads rows reads them the same way).
 *
 * <p>{@code images} is a row-major {@code size() x features()} float matrix with pixel
 * values scaled to [0, 1] (byte / 255), the input scale the book's networks expect;
 * {@code labels[i]} is the class of row {@code i}, in {@code 0..classes-1}. The arrays are
 * shared, not copied, so that a 60,000-image set exists once in memory; treat them as
 * read-only. (As with any record holding arrays, {@code equals} compares array identity.)
 *
 * @param name    a short name for logs and reports, e.g. {@code "fashion-mnist/train"}
 * @param images  {@code labels.length * rows * cols} values, image (row) after image; pixels in [0, 1]
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
        if (images == null || labels == null) throw new IllegalArgumentException(name + ": images and labels must not be null");
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
        requireFinite(images, labels.length, rows * cols, name);
    }

    /**
     * Checks that every value of a row-major {@code rows x cols} matrix is finite. One NaN
     * feature turns every weight it reaches into NaN on the first step, and ReLU then maps the
     * NaN activations to 0, so the loss stays finite and nothing else notices: the network
     * silently learns nothing (and a NaN row to predict gets class 0). Hence every dataset is
     * checked when made, and so should any matrix of inputs be before it is used.
     *
     * @param what names the values in the message ({@code "data"}, {@code "the rows to predict"})
     * @throws IllegalArgumentException naming the first non-finite value's row and column
     */
    public static void requireFinite(float[] values, int rows, int cols, String what) {
        requireFinite(values, rows, cols, 0, what);
    }

    /**
     * As {@link #requireFinite(float[], int, int, String)} for a chunk of a larger set whose first
     * row is row {@code firstRow} there, so the message names the row as the caller numbers it.
     */
    public static void requireFinite(float[] values, int rows, int cols, long firstRow, String what) {
        if ((long) rows * cols != values.length) {
            throw new IllegalArgumentException(what + ": " + rows + "x" + cols + " values expected, got " + values.length);
        }
        for (int i = 0; i < values.length; i++) {
            if (!Float.isFinite(values[i])) {
                throw new IllegalArgumentException(what + ": row " + (firstRow + i / cols) + ", column " + i % cols + " is " + values[i]
                        + "; every input must be a finite number (drop or fill in the missing values first)");
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

    /**
     * Rows of features with a class label each, e.g. a table: {@code x[i]} is row i, {@code y[i]}
     * its class. The classes are {@code 0 .. max(y)}. The rows are copied into one array.
     */
    public static Dataset of(float[][] x, int[] y) {
        return of("data", x, y, classesOf(y));
    }

    /** As {@link #of(float[][], int[])} with a name for messages and the number of classes. */
    public static Dataset of(String name, float[][] x, int[] y, int classes) {
        if (x.length != y.length) {
            throw new IllegalArgumentException(name + ": " + x.length + " rows but " + y.length + " labels");
        }
        if (x.length == 0) throw new IllegalArgumentException(name + ": a dataset needs at least one row");
        if (x[0] == null) throw new IllegalArgumentException(name + ": row 0 is null");
        int features = x[0].length;
        if (features == 0) throw new IllegalArgumentException(name + ": rows need at least one feature");
        if ((long) x.length * features > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException(name + ": " + x.length + " rows of " + features + " features are "
                    + (long) x.length * features + " values, more than one Java array holds");
        }
        float[] flat = new float[x.length * features];
        for (int i = 0; i < x.length; i++) {
            if (x[i] == null) throw new IllegalArgumentException(name + ": row " + i + " is null");
            if (x[i].length != features) {
                throw new IllegalArgumentException(name + ": row " + i + " has " + x[i].length + " features but row 0 has "
                        + features);
            }
            System.arraycopy(x[i], 0, flat, i * features, features);
        }
        return new Dataset(name, flat, y, 1, features, classes);
    }

    /**
     * Rows of {@code features} values each, row after row in one array ({@code y.length * features}
     * values), with a class label each; the classes are {@code 0 .. max(y)}. The array is shared.
     */
    public static Dataset of(float[] x, int features, int[] y) {
        return new Dataset("data", x, y, 1, features, classesOf(y));
    }

    private static int classesOf(int[] y) {
        if (y == null) throw new IllegalArgumentException("labels must not be null");
        int max = -1;
        for (int v : y) {
            if (v < 0) throw new IllegalArgumentException("labels must be >= 0, got " + v);
            max = Math.max(max, v);
        }
        return max + 1;
    }

    /** Whether rows are images (more than one pixel high), which training may shift ({@code augment}). */
    public boolean isImage() { return rows > 1; }

    /** Number of images. */
    public int size() { return labels.length; }

    /** Values per image, {@code rows * cols} (784 for MNIST). */
    public int features() { return rows * cols; }

    @Override
    public String toString() {
        return "Dataset[" + name + ": " + size() + (isImage() ? " images of " + rows + "x" + cols : " rows of " + cols + " features")
                + ", " + classes + " classes]";
    }
}
