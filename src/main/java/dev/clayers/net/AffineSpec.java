package dev.clayers.net;

import dev.clayers.Limits;
import dev.clayers.backend.Backend;
import dev.clayers.backend.Matrix;
import dev.clayers.layer.Affine;
import dev.clayers.layer.Layer;

import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Fully connected: {@code y = x W + b}, W {@code inputs x outputs} (the book's layout), b
 * {@code 1 x outputs}. Id {@code affine(784,256)}. Reads any row of {@code inputs} values, a
 * pooled image included (flattening for free); the last layer of a network is affine, its
 * outputs the class scores.
 *
 * @param inputs  features per row coming in
 * @param outputs features per row going out
 */
public record AffineSpec(int inputs, int outputs) implements LayerSpec {
    /**
     * Checks the components.
     *
     * @throws IllegalArgumentException when a size is not positive or the weight matrix exceeds the caps of
     *         {@link dev.clayers.Limits}
     */
    public AffineSpec {
        if (inputs <= 0 || outputs <= 0) {
            throw new IllegalArgumentException("affine sizes must be positive, got " + inputs + " -> " + outputs);
        }
        if (Math.max(inputs, outputs) > Limits.MAX_LAYER_WIDTH) {
            throw new IllegalArgumentException("affine " + inputs + " -> " + outputs + " is wider than the limit of "
                    + Limits.format(Limits.MAX_LAYER_WIDTH) + " units per layer; use narrower layers or "
                    + Limits.howToRaise("clayers.maxLayerWidth"));
        }
        // Long arithmetic: 784 x 2,800,000 wraps an int to a negative size.
        if ((long) inputs * outputs > Limits.MAX_MATRIX_ELEMENTS) {
            throw new IllegalArgumentException("affine " + inputs + " -> " + outputs + " has "
                    + Limits.format((long) inputs * outputs) + " weights, more than one matrix can hold ("
                    + Limits.format(Limits.MAX_MATRIX_ELEMENTS) + "); use narrower layers");
        }
    }

    static AffineSpec parse(String[] args) {
        int[] a = LayerSpec.ints(args, 2, "affine needs two sizes");
        return new AffineSpec(a[0], a[1]);
    }

    @Override public String id() { return "affine(" + inputs + "," + outputs + ")"; }
    @Override public String title() { return "Affine"; }
    @Override public String detail() { return "W (" + inputs + ", " + outputs + "), b (" + outputs + ")"; }
    @Override public long parameterCount() { return (long) inputs * outputs + outputs; }
    @Override public String kind() { return "affine"; }
    @Override public int inputWidth() { return inputs; }
    @Override public int classScores() { return outputs; }

    @Override
    public int[] outputShape(int[] input, int position) {
        if (input != null && LayerSpec.width(input) != inputs) {
            throw new IllegalArgumentException("layer " + position + " " + id() + " takes " + inputs
                    + " inputs but the layer before it gives " + LayerSpec.width(input));
        }
        return new int[] {outputs};
    }

    @Override
    public List<TensorSpec> tensors(String name) {
        return List.of(TensorSpec.of(name + ".W", new int[] {inputs, outputs}),
                TensorSpec.of(name + ".b", new int[] {1, outputs}, new int[] {outputs}));
    }

    @Override
    public void initialise(String name, WeightInit init, Random rng, Map<String, float[]> out) {
        putGaussian(out, name, inputs * outputs, outputs, init.std(inputs), rng);
    }

    /** {@code name.W} drawn N(0, std^2) from {@code rng}, {@code name.b} zero. */
    static void putGaussian(Map<String, float[]> out, String name, int size, int biases, double std, Random rng) {
        float[] w = new float[size];
        for (int j = 0; j < w.length; j++) w[j] = (float) (std * rng.nextGaussian());
        out.put(name + ".W", w);
        out.put(name + ".b", new float[biases]);
    }

    @Override public <R> R accept(Visitor<R> visitor) { return visitor.affine(this); }

    @Override
    public Layer bind(Backend backend, String name, Map<String, float[]> weights, boolean paramsBefore) {
        Matrix[] wb = uploadWeightsAndBias(backend, name, weights, inputs, outputs, outputs);
        return new Affine(backend, name, wb[0], wb[1], paramsBefore);
    }

    /** Uploads {@code name.W} (rows x cols) and {@code name.b} (1 x biases), releasing W if b fails. */
    static Matrix[] uploadWeightsAndBias(Backend backend, String name, Map<String, float[]> weights, int rows, int cols,
                                         int biases) {
        Matrix w = backend.upload(weights.get(name + ".W"), rows, cols);
        try {
            return new Matrix[] {w, backend.upload(weights.get(name + ".b"), 1, biases)};
        } catch (RuntimeException e) {
            w.close();
            throw e;
        }
    }

    @Override
    public boolean describeTo(Architecture.Reader reader) {
        reader.affine(inputs, outputs);
        return true;
    }
}
