package dev.clayers.net;

import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * The shape of a multi-layer perceptron: {@code input -> hidden... -> output}, one activation for
 * every hidden layer, softmax-with-loss on top.
 */
public record Architecture(int input, int[] hidden, int output, Activation activation) {
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

    @Override public int[] hidden() { return hidden.clone(); }

    /** Layer widths from input to output, e.g. {@code [784, 50, 10]}. */
    public int[] widths() {
        int[] w = new int[hidden.length + 2];
        w[0] = input;
        System.arraycopy(hidden, 0, w, 1, hidden.length);
        w[w.length - 1] = output;
        return w;
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
