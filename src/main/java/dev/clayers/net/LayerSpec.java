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
 *
 * // The book's simple conv net: images as rows of N x (C*H*W); conv and pooling specs carry their input shape.
 * Conv conv = conv(new ImageShape(1, 28, 28), 30, 5, 1, 0);
 * MaxPool pool = maxPool(conv.output(), 2, 2);
 * Sequential cnn = Sequential.of(backend, conv, relu(), pool, affine(pool.output().size(), 100), relu(), affine(100, 10));
 * }</pre>
 *
 * <p>No flatten layer is needed: a pooled batch is already an N x (C*H*W) matrix, exactly what
 * an affine layer reads, in the order PyTorch's {@code flatten} gives.
 */
public sealed interface LayerSpec permits LayerSpec.Affine, LayerSpec.Activate, LayerSpec.Dropout, LayerSpec.Conv,
        LayerSpec.MaxPool, LayerSpec.BatchNorm {

    /** The name in model files, e.g. {@code affine(784,256)}, {@code relu}, {@code dropout(0.2)}. */
    String id();

    /** The layer as the book names it in its figures ({@code Affine}, {@code ReLU}, {@code Convolution}). */
    String title();

    /** Its parameters in a word, for pictures ({@code W (784, 256), b (256)}), or "" when it has none. */
    String detail();

    /** How many trainable values it has (running averages are state, not parameters). */
    long parameterCount();

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
        @Override public String title() { return "Affine"; }
        @Override public String detail() { return "W (" + inputs + ", " + outputs + "), b (" + outputs + ")"; }
        @Override public long parameterCount() { return (long) inputs * outputs + outputs; }
    }

    /** An element-wise activation; which one is the {@link Activation} constant. */
    record Activate(Activation activation) implements LayerSpec {
        public Activate {
            if (activation == null) throw new IllegalArgumentException("activation must not be null");
        }

        @Override public String id() { return activation.id(); }
        @Override public String title() { return activation.title(); }
        @Override public String detail() { return ""; }
        @Override public long parameterCount() { return 0; }
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
        @Override public String title() { return "Dropout"; }
        @Override public String detail() { return "ratio " + ratio; }
        @Override public long parameterCount() { return 0; }
    }

    /**
     * 2-D convolution: {@code filters} square {@code kernel x kernel} filters over all input
     * channels, moved by {@code stride}, on the input zero-padded by {@code pad} on every side; plus
     * one bias per filter. Output {@code filters x OH x OW} with {@code OH = (H + 2 pad - kernel) / stride + 1}.
     * Id: {@code conv(1x28x28,30,5,1,0)} (input, filters, kernel, stride, pad).
     */
    record Conv(ImageShape input, int filters, int kernel, int stride, int pad) implements LayerSpec {
        public Conv {
            if (input == null) throw new IllegalArgumentException("conv input shape must not be null");
            if (filters <= 0) throw new IllegalArgumentException("conv needs at least one filter, got " + filters);
            windowGeometry(input, kernel, stride, pad);   // validates the window against the image
        }

        /** The geometry the backend ops take. */
        public dev.clayers.backend.ConvGeometry geometry() { return windowGeometry(input, kernel, stride, pad); }

        /** The shape of one output image. */
        public ImageShape output() {
            var g = geometry();
            return new ImageShape(filters, g.outHeight(), g.outWidth());
        }

        @Override public String title() { return "Convolution"; }
        @Override public String detail() {
            return "W (" + filters + ", " + input.channels() + ", " + kernel + ", " + kernel + "), b (" + filters + ")"
                    + (stride == 1 ? "" : ", stride " + stride) + (pad == 0 ? "" : ", pad " + pad);
        }
        @Override public long parameterCount() { return (long) filters * input.channels() * kernel * kernel + filters; }
        @Override public String id() {
            return "conv(" + input.id() + "," + filters + "," + kernel + "," + stride + "," + pad + ")";
        }
    }

    /**
     * Max pooling per channel over {@code window x window} windows moved by {@code stride} (no
     * padding). Id: {@code maxpool(30x24x24,2,2)} (input, window, stride).
     */
    record MaxPool(ImageShape input, int window, int stride) implements LayerSpec {
        public MaxPool {
            if (input == null) throw new IllegalArgumentException("pooling input shape must not be null");
            windowGeometry(input, window, stride, 0);
        }

        public dev.clayers.backend.ConvGeometry geometry() { return windowGeometry(input, window, stride, 0); }

        public ImageShape output() {
            var g = geometry();
            return new ImageShape(input.channels(), g.outHeight(), g.outWidth());
        }

        @Override public String id() { return "maxpool(" + input.id() + "," + window + "," + stride + ")"; }
        @Override public String title() { return "Pooling"; }
        @Override public String detail() { return "max " + window + "x" + window + ", stride " + stride; }
        @Override public long parameterCount() { return 0; }
    }

    private static dev.clayers.backend.ConvGeometry windowGeometry(ImageShape in, int kernel, int stride, int pad) {
        return new dev.clayers.backend.ConvGeometry(in.channels(), in.height(), in.width(), kernel, stride, pad);
    }

    /**
     * Batch normalization of {@code channels x positions} values per row: per feature after an
     * affine layer ({@code positions} 1, id {@code batchnorm(100)}), per channel after a conv
     * layer ({@code positions} H*W, id {@code batchnorm(30,576)}). gamma and beta are trained;
     * the running averages are kept for prediction.
     */
    record BatchNorm(int channels, int positions) implements LayerSpec {
        public BatchNorm {
            if (channels <= 0 || positions <= 0) {
                throw new IllegalArgumentException("batch norm needs positive channels and positions, got " + channels + ", "
                        + positions);
            }
        }

        /** Values per row: channels * positions. */
        public int size() { return channels * positions; }

        @Override public String title() { return "BatchNorm"; }
        @Override public String detail() { return "gamma (" + channels + "), beta (" + channels + ")"; }
        @Override public long parameterCount() { return 2L * channels; }

        @Override public String id() {
            return positions == 1 ? "batchnorm(" + channels + ")" : "batchnorm(" + channels + "," + positions + ")";
        }
    }

    /** Batch normalization per feature of rows of {@code features} values (after an affine layer). */
    static BatchNorm batchNorm(int features) { return new BatchNorm(features, 1); }

    /** Batch normalization per channel of images of {@code shape} (after a conv layer). */
    static BatchNorm batchNorm(ImageShape shape) { return new BatchNorm(shape.channels(), shape.height() * shape.width()); }

    static Conv conv(ImageShape input, int filters, int kernel, int stride, int pad) {
        return new Conv(input, filters, kernel, stride, pad);
    }
    static MaxPool maxPool(ImageShape input, int window, int stride) { return new MaxPool(input, window, stride); }
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
            if (t.startsWith("conv(") && t.endsWith(")")) {
                String[] a = t.substring(5, t.length() - 1).split(",");
                if (a.length != 5) throw new IllegalArgumentException("conv needs input,filters,kernel,stride,pad");
                return conv(ImageShape.parse(a[0]), Integer.parseInt(a[1].trim()), Integer.parseInt(a[2].trim()),
                        Integer.parseInt(a[3].trim()), Integer.parseInt(a[4].trim()));
            }
            if (t.startsWith("batchnorm(") && t.endsWith(")")) {
                String[] a = t.substring(10, t.length() - 1).split(",");
                if (a.length > 2) throw new IllegalArgumentException("batchnorm needs channels[,positions]");
                return new BatchNorm(Integer.parseInt(a[0].trim()), a.length == 2 ? Integer.parseInt(a[1].trim()) : 1);
            }
            if (t.startsWith("maxpool(") && t.endsWith(")")) {
                String[] a = t.substring(8, t.length() - 1).split(",");
                if (a.length != 3) throw new IllegalArgumentException("maxpool needs input,window,stride");
                return maxPool(ImageShape.parse(a[0]), Integer.parseInt(a[1].trim()), Integer.parseInt(a[2].trim()));
            }
            if (t.startsWith("dropout(") && t.endsWith(")")) {
                return dropout(Float.parseFloat(t.substring(8, t.length() - 1)));
            }
        } catch (IllegalArgumentException e) {   // NumberFormatException included
            throw new IllegalArgumentException("cannot read layer '" + token + "': " + e.getMessage());
        }
        try {
            return activation(Activation.parse(t));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown layer '" + token + "'; valid: affine(IN,OUT), conv(CxHxW,FILTERS,K,STRIDE,PAD),"
                    + " maxpool(CxHxW,WINDOW,STRIDE), batchnorm(C[,POSITIONS]), dropout(RATIO) or "
                    + e.getMessage().substring(e.getMessage().indexOf("valid: ") + 7));
        }
    }
}
