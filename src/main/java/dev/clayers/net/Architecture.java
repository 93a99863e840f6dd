package dev.clayers.net;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The shape of a multi-layer perceptron: {@code input -> hidden... -> output}, one activation for
 * every hidden layer, softmax-with-loss on top.
 *
 * @param input      features per input row
 * @param hidden     units of each hidden layer, input side first; may be empty
 * @param output     classes: the outputs of the last affine layer
 * @param activation the activation after every hidden layer
 */
public record Architecture(int input, int[] hidden, int output, Activation activation) {
    /**
     * Copies {@code hidden}.
     *
     * @throws IllegalArgumentException when a size is not positive
     */
    public Architecture {
        if (input <= 0 || output <= 0) {
            throw new IllegalArgumentException("input and output sizes must be positive, got " + input + " and " + output);
        }
        hidden = hidden.clone();
        for (int h : hidden) {
            if (h <= 0) throw new IllegalArgumentException("hidden layer sizes must be positive, got " + Arrays.toString(hidden));
        }
    }

    /** Parses {@code "100"} or {@code "256,128"}. */
    public static int[] parseHidden(String s) {
        try {
            int[] h = Arrays.stream(s.split(",")).map(String::trim).mapToInt(Integer::parseInt).toArray();
            for (int v : h) if (v <= 0) throw new NumberFormatException();
            return h;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("hidden sizes must be positive integers separated by commas, got '" + s + "'");
        }
    }

    /** Hidden layer sizes, input side first; a copy. */
    @Override public int[] hidden() { return hidden.clone(); }

    /** Layer widths from input to output, e.g. {@code [784, 50, 10]}. */
    public int[] widths() {
        int[] w = new int[hidden.length + 2];
        w[0] = input;
        System.arraycopy(hidden, 0, w, 1, hidden.length);
        w[w.length - 1] = output;
        return w;
    }

    /**
     * The layer list of this perceptron: {@code affine, activation, [dropout,] ..., affine}, with
     * dropout after every hidden activation when {@code dropout > 0}.
     */
    public List<LayerSpec> layers(float dropout) {
        int[] w = widths();
        List<LayerSpec> out = new ArrayList<>();
        for (int i = 0; i + 1 < w.length; i++) {
            out.add(LayerSpec.affine(w[i], w[i + 1]));
            if (i + 2 < w.length) {
                out.add(LayerSpec.activation(activation));
                if (dropout > 0f) out.add(LayerSpec.dropout(dropout));
            }
        }
        return out;
    }

    /**
     * The perceptron a layer list describes, when it is one: affine layers with one activation
     * kind between them (dropout layers are ignored: they do not change what the network computes
     * when predicting). Empty for any other composition. Without hidden layers the activation is
     * reported as relu, as model files without one are read.
     */
    public static Optional<Architecture> of(List<? extends LayerSpec> layers) {
        Reader r = new Reader();
        for (LayerSpec l : layers) {
            if (!l.describeTo(r) || r.broken) return Optional.empty();
        }
        if (r.widths.size() < 2 || !r.needActivation) return Optional.empty();
        int[] hidden = r.widths.subList(1, r.widths.size() - 1).stream().mapToInt(Integer::intValue).toArray();
        return Optional.of(new Architecture(r.widths.get(0), hidden, r.widths.get(r.widths.size() - 1),
                r.activation == null ? Activation.RELU : r.activation));
    }

    /**
     * The widths of the affine layers ({@code [784, 50, 10]}) when every layer is a perceptron kind
     * (affine, activation, dropout), however they are mixed; empty when a conv, pooling or
     * batch-norm layer is among them.
     */
    public static Optional<int[]> affineWidths(List<? extends LayerSpec> layers) {
        Reader r = new Reader();
        for (LayerSpec l : layers) if (!l.describeTo(r)) return Optional.empty();
        return Optional.of(r.widths.stream().mapToInt(Integer::intValue).toArray());
    }

    /** What the perceptron kinds tell {@link #of} about themselves ({@link LayerSpec#describeTo}). */
    public static final class Reader {
        private final List<Integer> widths = new ArrayList<>();
        private Activation activation;
        private boolean needActivation;
        private boolean broken;

        Reader() {}

        void affine(int inputs, int outputs) {
            if (needActivation || (!widths.isEmpty() && widths.get(widths.size() - 1) != inputs)) broken = true;
            // Widths as the old files wrote them: the first input, then every affine layer's outputs.
            if (widths.isEmpty()) widths.add(inputs);
            widths.add(outputs);
            needActivation = true;
        }

        void activation(Activation a) {
            if (!needActivation || (activation != null && activation != a)) broken = true;
            activation = a;
            needActivation = false;
        }

        void dropout() {
            if (needActivation) broken = true;
        }
    }

    /** {@code 784-50-10}. */
    public String describe() {
        return Arrays.stream(widths()).mapToObj(Integer::toString).collect(Collectors.joining("-"));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Architecture a && a.input == input && a.output == output
                && Arrays.equals(a.hidden, hidden) && a.activation == activation;
    }

    @Override
    public int hashCode() { return 31 * (31 * (31 * input + Arrays.hashCode(hidden)) + output) + activation.hashCode(); }

    @Override
    public String toString() { return describe() + " " + activation.id(); }
}
