package dev.clayers.net;

import dev.clayers.backend.Backend;
import dev.clayers.layer.Layer;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.stream.Collectors;

/**
 * What a layer is, without a device: the user lists these and {@link Sequential} turns each into
 * a layer on its backend. Each kind lives in one file ({@link AffineSpec}, {@link ConvSpec},
 * {@link MaxPoolSpec}, {@link AvgPoolSpec}, {@link BatchNormSpec}, {@link ActivationSpec},
 * {@link DropoutSpec}) and answers everything about itself: its notation, its output shape (in
 * long arithmetic, within {@link dev.clayers.Limits}), its parameters and stored tensors, their
 * initial values and their validation when loaded, its binding to a backend and its picture.
 * Networks, model files, diagrams and the training loop only call these methods.
 *
 * <pre>{@code
 * import static dev.clayers.net.LayerSpec.*;
 * Sequential net = Sequential.of(backend, affine(784, 256), relu(), dropout(0.2f), affine(256, 10));
 *
 * // The book's simple conv net: conv and pooling specs carry their input shape.
 * ConvSpec conv = conv(new ImageShape(1, 28, 28), 30, 5, 1, 0);
 * MaxPoolSpec pool = maxPool(conv.output(), 2, 2);
 * Sequential cnn = Sequential.of(backend, conv, relu(), pool, affine(pool.output().size(), 100), relu(), affine(100, 10));
 * }</pre>
 *
 * <p>No flatten layer is needed: a pooled batch is already an N x (C*H*W) matrix, exactly what
 * an affine layer reads, in the order PyTorch's {@code flatten} gives.
 */
public sealed interface LayerSpec permits AffineSpec, ActivationSpec, DropoutSpec, ImageLayerSpec,
        BatchNormSpec {

    /** The name in model files, e.g. {@code affine(784,256)}, {@code relu}, {@code dropout(0.2)}. */
    String id();

    /** The layer as the book names it in its figures ({@code Affine}, {@code ReLU}, {@code Convolution}). */
    String title();

    /** Its parameters in a word, for pictures ({@code W (784, 256), b (256)}), or "" when it has none. */
    String detail();

    /** How many trainable values it has (running averages are state, not parameters). */
    long parameterCount();

    /** The word a bound layer's name starts with ({@code affine} for {@code affine1}, {@code affine2}, ...). */
    String kind();

    /**
     * What the layer puts out per row ({@code [features]} or {@code [C, H, W]}) for what comes in
     * ({@code null} when it is the first layer); fails, naming {@code position} (1-based), when it
     * cannot read that input.
     */
    int[] outputShape(int[] input, int position);

    /** Values per input row when this layer comes first (0: it cannot come first). */
    default int inputWidth() { return 0; }

    /** The image shape it reads, for conv and pooling layers. */
    default Optional<ImageShape> inputImage() { return Optional.empty(); }

    /** Class scores per row when this layer can end a network (its outputs are the logits), else 0. */
    default int classScores() { return 0; }

    /** The tensors a layer named {@code name} keeps: parameters first, then state, each with the shapes a file may hold. */
    default List<TensorSpec> tensors(String name) { return List.of(); }

    /** Puts the initial values of its tensors, drawing from {@code rng} in a fixed order. */
    default void initialise(String name, WeightInit init, Random rng, Map<String, float[]> out) {}

    /**
     * Checks loaded values beyond their length and finiteness (which {@link #checkTensors} does
     * for every kind): a running variance must not be negative, say. Names the tensor and index.
     */
    default void checkRanges(String name, Map<String, float[]> values) {}

    /**
     * Calls the method of {@code visitor} for this kind: how code outside {@code net} (an ONNX
     * writer, say) handles every kind without testing types, and fails to compile when a kind is added.
     */
    <R> R accept(Visitor<R> visitor);

    /** One method per layer kind, for {@link #accept}. */
    interface Visitor<R> {
        /** Handles an affine layer. */
        R affine(AffineSpec spec);
        /** Handles a convolution. */
        R conv(ConvSpec spec);
        /** Handles a max pooling layer. */
        R maxPool(MaxPoolSpec spec);
        /** Handles an average pooling layer. */
        R avgPool(AvgPoolSpec spec);
        /** Handles a batch normalization layer. */
        R batchNorm(BatchNormSpec spec);
        /** Handles an element-wise activation. */
        R activation(ActivationSpec spec);
        /** Handles a dropout layer. */
        R dropout(DropoutSpec spec);
    }

    /** The layer on {@code backend}; takes its tensors from {@code weights} (already checked). */
    Layer bind(Backend backend, String name, Map<String, float[]> weights, boolean paramsBefore);

    /** Feeds a perceptron reader ({@link Architecture#of}); false when this kind is no part of a perceptron. */
    default boolean describeTo(Architecture.Reader reader) { return false; }

    /**
     * Every tensor this layer needs is in {@code weights} with its length, holds finite numbers,
     * and passes {@link #checkRanges}: a crafted or diverged file fails here, naming the tensor.
     */
    default void checkTensors(String name, Map<String, float[]> weights) {
        for (TensorSpec t : tensors(name)) {
            float[] v = weights.get(t.name());
            if (v == null) throw new IllegalArgumentException("missing parameter " + t.name());
            if (v.length != t.size()) {
                throw new IllegalArgumentException(t.name() + " has " + v.length + " values but the architecture needs " + t.size());
            }
            for (int i = 0; i < v.length; i++) {
                if (!Float.isFinite(v[i])) {
                    throw new IllegalArgumentException(t.name() + " holds " + v[i] + " at index " + i + "; weights must be"
                            + " finite numbers (a model saved from a diverged run, or a damaged file)");
                }
            }
        }
        checkRanges(name, weights);
    }

    // ---- the user's vocabulary ------------------------------------------------------------------

    /** Batch normalization per feature of rows of {@code features} values (after an affine layer). */
    static BatchNormSpec batchNorm(int features) { return new BatchNormSpec(features, 1, BatchNormSpec.DEFAULT_EPSILON); }

    /** Batch normalization per channel of images of {@code shape} (after a conv layer). */
    static BatchNormSpec batchNorm(ImageShape shape) {
        return new BatchNormSpec(shape.channels(), shape.height() * shape.width(), BatchNormSpec.DEFAULT_EPSILON);
    }

    /**
     * A convolution of {@code filters} square {@code kernel x kernel} filters over images of {@code input}, moved by
     * {@code stride}, the input zero-padded by {@code pad} on every side.
     *
     * @throws IllegalArgumentException when the sizes do not fit (see {@link ConvSpec})
     */
    static ConvSpec conv(ImageShape input, int filters, int kernel, int stride, int pad) {
        return new ConvSpec(input, filters, kernel, stride, pad);
    }
    /**
     * Max pooling per channel over {@code window x window} windows of {@code input} moved by {@code stride}, no padding.
     *
     * @throws IllegalArgumentException when the window does not fit the input
     */
    static MaxPoolSpec maxPool(ImageShape input, int window, int stride) { return new MaxPoolSpec(input, window, stride); }
    /**
     * Average pooling per channel over {@code window x window} windows of {@code input} moved by {@code stride}, no
     * padding.
     *
     * @throws IllegalArgumentException when the window does not fit the input
     */
    static AvgPoolSpec avgPool(ImageShape input, int window, int stride) { return new AvgPoolSpec(input, window, stride); }
    /**
     * A fully connected layer {@code y = x W + b} from {@code inputs} to {@code outputs} features per row.
     *
     * @throws IllegalArgumentException when a size is not positive or too large
     */
    static AffineSpec affine(int inputs, int outputs) { return new AffineSpec(inputs, outputs); }
    /** ReLU, {@code max(0, x)} per element. */
    static ActivationSpec relu() { return new ActivationSpec(Activation.RELU); }
    /** Sigmoid, {@code 1 / (1 + exp(-x))} per element. */
    static ActivationSpec sigmoid() { return new ActivationSpec(Activation.SIGMOID); }
    /** Tanh per element. */
    static ActivationSpec tanh() { return new ActivationSpec(Activation.TANH); }
    /** The element-wise activation {@code activation}. */
    static ActivationSpec activation(Activation activation) { return new ActivationSpec(activation); }
    /**
     * Dropout of a fraction {@code ratio} of the units, in [0, 1), while training (the kept ones scaled by
     * {@code 1 / (1 - ratio)}); at prediction it passes everything unchanged.
     *
     * @throws IllegalArgumentException when ratio is outside [0, 1)
     */
    static DropoutSpec dropout(float ratio) { return new DropoutSpec(ratio); }

    // ---- notation -------------------------------------------------------------------------------

    /** The ids joined by spaces: {@code affine(784,256) relu dropout(0.2) affine(256,10)}. */
    static String describe(List<? extends LayerSpec> layers) {
        return layers.stream().map(LayerSpec::id).collect(Collectors.joining(" "));
    }

    /** Reads what {@link #describe} wrote. */
    static List<LayerSpec> parseList(String s) {
        if (s == null) throw new IllegalArgumentException("no layers: the list is null");
        List<LayerSpec> out = new ArrayList<>();
        for (String token : s.trim().split("\\s+")) {
            if (!token.isEmpty()) out.add(parse(token));
        }
        if (out.isEmpty()) throw new IllegalArgumentException("no layers in '" + s + "'");
        return out;
    }

    /** The notation of every kind with arguments, for messages. */
    String SYNTAX = "affine(IN,OUT), conv(CxHxW,FILTERS,K,STRIDE,PAD), maxpool(CxHxW,WINDOW,STRIDE),"
            + " avgpool(CxHxW,WINDOW,STRIDE), batchnorm(C[,POSITIONS][,eps=E]), dropout(RATIO)";

    /** Reads one {@link #id()}: {@code kind(arg,...)} or an activation's name. */
    static LayerSpec parse(String token) {
        if (token == null) throw new IllegalArgumentException("no layer: the notation is null");
        String t = token.trim();
        int open = t.indexOf('(');
        String kind = open < 0 ? t : t.substring(0, open);
        if (!List.of("affine", "conv", "maxpool", "avgpool", "batchnorm", "dropout").contains(kind)) {
            try {
                if (open < 0) return activation(Activation.parse(t));
                Activation.parse(kind);
                throw new IllegalArgumentException("cannot read layer '" + token + "': " + kind + " takes no arguments");
            } catch (IllegalArgumentException e) {
                if (e.getMessage().startsWith("cannot read")) throw e;
                throw new IllegalArgumentException("unknown layer '" + token + "'; valid: " + SYNTAX + " or "
                        + e.getMessage().substring(e.getMessage().indexOf("valid: ") + 7));
            }
        }
        if (!t.endsWith(")") || t.indexOf(')') != t.length() - 1) {
            throw new IllegalArgumentException("cannot read layer '" + token + "': expected kind(arguments); valid: " + SYNTAX);
        }
        String[] args = t.substring(open + 1, t.length() - 1).split(",", -1);
        for (int i = 0; i < args.length; i++) args[i] = args[i].trim();
        try {
            return switch (kind) {
                case "affine" -> AffineSpec.parse(args);
                case "conv" -> ConvSpec.parse(args);
                case "maxpool" -> MaxPoolSpec.parse(args);
                case "avgpool" -> AvgPoolSpec.parse(args);
                case "batchnorm" -> BatchNormSpec.parse(args);
                case "dropout" -> DropoutSpec.parse(args);
                default -> throw new AssertionError(kind);
            };
        } catch (IllegalArgumentException e) {   // NumberFormatException included
            throw new IllegalArgumentException("cannot read layer '" + token + "': " + e.getMessage());
        }
    }

    /** {@code args} as {@code n} positive... ints, failing with {@code usage} when the count is wrong. */
    static int[] ints(String[] args, int n, String usage) {
        if (args.length != n) throw new IllegalArgumentException(usage);
        int[] out = new int[n];
        for (int i = 0; i < n; i++) out[i] = Integer.parseInt(args[i]);
        return out;
    }

    /** {@code [N, 100]} or {@code [N, 30, 12, 12]}. */
    static String describeShape(int[] dims) {
        StringBuilder sb = new StringBuilder("[N");
        if (dims != null) for (int d : dims) sb.append(", ").append(d);
        return sb.append(']').toString();
    }

    /** Values per row of a shape, in long: the product of its dimensions. */
    static long width(int[] dims) {
        long n = 1;
        for (int d : dims) n *= d;
        return n;
    }
}
