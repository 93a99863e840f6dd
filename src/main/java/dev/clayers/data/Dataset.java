package dev.clayers.data;

import dev.clayers.Limits;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Random;

/**
 * A labelled set held in host memory, ready to be cut into batches and uploaded: images, or
 * plain rows of features ({@link #of(float[][], int[])}: stored as 1-pixel-high images, so
 * that everything which reads rows reads them the same way).
 *
 * <p>Each of the {@link #size()} rows holds {@link #features()} values
 * ({@code channels * imageHeight * imageWidth}; an image's channels one after the other, each
 * row-major). Pixel values of loaded pictures are scaled to [0, 1] (byte / 255), the input scale
 * the book's networks expect; {@code labels[i]} is the class of row {@code i}, in
 * {@code 0..classes-1}. The arrays are shared, not copied, so that a 60,000-image set exists once
 * in memory; treat them as read-only. Every method that makes a new set ({@link #subset},
 * {@link #shuffle}, {@link #split}) copies the rows it keeps. (As with any record holding
 * arrays, {@code equals} compares array identity.)
 *
 * <p>Thread rule: immutable when its arrays are left alone; any number of threads may read one.
 *
 * @param name        a short name for logs and reports, e.g. {@code "fashion-mnist/train"}
 * @param images      {@code labels.length * features()} values, row after row
 * @param labels      one class index per row
 * @param channels    values per pixel: 1 for grey levels and for plain rows, 3 for RGB
 * @param imageHeight image height in pixels (28 for MNIST; 1 for plain rows of features)
 * @param imageWidth  image width in pixels (28 for MNIST; the feature count for plain rows)
 * @param classes     number of classes (10 for MNIST)
 */
public record Dataset(String name, float[] images, int[] labels, int channels, int imageHeight, int imageWidth,
                      int classes) {
    /**
     * Checks the components.
     *
     * @throws IllegalArgumentException naming the first problem: a blank name, null arrays, non-positive sizes, array
     *         lengths that disagree, labels outside {@code [0, classes)}
     */
    public Dataset {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("a dataset needs a name");
        }
        if (images == null || labels == null) throw new IllegalArgumentException(name + ": images and labels must not be null");
        if (channels <= 0 || imageHeight <= 0 || imageWidth <= 0 || classes <= 0) {
            throw new IllegalArgumentException(name + ": channels, height, width and classes must be positive, got "
                    + channels + "x" + imageHeight + "x" + imageWidth + " with " + classes + " classes");
        }
        if (labels.length == 0) {
            throw new IllegalArgumentException(name + ": a dataset needs at least one image");
        }
        long features = (long) channels * imageHeight * imageWidth;
        if (features > Limits.MAX_MATRIX_ELEMENTS || (long) labels.length * features != images.length) {
            throw new IllegalArgumentException(name + ": " + labels.length + " labels of " + describeShape(channels,
                    imageHeight, imageWidth) + " images need " + (long) labels.length * features + " pixel values, got "
                    + images.length);
        }
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] < 0 || labels[i] >= classes) {
                throw new IllegalArgumentException(name + ": label " + labels[i] + " at index " + i
                        + " is outside 0.." + (classes - 1));
            }
        }
        requireFinite(images, labels.length, (int) features, name);
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
     * One-channel images of {@code height x width} pixels (the form of every set before colour
     * images: MNIST, and plain rows as {@code 1 x features}).
     */
    public Dataset(String name, float[] images, int[] labels, int height, int width, int classes) {
        this(name, images, labels, 1, height, width, classes);
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
        return new Dataset(name, scaled, labels, 1, images.rows(), images.cols(), classes);
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
        if (x == null || y == null) throw new IllegalArgumentException(name + ": " + (x == null ? "rows" : "labels") + " must not be null");
        if (x.length != y.length) {
            throw new IllegalArgumentException(name + ": " + x.length + " rows but " + y.length + " labels");
        }
        if (x.length == 0) throw new IllegalArgumentException(name + ": a dataset needs at least one row");
        if (x[0] == null) throw new IllegalArgumentException(name + ": row 0 is null");
        int features = x[0].length;
        if (features == 0) throw new IllegalArgumentException(name + ": rows need at least one feature");
        float[] flat = new float[checkedValues(name, x.length, features)];
        for (int i = 0; i < x.length; i++) {
            if (x[i] == null) throw new IllegalArgumentException(name + ": row " + i + " is null");
            if (x[i].length != features) {
                throw new IllegalArgumentException(name + ": row " + i + " has " + x[i].length + " features but row 0 has "
                        + features);
            }
            System.arraycopy(x[i], 0, flat, i * features, features);
        }
        return new Dataset(name, flat, y, 1, 1, features, classes);
    }

    /**
     * Rows of {@code features} values each, row after row in one array ({@code y.length * features}
     * values), with a class label each; the classes are {@code 0 .. max(y)}. The array is shared.
     */
    public static Dataset of(float[] x, int features, int[] y) {
        return new Dataset("data", x, y, 1, 1, features, classesOf(y));
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
    public boolean isImage() { return imageHeight > 1; }

    /** Number of rows (images). */
    public int size() { return labels.length; }

    /** Values per row, {@code channels * imageHeight * imageWidth} (784 for MNIST). */
    public int features() { return channels * imageHeight * imageWidth; }

    /**
     * Image height in pixels.
     *
     * @deprecated the name read as the number of rows; use {@link #imageHeight()} (and
     *             {@link #size()} for the number of rows)
     */
    @Deprecated(since = "0.2")
    public int rows() { return imageHeight; }

    /**
     * Image width in pixels.
     *
     * @deprecated use {@link #imageWidth()} (and {@link #features()} for the values per row)
     */
    @Deprecated(since = "0.2")
    public int cols() { return imageWidth; }

    /** Whether {@code other} has rows of the same shape and the same class count (so one network fits both). */
    public boolean sameShape(Dataset other) {
        return channels == other.channels && imageHeight == other.imageHeight && imageWidth == other.imageWidth
                && classes == other.classes;
    }

    // ---- rows ----------------------------------------------------------------------------------

    /** A copy of row {@code i}: {@link #features()} values. */
    public float[] row(int i) {
        checkIndex(i);
        int f = features();
        return Arrays.copyOfRange(images, i * f, i * f + f);
    }

    /** The class of row {@code i}. */
    public int label(int i) {
        checkIndex(i);
        return labels[i];
    }

    /** Every row as its own array (copies), e.g. for {@code Sequential.predictClasses(float[][])}. */
    public float[][] toRows() { return toRows(0, size()); }

    /** Copies of rows {@code from} (inclusive) to {@code to} (exclusive). */
    public float[][] toRows(int from, int to) {
        checkRange(from, to);
        float[][] out = new float[to - from][];
        for (int i = from; i < to; i++) out[i - from] = row(i);
        return out;
    }

    /** Rows in each class: {@code counts[c]} rows have label {@code c}. */
    public long[] classCounts() {
        long[] counts = new long[classes];
        for (int y : labels) counts[y]++;
        return counts;
    }

    // ---- new sets ------------------------------------------------------------------------------

    /**
     * The rows at {@code indices}, in that order, copied into a new set of the same shape and
     * classes (an index may repeat).
     */
    public Dataset subset(int... indices) {
        return subset(name + "[subset]", indices);
    }

    /** As {@link #subset(int...)}, with a name for the new set. */
    public Dataset subset(String newName, int[] indices) {
        if (indices == null || indices.length == 0) {
            throw new IllegalArgumentException(name + ": a subset needs at least one index");
        }
        int f = features();
        float[] x = new float[checkedValues(name, indices.length, f)];
        int[] y = new int[indices.length];
        for (int k = 0; k < indices.length; k++) {
            int i = indices[k];
            if (i < 0 || i >= size()) {
                throw new IllegalArgumentException(name + ": subset index " + i + " (position " + k + ") is outside 0.."
                        + (size() - 1));
            }
            System.arraycopy(images, i * f, x, k * f, f);
            y[k] = labels[i];
        }
        return new Dataset(newName, x, y, channels, imageHeight, imageWidth, classes);
    }

    /** Rows {@code from} (inclusive) to {@code to} (exclusive), copied. */
    public Dataset subset(int from, int to) {
        checkRange(from, to);
        if (from == to) throw new IllegalArgumentException(name + ": the range " + from + ".." + to + " is empty");
        int f = features();
        float[] x = Arrays.copyOfRange(images, from * f, to * f);
        return new Dataset(name + "[" + from + ".." + to + "]", x, Arrays.copyOfRange(labels, from, to), channels,
                imageHeight, imageWidth, classes);
    }

    /** Every row in an order drawn from {@code seed} (the same seed, the same order), copied. */
    public Dataset shuffle(long seed) {
        return subset(name + "[shuffled]", permutation(size(), new Random(seed)));
    }

    /**
     * Splits the rows at random into two sets: {@code round(fraction * size())} rows in the
     * first ({@link DataSplit#train()}), the rest in the second ({@link DataSplit#test()}), e.g.
     * {@code split(0.9, 1)} for a training and a validation set. The draw depends only on the
     * seed; both sets are in a random order.
     *
     * @throws IllegalArgumentException when {@code fraction} is not in (0, 1) or either part would be empty
     */
    public DataSplit split(double fraction, long seed) {
        int first = firstPartSize(fraction);
        int[] p = permutation(size(), new Random(seed));
        return parts(fraction, Arrays.copyOf(p, first), Arrays.copyOfRange(p, first, p.length));
    }

    /**
     * As {@link #split(double, long)}, keeping each class's share in both parts (stratified):
     * class {@code c} puts {@code floor(fraction * count[c])} rows in the first part and the
     * remaining rows of the first part's {@code round(fraction * size())} go to the classes with
     * the largest remainders (ties to the lower class). Within a class the rows are drawn at
     * random; both parts are then shuffled.
     */
    public DataSplit stratifiedSplit(double fraction, long seed) {
        int first = firstPartSize(fraction);
        Random rng = new Random(seed);
        int[] p = permutation(size(), rng);
        long[] counts = classCounts();
        int[] quota = new int[classes];
        double[] remainder = new double[classes];
        int given = 0;
        for (int c = 0; c < classes; c++) {
            double exact = fraction * counts[c];
            quota[c] = (int) Math.floor(exact);
            remainder[c] = exact - quota[c];
            given += quota[c];
        }
        Integer[] byRemainder = new Integer[classes];
        for (int c = 0; c < classes; c++) byRemainder[c] = c;
        Arrays.sort(byRemainder, (a, b) -> remainder[a] != remainder[b] ? Double.compare(remainder[b], remainder[a])
                : Integer.compare(a, b));
        for (int k = 0; given < first; k = (k + 1) % classes) {
            int c = byRemainder[k];
            if (quota[c] < counts[c]) {
                quota[c]++;
                given++;
            }
        }
        int[] a = new int[first], b = new int[size() - first];
        int na = 0, nb = 0;
        int[] taken = new int[classes];
        for (int i : p) {
            int c = labels[i];
            if (taken[c] < quota[c]) {
                taken[c]++;
                a[na++] = i;
            } else {
                b[nb++] = i;
            }
        }
        // The permutation is already random within each part; a second draw mixes the classes'
        // quotas evenly over the part instead of in the first permutation's order.
        shuffleInPlace(a, rng);
        shuffleInPlace(b, rng);
        return parts(fraction, a, b);
    }

    private int firstPartSize(double fraction) {
        if (!(fraction > 0 && fraction < 1)) {
            throw new IllegalArgumentException(name + ": the split fraction must be between 0 and 1, got " + fraction);
        }
        long first = Math.round(fraction * size());
        if (first < 1 || first >= size()) {
            throw new IllegalArgumentException(name + ": a split of " + fraction + " of " + size() + " rows leaves "
                    + (first < 1 ? "the first" : "the second") + " part empty");
        }
        return (int) first;
    }

    private DataSplit parts(double fraction, int[] a, int[] b) {
        String pct = percent(fraction), rest = percent(1 - fraction);
        return new DataSplit(subset(name + "[" + pct + "]", a), subset(name + "[" + rest + "]", b));
    }

    private static String percent(double f) {
        String p = String.format(java.util.Locale.ROOT, "%.1f", f * 100);   // 1 - 0.8 is 0.19999999999999996
        return (p.endsWith(".0") ? p.substring(0, p.length() - 2) : p) + "%";
    }

    // ---- batches -------------------------------------------------------------------------------

    /**
     * A mini-batch copied from a set: {@code size()} rows of {@code features} values, row after
     * row in {@code x}, and their labels; {@code indices} says which rows of the set they are.
     *
     * @param x        {@code size() * features} values, row-major
     * @param labels   the class of each row
     * @param indices  the row of the set each batch row was copied from
     * @param features values per row
     */
    public record Batch(float[] x, int[] labels, int[] indices, int features) {
        /**
         * Checks the components.
         *
         * @throws IllegalArgumentException when {@code x} is not {@code labels.length} rows of {@code features} values
         *         or {@code indices} and {@code labels} differ in length
         */
        public Batch {
            if ((long) labels.length * features != x.length || indices.length != labels.length) {
                throw new IllegalArgumentException("a batch of " + labels.length + " rows of " + features
                        + " features needs " + (long) labels.length * features + " values and as many indices, got "
                        + x.length + " and " + indices.length);
            }
        }

        /** Rows in this batch. */
        public int size() { return labels.length; }

        /** The rows as separate arrays (copies). */
        public float[][] toRows() {
            float[][] out = new float[size()][];
            for (int i = 0; i < out.length; i++) out[i] = Arrays.copyOfRange(x, i * features, i * features + features);
            return out;
        }
    }

    /**
     * The rows in order, {@code batchSize} at a time (the last batch holds the rest). Each
     * iterator copies one batch at a time, so a set of any size can be walked on the host.
     */
    public Iterable<Batch> batches(int batchSize) {
        checkBatch(batchSize);
        int[] order = new int[size()];
        for (int i = 0; i < order.length; i++) order[i] = i;
        return () -> new BatchIterator(order, batchSize);
    }

    /**
     * The rows in an order drawn from {@code seed}, {@code batchSize} at a time (the last batch
     * holds the rest). The same seed gives the same batches; every iterator walks that order.
     */
    public Iterable<Batch> batches(int batchSize, long seed) {
        checkBatch(batchSize);
        int[] order = permutation(size(), new Random(seed));
        return () -> new BatchIterator(order, batchSize);
    }

    private void checkBatch(int batchSize) {
        if (batchSize <= 0 || batchSize > Limits.MAX_BATCH) {
            throw new IllegalArgumentException(name + ": the batch size must be in 1.." + Limits.format(Limits.MAX_BATCH)
                    + ", got " + batchSize);
        }
    }

    private final class BatchIterator implements Iterator<Batch> {
        private final int[] order;
        private final int batchSize;
        private int next;

        BatchIterator(int[] order, int batchSize) {
            this.order = order;
            this.batchSize = batchSize;
        }

        @Override
        public boolean hasNext() { return next < order.length; }

        @Override
        public Batch next() {
            if (!hasNext()) throw new NoSuchElementException("no batch after row " + order.length);
            int n = Math.min(batchSize, order.length - next);
            int f = features();
            float[] x = new float[n * f];   // n <= MAX_BATCH and f * size() fits an array, so n * f does
            int[] y = new int[n];
            int[] idx = Arrays.copyOfRange(order, next, next + n);
            for (int k = 0; k < n; k++) {
                System.arraycopy(images, idx[k] * f, x, k * f, f);
                y[k] = labels[idx[k]];
            }
            next += n;
            return new Batch(x, y, idx, f);
        }
    }

    // ---- helpers -------------------------------------------------------------------------------

    /** A permutation of {@code 0..n-1} drawn by Fisher-Yates from {@code rng}. */
    static int[] permutation(int n, Random rng) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) p[i] = i;
        shuffleInPlace(p, rng);
        return p;
    }

    private static void shuffleInPlace(int[] p, Random rng) {
        for (int i = p.length - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int tmp = p[i];
            p[i] = p[j];
            p[j] = tmp;
        }
    }

    /** {@code rows * features} as an array length, or a one-line error naming the cap. */
    static int checkedValues(String name, long rows, long features) {
        long n = rows * features;
        if (n > Limits.MAX_MATRIX_ELEMENTS) {
            throw new IllegalArgumentException(name + ": " + rows + " rows of " + features + " values are " + Limits.format(n)
                    + " values, more than one array holds (" + Limits.format(Limits.MAX_MATRIX_ELEMENTS) + ")");
        }
        return (int) n;
    }

    private void checkIndex(int i) {
        if (i < 0 || i >= size()) throw new IllegalArgumentException(name + ": row " + i + " is outside 0.." + (size() - 1));
    }

    private void checkRange(int from, int to) {
        if (from < 0 || to > size() || from > to) {
            throw new IllegalArgumentException(name + ": rows " + from + ".." + to + " are not a range within 0.." + size());
        }
    }

    static String describeShape(int channels, int height, int width) {
        return (channels == 1 ? "" : channels + "x") + height + "x" + width;
    }

    @Override
    public String toString() {
        return "Dataset[" + name + ": " + size() + (isImage() ? " images of " + describeShape(channels, imageHeight, imageWidth)
                : " rows of " + features() + " features") + ", " + classes + " classes]";
    }
}
