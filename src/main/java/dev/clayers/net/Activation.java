package dev.clayers.net;

import dev.clayers.backend.Backend;
import dev.clayers.layer.Gelu;
import dev.clayers.layer.Layer;
import dev.clayers.layer.Relu;
import dev.clayers.layer.Sigmoid;
import dev.clayers.layer.Tanh;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.BiFunction;

/**
 * An element-wise activation, the layer class that computes it and the finite-difference step
 * its gradient check takes: the one place that maps the name in a model file or on the command
 * line to a layer. Adding one is one constant here plus its layer class (and its forward and
 * backward ops in the {@link dev.clayers.backend.ElementOp} catalogue, with their kernels); nothing
 * else switches on activations, so none can silently become another.
 *
 * <p>The step ({@link GradientCheck}): large enough that float32 rounding of the logits (about
 * 1e-8 of loss) divided by h stays small, small enough that few ReLUs flip. Sigmoid outputs near
 * 0.5 round more coarsely than small ReLU outputs, so sigmoid nets take a larger step; the
 * five-point stencil keeps the truncation error at O(h^4).
 */
public enum Activation {
    /** ReLU, {@code max(0, x)}. */
    RELU("ReLU", Relu::new, 1e-2),
    /** Sigmoid, {@code 1 / (1 + exp(-x))}. */
    SIGMOID("Sigmoid", Sigmoid::new, 4e-2),
    /** Hyperbolic tangent. */
    TANH("Tanh", Tanh::new, 1e-2),
    /** GELU in PyTorch's tanh approximation. */
    GELU("GELU", Gelu::new, 1e-2);

    private final String title;
    private final BiFunction<Backend, String, Layer> layer;
    private final double gradientCheckStep;

    Activation(String title, BiFunction<Backend, String, Layer> layer, double gradientCheckStep) {
        this.title = title;
        this.layer = layer;
        this.gradientCheckStep = gradientCheckStep;
    }

    /** The name as the book writes it ({@code ReLU}, {@code Sigmoid}), for pictures and summaries. */
    public String title() { return title; }

    /** The finite-difference step {@link GradientCheck} takes for networks of this activation (see the class comment). */
    public double gradientCheckStep() { return gradientCheckStep; }

    /** A new layer computing this activation on {@code backend}, named e.g. {@code relu1}. */
    public Layer newLayer(Backend backend, String name) {
        return layer.apply(backend, name);
    }

    /** Parses {@code relu}, {@code sigmoid}, ... (case-insensitive). */
    public static Activation parse(String s) {
        try {
            return valueOf(s.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown activation '" + s + "'; valid: " + String.join(", ", ids()));
        }
    }

    /** Every {@link #id()}, in declaration order (for messages and {@code --help}). */
    public static List<String> ids() {
        return Arrays.stream(values()).map(Activation::id).toList();
    }

    /** {@code relu}, {@code sigmoid}: the name in model files, layer names and CLI options. */
    public String id() { return name().toLowerCase(Locale.ROOT); }
}
