package dev.clayers.data;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A per-feature affine map {@code y[j] = (x[j] - center[j]) / scale[j]}, fitted on training data
 * and applied alike to training, validation and test data and to the rows given to
 * {@code predict}:
 * <ul>
 *   <li>{@link #standardise(Dataset)}: center the mean, scale the standard deviation (population,
 *       as scikit-learn's {@code StandardScaler}), so each feature has mean 0 and variance 1 on
 *       the training set;</li>
 *   <li>{@link #minMax(Dataset)}: center the minimum, scale the range, so each feature spans
 *       [0, 1] on the training set.</li>
 * </ul>
 * A feature that is (nearly) constant on the training set has no spread to divide by: its scale
 * is 1, so it is only centred (scikit-learn does the same), rather than blown up by a tiny
 * divisor when a later row differs.
 *
 * <p>A network carries its normaliser ({@code Sequential.setNormaliser}); fit, evaluate and
 * predict then apply it to the host data they are given, and a saved model keeps it as the
 * tensors {@code normaliser.mean} and {@code normaliser.std} (or {@code normaliser.min} and
 * {@code normaliser.range}), one value per input feature ({@link #tensors()}).
 *
 * <p>Arithmetic is float, {@code (x - center) / scale} per value, so the same normaliser gives
 * the same bits wherever it runs; the statistics are accumulated in double.
 *
 * <p>Thread rule: immutable; share one between threads freely.
 */
public final class Normaliser {
    /** How the center and the scale were chosen; each kind names its two tensors in a model file. */
    public enum Kind {
        /** Mean and standard deviation. */
        STANDARDISE("standardise", "mean", "std"),
        /** Minimum and range (maximum - minimum). */
        MIN_MAX("min-max", "min", "range");

        private final String id;
        private final String centerName;
        private final String scaleName;

        Kind(String id, String centerName, String scaleName) {
            this.id = id;
            this.centerName = centerName;
            this.scaleName = scaleName;
        }

        /** {@code standardise}, {@code min-max}. */
        public String id() { return id; }

        /** The tensor that holds the centers in a model file: {@code normaliser.mean}, {@code normaliser.min}. */
        public String centerTensor() { return PREFIX + centerName; }

        /** The tensor that holds the scales: {@code normaliser.std}, {@code normaliser.range}. */
        public String scaleTensor() { return PREFIX + scaleName; }
    }

    /** Prefix of a normaliser's tensor names in a model file. */
    public static final String PREFIX = "normaliser.";

    /** Standard deviations (and ranges) below this count as a constant feature: {@link #standardise(Dataset)}. */
    public static final float DEFAULT_MIN_SPREAD = 1e-6f;

    private final Kind kind;
    private final float[] center;
    private final float[] scale;

    private Normaliser(Kind kind, float[] center, float[] scale) {
        this.kind = kind;
        this.center = center;
        this.scale = scale;
    }

    /**
     * A normaliser from given values (e.g. read from a file), checked: one center and one scale
     * per feature, every value finite, every scale positive. The arrays are copied.
     */
    public static Normaliser of(Kind kind, float[] center, float[] scale) {
        if (kind == null) throw new IllegalArgumentException("the normaliser kind is null");
        if (center == null || scale == null || center.length == 0 || center.length != scale.length) {
            throw new IllegalArgumentException("a " + kind.id() + " normaliser needs as many " + kind.scaleName + " as "
                    + kind.centerName + " values, at least one, got " + (center == null ? 0 : center.length) + " and "
                    + (scale == null ? 0 : scale.length));
        }
        for (int j = 0; j < center.length; j++) {
            if (!Float.isFinite(center[j])) {
                throw new IllegalArgumentException(kind.centerTensor() + " holds " + center[j] + " at feature " + j
                        + "; it must be finite");
            }
            if (!(scale[j] > 0) || !Float.isFinite(scale[j])) {
                throw new IllegalArgumentException(kind.scaleTensor() + " holds " + scale[j] + " at feature " + j
                        + "; it must be a positive finite number");
            }
        }
        return new Normaliser(kind, center.clone(), scale.clone());
    }

    /** {@link #standardise(Dataset, float)} with {@value #DEFAULT_MIN_SPREAD} as the least spread. */
    public static Normaliser standardise(Dataset train) {
        return standardise(train, DEFAULT_MIN_SPREAD);
    }

    /**
     * Mean and population standard deviation of each feature of {@code train}; a feature whose
     * standard deviation is below {@code minStd} gets scale 1 (only centred).
     */
    public static Normaliser standardise(Dataset train, float minStd) {
        if (train == null) throw new IllegalArgumentException("the dataset to fit a normaliser to is null");
        checkMinSpread(minStd);
        int f = train.features(), n = train.size();
        float[] x = train.images();
        double[] mean = new double[f];
        for (int i = 0; i < n; i++) for (int j = 0; j < f; j++) mean[j] += x[i * f + j];
        for (int j = 0; j < f; j++) mean[j] /= n;
        // Two passes: the sum of squared deviations does not cancel as E[x^2] - E[x]^2 does.
        double[] ss = new double[f];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < f; j++) {
                double d = x[i * f + j] - mean[j];
                ss[j] += d * d;
            }
        }
        float[] c = new float[f], s = new float[f];
        for (int j = 0; j < f; j++) {
            c[j] = (float) mean[j];
            double std = Math.sqrt(ss[j] / n);
            s[j] = std < minStd ? 1f : (float) std;
        }
        return checkedFit(train, Kind.STANDARDISE, c, s);
    }

    /** {@link #minMax(Dataset, float)} with {@value #DEFAULT_MIN_SPREAD} as the least range. */
    public static Normaliser minMax(Dataset train) {
        return minMax(train, DEFAULT_MIN_SPREAD);
    }

    /** Minimum and range of each feature of {@code train}; a range below {@code minRange} becomes 1. */
    public static Normaliser minMax(Dataset train, float minRange) {
        if (train == null) throw new IllegalArgumentException("the dataset to fit a normaliser to is null");
        checkMinSpread(minRange);
        int f = train.features(), n = train.size();
        float[] x = train.images();
        float[] lo = Arrays.copyOf(x, f), hi = Arrays.copyOf(x, f);
        for (int i = 1; i < n; i++) {
            for (int j = 0; j < f; j++) {
                lo[j] = Math.min(lo[j], x[i * f + j]);
                hi[j] = Math.max(hi[j], x[i * f + j]);
            }
        }
        float[] range = new float[f];
        for (int j = 0; j < f; j++) {
            double r = (double) hi[j] - lo[j];
            range[j] = r < minRange ? 1f : (float) r;
        }
        return checkedFit(train, Kind.MIN_MAX, lo, range);
    }

    private static void checkMinSpread(float min) {
        if (!(min >= 0) || !Float.isFinite(min)) {
            throw new IllegalArgumentException("the least spread must be a finite number >= 0, got " + min);
        }
    }

    /** A fitted normaliser, or one line naming the feature of {@code train} that made it fail (a NaN, an overflow). */
    private static Normaliser checkedFit(Dataset train, Kind kind, float[] c, float[] s) {
        for (int j = 0; j < c.length; j++) {
            if (!Float.isFinite(c[j]) || !Float.isFinite(s[j])) {
                throw new IllegalArgumentException(train.name() + ": feature " + j + " gives a " + kind.id()
                        + " normaliser of " + kind.centerName + " " + c[j] + " and " + kind.scaleName + " " + s[j]
                        + "; the data must hold finite numbers of moderate size");
            }
        }
        return new Normaliser(kind, c, s);
    }

    /** How the features are scaled: the {@link Kind} this normaliser was fitted as. */
    public Kind kind() { return kind; }

    /** Values per row this normaliser takes. */
    public int features() { return center.length; }

    /** The centers (means or minima), a copy. */
    public float[] center() { return center.clone(); }

    /** The scales (standard deviations or ranges), a copy. */
    public float[] scale() { return scale.clone(); }

    /** A new set of the same shape, name and labels with every row normalised. */
    public Dataset apply(Dataset data) {
        requireFeatures(data.features(), data.name());
        float[] x = data.images().clone();
        applyInPlace(x, data.name());
        return new Dataset(data.name(), x, data.labels(), data.channels(), data.imageHeight(), data.imageWidth(),
                data.classes());
    }

    /** New normalised rows; each row must hold {@link #features()} values. */
    public float[][] apply(float[][] rows) {
        if (rows == null) throw new IllegalArgumentException("the rows to normalise are null");
        float[][] out = new float[rows.length][];
        for (int i = 0; i < rows.length; i++) {
            if (rows[i] == null || rows[i].length != features()) {
                throw new IllegalArgumentException("row " + i + " has " + (rows[i] == null ? 0 : rows[i].length)
                        + " features but the normaliser takes " + features());
            }
            out[i] = rows[i].clone();
            applyRow(out[i], 0, i, "rows");
        }
        return out;
    }

    /** Normalised copies of row-major rows ({@code x.length} a multiple of {@link #features()}). */
    public float[] apply(float[] x) {
        if (x == null) throw new IllegalArgumentException("the rows to normalise are null");
        float[] out = x.clone();
        applyInPlace(out, "rows");
        return out;
    }

    /**
     * Normalises row-major rows in place. <em>Modified:</em> {@code x}.
     *
     * @param what names the data in messages
     * @throws IllegalArgumentException naming the row and feature of a value that is not finite
     *         before or after normalising
     */
    public void applyInPlace(float[] x, String what) {
        if (x.length % features() != 0) {
            throw new IllegalArgumentException(what + ": " + x.length + " values are not rows of " + features() + " features");
        }
        for (int i = 0, rows = x.length / features(); i < rows; i++) applyRow(x, i * features(), i, what);
    }

    private void applyRow(float[] x, int offset, int row, String what) {
        for (int j = 0; j < center.length; j++) {
            float v = x[offset + j];
            float y = (v - center[j]) / scale[j];
            if (!Float.isFinite(y)) {
                throw new IllegalArgumentException(what + ": row " + row + ", feature " + j + " holds " + v
                        + (Float.isFinite(v) ? ", which normalises to " + y : "") + "; inputs must be finite numbers");
            }
            x[offset + j] = y;
        }
    }

    private void requireFeatures(int features, String what) {
        if (features != features()) {
            throw new IllegalArgumentException(what + " has " + features + " features per row but the normaliser was fitted on "
                    + features());
        }
    }

    /** The two tensors a model file keeps, by name: centers then scales, {@link #features()} values each. */
    public Map<String, float[]> tensors() {
        Map<String, float[]> m = new LinkedHashMap<>();
        m.put(kind.centerTensor(), center.clone());
        m.put(kind.scaleTensor(), scale.clone());
        return m;
    }

    /**
     * The normaliser held in a model file's tensors, if any: the tensors whose names start with
     * {@value #PREFIX} must be exactly the two of one kind, with {@code features} values each,
     * finite, the scales positive.
     *
     * @param tensors every tensor of the file by name (others are ignored)
     * @throws IllegalArgumentException naming the tensor that is wrong
     */
    public static Optional<Normaliser> fromTensors(Map<String, float[]> tensors, int features) {
        Map<String, float[]> mine = new LinkedHashMap<>();
        tensors.forEach((k, v) -> { if (k.startsWith(PREFIX)) mine.put(k, v); });
        if (mine.isEmpty()) return Optional.empty();
        for (Kind kind : Kind.values()) {
            if (!mine.containsKey(kind.centerTensor()) && !mine.containsKey(kind.scaleTensor())) continue;
            float[] c = mine.get(kind.centerTensor()), s = mine.get(kind.scaleTensor());
            if (c == null || s == null || mine.size() != 2) {
                throw new IllegalArgumentException("a " + kind.id() + " normaliser is the two tensors " + kind.centerTensor()
                        + " and " + kind.scaleTensor() + ", got " + String.join(", ", mine.keySet()));
            }
            for (String name : mine.keySet()) {
                if (mine.get(name).length != features) {
                    throw new IllegalArgumentException(name + " has " + mine.get(name).length + " values but the network takes "
                            + features + " features");
                }
            }
            return Optional.of(of(kind, c, s));
        }
        throw new IllegalArgumentException("tensor " + mine.keySet().iterator().next() + " is no normaliser tensor ("
                + Kind.STANDARDISE.centerTensor() + " and " + Kind.STANDARDISE.scaleTensor() + ", or "
                + Kind.MIN_MAX.centerTensor() + " and " + Kind.MIN_MAX.scaleTensor() + ")");
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Normaliser n && kind == n.kind && Arrays.equals(center, n.center) && Arrays.equals(scale, n.scale);
    }

    @Override
    public int hashCode() {
        return Objects.hash(kind, Arrays.hashCode(center), Arrays.hashCode(scale));
    }

    @Override
    public String toString() {
        return "Normaliser[" + kind.id() + " of " + features() + " features]";
    }
}
