package dev.clayers.net;

import dev.clayers.Limits;
import dev.clayers.backend.Backend;
import dev.clayers.backend.Matrix;
import dev.clayers.layer.BatchNormalization;
import dev.clayers.layer.Layer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Batch normalization of {@code channels x positions} values per row: per feature after an
 * affine layer ({@code positions} 1, id {@code batchnorm(100)}), per channel after a conv layer
 * ({@code positions} H*W, id {@code batchnorm(30,576)}). gamma and beta are trained; the running
 * averages are kept for prediction. {@code epsilon} is added to the variance: the book's 1e-6 by
 * default (PyTorch's {@code BatchNorm} uses 1e-5); another value is part of the id
 * ({@code batchnorm(30,576,eps=1.0E-5)}), so model files keep it. Files written before epsilon was
 * recorded read as 1e-6, which is what they were trained with.
 *
 * @param channels  values normalised separately, each with its own gamma and beta
 * @param positions values per channel in a row: 1 after an affine layer, H*W after a conv layer
 * @param epsilon   added to the variance before the square root, in (0, 1)
 */
public record BatchNormSpec(int channels, int positions, float epsilon) implements LayerSpec {
    /** The book's {@code 10e-7}. */
    public static final float DEFAULT_EPSILON = BatchNormalization.EPS;

    /** The tensors of a batch-norm layer, in the order its constructor takes them. */
    private static final List<String> PARTS = List.of("gamma", "beta", "running_mean", "running_var");

    /**
     * Checks the components.
     *
     * @throws IllegalArgumentException when channels or positions are not positive, the layer is wider than the limit,
     *         or epsilon is outside (0, 1)
     */
    public BatchNormSpec {
        if (channels <= 0 || positions <= 0) {
            throw new IllegalArgumentException("batch norm needs positive channels and positions, got " + channels + ", "
                    + positions);
        }
        if ((long) channels * positions > Limits.MAX_IMAGE_VALUES) {
            throw new IllegalArgumentException("batch norm of " + channels + " channels of " + positions + " values has "
                    + Limits.format((long) channels * positions) + " values per row, more than the limit of "
                    + Limits.format(Limits.MAX_IMAGE_VALUES) + "; " + Limits.howToRaise("clayers.maxImageValues"));
        }
        if (!(epsilon > 0f && epsilon < 1f)) {
            throw new IllegalArgumentException("batch norm epsilon must be in (0, 1), got " + epsilon);
        }
    }

    /** With the default epsilon. */
    public BatchNormSpec(int channels, int positions) { this(channels, positions, DEFAULT_EPSILON); }

    static BatchNormSpec parse(String[] args) {
        String usage = "batchnorm needs channels[,positions][,eps=E]";
        List<String> sizes = new ArrayList<>(Arrays.asList(args));
        float eps = DEFAULT_EPSILON;
        if (!sizes.isEmpty() && sizes.get(sizes.size() - 1).startsWith("eps=")) {
            eps = Float.parseFloat(sizes.remove(sizes.size() - 1).substring(4));
        }
        if (sizes.isEmpty() || sizes.size() > 2) throw new IllegalArgumentException(usage);
        int[] a = LayerSpec.ints(sizes.toArray(String[]::new), sizes.size(), usage);
        return new BatchNormSpec(a[0], a.length == 2 ? a[1] : 1, eps);
    }

    /** Values per row: channels * positions. */
    public int size() { return channels * positions; }

    @Override public String title() { return "BatchNorm"; }
    @Override public String detail() { return "gamma (" + channels + "), beta (" + channels + ")"; }
    @Override public long parameterCount() { return 2L * channels; }
    @Override public String kind() { return "batchnorm"; }

    @Override
    public String id() {
        String eps = epsilon == DEFAULT_EPSILON ? "" : ",eps=" + epsilon;
        return positions == 1 ? "batchnorm(" + channels + eps + ")" : "batchnorm(" + channels + "," + positions + eps + ")";
    }

    @Override
    public int[] outputShape(int[] input, int position) {
        if (input == null) throw ShapeRules.cannotComeFirst(this, position);
        if (LayerSpec.width(input) != size() || (input.length == 3 && input[0] != channels)) {
            throw new IllegalArgumentException("layer " + position + " " + id() + " normalises " + channels
                    + " channels of " + positions + " values but the layer before it gives " + LayerSpec.describeShape(input));
        }
        return input;
    }

    @Override
    public List<TensorSpec> tensors(String name) {
        List<TensorSpec> out = new ArrayList<>();
        for (String part : PARTS) out.add(TensorSpec.of(name + "." + part, new int[] {channels}, new int[] {1, channels}));
        return out;
    }

    @Override
    public void initialise(String name, WeightInit init, Random rng, Map<String, float[]> out) {
        // The identity at first: gamma 1, beta 0; running variance 1 as nothing is known yet.
        float[] ones = new float[channels];
        Arrays.fill(ones, 1f);
        out.put(name + ".gamma", ones.clone());
        out.put(name + ".beta", new float[channels]);
        out.put(name + ".running_mean", new float[channels]);
        out.put(name + ".running_var", ones);
    }

    /** A negative running variance would take the square root of a negative number when predicting. */
    @Override
    public void checkRanges(String name, Map<String, float[]> values) {
        float[] var = values.get(name + ".running_var");
        for (int i = 0; i < var.length; i++) {
            if (var[i] < 0f) {
                throw new IllegalArgumentException(name + ".running_var holds " + var[i] + " at index " + i
                        + "; a variance cannot be negative (a damaged file)");
            }
        }
    }

    @Override public <R> R accept(Visitor<R> visitor) { return visitor.batchNorm(this); }

    @Override
    public Layer bind(Backend backend, String name, Map<String, float[]> weights, boolean paramsBefore) {
        List<Matrix> vs = new ArrayList<>();
        try {
            for (String part : PARTS) vs.add(backend.upload(weights.get(name + "." + part), 1, channels));
            return new BatchNormalization(backend, name, channels, epsilon, vs.get(0), vs.get(1), vs.get(2), vs.get(3));
        } catch (RuntimeException e) {
            vs.forEach(Matrix::close);
            throw e;
        }
    }
}
