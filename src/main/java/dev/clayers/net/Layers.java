package dev.clayers.net;

import java.util.ArrayList;
import java.util.List;

/**
 * A layer list declared from its input shape and the layer choices alone: each step takes its
 * input size from the step before, so no shape is threaded by hand.
 *
 * <pre>{@code
 * Layers cnn = Layers.input(1, 28, 28)
 *         .conv(8, 5).batchNorm().relu().maxPool(2)
 *         .dense(32).relu().dense(10);
 * try (Sequential net = Sequential.of(backend, cnn)) { ... }
 * }</pre>
 *
 * Each call returns a new, longer list (the receiver is unchanged), and fails at once, naming the
 * step, where the layer cannot read what comes before it.
 */
public final class Layers {
    private final List<LayerSpec> specs;
    /** What the last step puts out per row: {@code [C, H, W]} or {@code [features]}. */
    private final int[] shape;

    private Layers(List<LayerSpec> specs, int[] shape) {
        this.specs = List.copyOf(specs);
        this.shape = shape.clone();
    }

    /** Images of {@code channels x height x width} come in (rows of C*H*W values, channel-major). */
    public static Layers input(int channels, int height, int width) { return input(new ImageShape(channels, height, width)); }

    /** Images of this shape come in. */
    public static Layers input(ImageShape image) {
        if (image == null) throw new IllegalArgumentException("the input image shape is null");
        return new Layers(List.of(), new int[] {image.channels(), image.height(), image.width()});
    }

    /** Rows of {@code features} values come in. */
    public static Layers input(int features) {
        if (features <= 0) throw new IllegalArgumentException("input features must be positive, got " + features);
        return new Layers(List.of(), new int[] {features});
    }

    private Layers then(LayerSpec s) {
        List<LayerSpec> out = new ArrayList<>(specs);
        out.add(s);
        return new Layers(out, s.outputShape(shape, out.size()));
    }

    private ImageShape image(String what) {
        if (shape.length != 3) {
            throw new IllegalArgumentException(what + " needs images, but step " + specs.size() + " gives rows of "
                    + shape[0] + " values");
        }
        return new ImageShape(shape[0], shape[1], shape[2]);
    }

    /** Values per row the last step puts out. */
    private int width() { return (int) LayerSpec.width(shape); }

    /** {@code filters} square {@code kernel x kernel} filters, stride 1, no padding. */
    public Layers conv(int filters, int kernel) { return conv(filters, kernel, 1, 0); }

    /** {@code filters} square {@code kernel x kernel} filters moved by {@code stride} over the input padded by {@code pad}. */
    public Layers conv(int filters, int kernel, int stride, int pad) {
        return then(new ConvSpec(image("conv"), filters, kernel, stride, pad));
    }

    /** Max pooling over {@code window x window}, stride {@code window}. */
    public Layers maxPool(int window) { return maxPool(window, window); }

    /**
     * Max pooling over {@code window x window} windows moved by {@code stride}.
     *
     * @throws IllegalArgumentException when the last step puts out no images or the window does not fit them
     */
    public Layers maxPool(int window, int stride) { return then(new MaxPoolSpec(image("max pooling"), window, stride)); }

    /** Average pooling over {@code window x window}, stride {@code window}. */
    public Layers avgPool(int window) { return avgPool(window, window); }

    /**
     * Average pooling over {@code window x window} windows moved by {@code stride}.
     *
     * @throws IllegalArgumentException when the last step puts out no images or the window does not fit them
     */
    public Layers avgPool(int window, int stride) { return then(new AvgPoolSpec(image("average pooling"), window, stride)); }

    /** Batch normalization per channel of images, or per feature of rows, with the book's epsilon. */
    public Layers batchNorm() { return batchNorm(BatchNormSpec.DEFAULT_EPSILON); }

    /** Batch normalization with this epsilon (PyTorch's default is 1e-5). */
    public Layers batchNorm(float epsilon) {
        int channels = shape[0];
        int positions = shape.length == 3 ? shape[1] * shape[2] : 1;
        return then(new BatchNormSpec(channels, positions, epsilon));
    }

    /** A fully connected layer of {@code units} outputs (an image is read flattened, as PyTorch's flatten gives it). */
    public Layers dense(int units) { return then(new AffineSpec(width(), units)); }

    /** ReLU after the last step. */
    public Layers relu() { return activation(Activation.RELU); }
    /** Sigmoid after the last step. */
    public Layers sigmoid() { return activation(Activation.SIGMOID); }
    /** Tanh after the last step. */
    public Layers tanh() { return activation(Activation.TANH); }
    /** GELU after the last step. */
    public Layers gelu() { return activation(Activation.GELU); }

    /**
     * The activation {@code a} after the last step.
     *
     * @throws IllegalArgumentException when there is no step yet
     */
    public Layers activation(Activation a) {
        if (specs.isEmpty()) throw new IllegalArgumentException("an activation cannot come first: add a conv or dense layer");
        return then(new ActivationSpec(a));
    }

    /** Inverted dropout of {@code ratio} of the values in training passes. */
    public Layers dropout(float ratio) {
        if (specs.isEmpty()) throw new IllegalArgumentException("dropout cannot come first: add a conv or dense layer");
        return then(new DropoutSpec(ratio));
    }

    /** The layer list so far. */
    public List<LayerSpec> list() {
        if (specs.isEmpty()) throw new IllegalStateException("no layers yet: add conv, dense, ... after input");
        return specs;
    }

    /** What the last layer puts out per row ({@code [C, H, W]} or {@code [features]}). */
    public int[] outputShape() { return shape.clone(); }

    @Override public String toString() { return specs.isEmpty() ? "input " + LayerSpec.describeShape(shape) : LayerSpec.describe(specs); }
}
