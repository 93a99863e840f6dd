package dev.clayers.net;

import dev.clayers.Limits;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * What a layer is, without a device: the user lists these and {@link Sequential} turns each into
 * a layer on its backend ({@link dev.clayers.layer.Affine}, {@link dev.clayers.layer.Relu}, ...).
 * Keeping the description apart from the device-bound layer lets the same list build a network on
 * any backend, be saved in a model file ({@link #id()}) and be read back ({@link #parse}).
 *
 * <pre>{@code
 * import static dev.clayers.net.LayerSpec.*;
 * Sequential net = Sequential.of(backend, affine(784, 256), relu(), dropout(0.2f), affine(256, 10));
 * }</pre>
 */
public sealed interface LayerSpec permits LayerSpec.Affine, LayerSpec.Activate, LayerSpec.Dropout {

    /** The name in model files, e.g. {@code affine(784,256)}, {@code relu}, {@code dropout(0.2)}. */
    String id();

    /**
     * Fully connected: {@code y = x W + b}, W {@code inputs x outputs}.
     *
     * @param inputs  features per row coming in
     * @param outputs features per row going out
     */
    record Affine(int inputs, int outputs) implements LayerSpec {
        public Affine {
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

        @Override public String id() { return "affine(" + inputs + "," + outputs + ")"; }
    }

    /** An element-wise activation; which one is the {@link Activation} constant. */
    record Activate(Activation activation) implements LayerSpec {
        public Activate {
            if (activation == null) throw new IllegalArgumentException("activation must not be null");
        }

        @Override public String id() { return activation.id(); }
    }

    /**
     * Inverted dropout in training passes; the identity when predicting.
     *
     * @param ratio the fraction of units dropped, in [0, 1)
     */
    record Dropout(float ratio) implements LayerSpec {
        public Dropout {
            if (!(ratio >= 0f && ratio < 1f)) throw new IllegalArgumentException("dropout ratio must be in [0, 1), got " + ratio);
        }

        @Override public String id() { return "dropout(" + ratio + ")"; }
    }

    static Affine affine(int inputs, int outputs) { return new Affine(inputs, outputs); }
    static Activate relu() { return new Activate(Activation.RELU); }
    static Activate sigmoid() { return new Activate(Activation.SIGMOID); }
    static Activate tanh() { return new Activate(Activation.TANH); }
    static Activate activation(Activation activation) { return new Activate(activation); }
    static Dropout dropout(float ratio) { return new Dropout(ratio); }

    /** The ids joined by spaces: {@code affine(784,256) relu dropout(0.2) affine(256,10)}. */
    static String describe(List<? extends LayerSpec> layers) {
        return layers.stream().map(LayerSpec::id).collect(Collectors.joining(" "));
    }

    /** Reads what {@link #describe} wrote. */
    static List<LayerSpec> parseList(String s) {
        List<LayerSpec> out = new ArrayList<>();
        for (String token : s.trim().split("\\s+")) {
            if (!token.isEmpty()) out.add(parse(token));
        }
        if (out.isEmpty()) throw new IllegalArgumentException("no layers in '" + s + "'");
        return out;
    }

    /** Reads one {@link #id()}. */
    static LayerSpec parse(String token) {
        String t = token.trim();
        try {
            if (t.startsWith("affine(") && t.endsWith(")")) {
                String[] sizes = t.substring(7, t.length() - 1).split(",");
                if (sizes.length != 2) throw new IllegalArgumentException("affine needs two sizes");
                return affine(Integer.parseInt(sizes[0].trim()), Integer.parseInt(sizes[1].trim()));
            }
            if (t.startsWith("dropout(") && t.endsWith(")")) {
                return dropout(Float.parseFloat(t.substring(8, t.length() - 1)));
            }
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("cannot read layer '" + token + "': " + e.getMessage());
        }
        try {
            return activation(Activation.parse(t));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown layer '" + token + "'; valid: affine(IN,OUT), dropout(RATIO) or "
                    + e.getMessage().substring(e.getMessage().indexOf("valid: ") + 7));
        }
    }
}
