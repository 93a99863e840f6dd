package dev.clayers.net;

import dev.clayers.backend.Backend;
import dev.clayers.layer.Layer;
import dev.clayers.layer.Relu;
import dev.clayers.layer.Sigmoid;

import java.util.Arrays;
import java.util.Locale;
import java.util.function.BiFunction;
import java.util.stream.Collectors;

/**
 * An element-wise activation and the layer class that computes it: the one place that maps the
 * name in a model file or on the command line to a layer. Adding one (say Tanh) is one constant
 * here plus its layer class; nothing else switches on activations, so none can silently become
 * another.
 */
public enum Activation {
    RELU(Relu::new),
    SIGMOID(Sigmoid::new);

    private final BiFunction<Backend, String, Layer> layer;

    Activation(BiFunction<Backend, String, Layer> layer) {
        this.layer = layer;
    }

    /** A new layer computing this activation on {@code backend}, named e.g. {@code relu1}. */
    public Layer newLayer(Backend backend, String name) {
        return layer.apply(backend, name);
    }

    /** Parses {@code relu}, {@code sigmoid}, ... (case-insensitive). */
    public static Activation parse(String s) {
        try {
            return valueOf(s.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown activation '" + s + "'; valid: "
                    + Arrays.stream(values()).map(Activation::id).collect(Collectors.joining(", ")));
        }
    }

    /** {@code relu}, {@code sigmoid}: the name in model files, layer names and CLI options. */
    public String id() { return name().toLowerCase(Locale.ROOT); }
}
