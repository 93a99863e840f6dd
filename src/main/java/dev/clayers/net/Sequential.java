package dev.clayers.net;

import dev.clayers.Limits;
import dev.clayers.backend.Backend;
import dev.clayers.backend.IntVector;
import dev.clayers.backend.Matrix;
import dev.clayers.data.Dataset;
import dev.clayers.layer.Affine;
import dev.clayers.layer.BatchNormalization;
import dev.clayers.layer.Convolution;
import dev.clayers.layer.MaxPooling;
import dev.clayers.layer.Dropout;
import dev.clayers.layer.Layer;
import dev.clayers.layer.Param;
import dev.clayers.layer.Relu;
import dev.clayers.layer.SoftmaxWithLoss;
import dev.clayers.layer.TrainingMode;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * A network: the layers the user lists ({@link LayerSpec}), bound to one backend, ending in
 * {@link SoftmaxWithLoss}. The list must end in an affine layer, whose outputs are the class
 * scores (logits). Parameters are named {@code affine1.W}, {@code affine1.b}, {@code affine2.W},
 * ... in the order of the affine layers; the same names serve gradient checks, optimizers and
 * saved models.
 *
 * <pre>{@code
 * import static dev.clayers.net.LayerSpec.*;
 * try (Sequential net = Sequential.of(backend, affine(784, 256), relu(), dropout(0.2f), affine(256, 10))) {
 *     System.out.println(net.summary());
 * }
 * }</pre>
 */
public final class Sequential implements AutoCloseable {
    /** Seed of {@link #of(Backend, LayerSpec...)}'s initial weights. */
    public static final long DEFAULT_SEED = 42;
    /** Rows per upload when predicting or evaluating host data. */
    private static final int CHUNK = 1000;

    private final Backend backend;
    private final List<LayerSpec> specs;
    private final List<Layer> layers;
    private final SoftmaxWithLoss lastLayer;
    private final List<Param> params;
    private Matrix logits;

    private Sequential(Backend backend, List<? extends LayerSpec> specs, Map<String, float[]> weights) {
        this.backend = backend;
        this.specs = List.copyOf(checkChain(specs));
        List<Layer> ls = new ArrayList<>();
        Map<String, Integer> counts = new HashMap<>();
        try {
            boolean paramsBefore = false;
            for (LayerSpec spec : this.specs) {
                Layer l = bind(spec, counts, weights, paramsBefore);
                ls.add(l);
                paramsBefore |= !l.params().isEmpty();
            }
        } catch (RuntimeException e) {
            ls.forEach(Layer::close);
            throw e;
        }
        this.layers = Collections.unmodifiableList(ls);
        this.lastLayer = new SoftmaxWithLoss(backend);
        List<Param> ps = new ArrayList<>();
        for (Layer l : layers) ps.addAll(l.params());
        this.params = Collections.unmodifiableList(ps);
    }

    /**
     * The one place a specification becomes a layer on this backend. A layer computes its input
     * gradient only when some layer before it has parameters: before the first one the gradient
     * reaches only the data, so the first affine or conv layer skips a gemm per step.
     */
    private Layer bind(LayerSpec spec, Map<String, Integer> counts, Map<String, float[]> weights, boolean paramsBefore) {
        if (spec instanceof LayerSpec.Affine a) {
            String name = "affine" + counts.merge("affine", 1, Integer::sum);
            Matrix[] wb = uploadParams(name, weights, a.inputs(), a.outputs(), a.outputs());
            return new Affine(backend, name, wb[0], wb[1], paramsBefore);
        } else if (spec instanceof LayerSpec.Conv c) {
            String name = "conv" + counts.merge("conv", 1, Integer::sum);
            Matrix[] wb = uploadParams(name, weights, c.filters(), c.geometry().patchSize(), c.filters());
            return new Convolution(backend, name, c.geometry(), wb[0], wb[1], paramsBefore);
        } else if (spec instanceof LayerSpec.BatchNorm bn) {
            String name = "batchnorm" + counts.merge("batchnorm", 1, Integer::sum);
            List<Matrix> vs = new ArrayList<>();
            try {
                for (String part : BATCH_NORM_TENSORS) {
                    float[] v = weights.get(name + "." + part);
                    checkLength(name + "." + part, v, bn.channels());
                    vs.add(backend.upload(v, 1, bn.channels()));
                }
            } catch (RuntimeException e) {
                vs.forEach(Matrix::close);
                throw e;
            }
            return new BatchNormalization(backend, name, bn.channels(), vs.get(0), vs.get(1), vs.get(2), vs.get(3));
        } else if (spec instanceof LayerSpec.MaxPool m) {
            return new MaxPooling(backend, "pool" + counts.merge("pool", 1, Integer::sum), m.geometry());
        } else if (spec instanceof LayerSpec.Activate v) {
            String id = v.activation().id();
            return v.activation().newLayer(backend, id + counts.merge(id, 1, Integer::sum));
        } else if (spec instanceof LayerSpec.Dropout d) {
            return new Dropout(backend, "dropout" + counts.merge("dropout", 1, Integer::sum), d.ratio());
        }
        throw new AssertionError(spec);
    }

    /** The tensors of a batch-norm layer, in the order its constructor takes them. */
    private static final List<String> BATCH_NORM_TENSORS = List.of("gamma", "beta", "running_mean", "running_var");

    /** Uploads {@code name.W} (rows x cols) and {@code name.b} (1 x biases), checking their lengths. */
    private Matrix[] uploadParams(String name, Map<String, float[]> weights, int rows, int cols, int biases) {
        float[] w = weights.get(name + ".W");
        float[] b = weights.get(name + ".b");
        checkLength(name + ".W", w, rows * cols);
        checkLength(name + ".b", b, biases);
        Matrix wm = backend.upload(w, rows, cols);
        try {
            return new Matrix[] {wm, backend.upload(b, 1, biases)};
        } catch (RuntimeException e) {
            wm.close();
            throw e;
        }
    }

    /** Fails early, naming the layer, when sizes do not chain or the list does not end in affine. */
    private static List<? extends LayerSpec> checkChain(List<? extends LayerSpec> specs) {
        if (specs.isEmpty()) throw new IllegalArgumentException("a network needs at least one layer");
        for (int i = 0; i < specs.size(); i++) {
            if (specs.get(i) == null) throw new IllegalArgumentException("layer " + (i + 1) + " is null");
        }
        outputShapes(specs);
        LayerSpec last = specs.get(specs.size() - 1);
        if (!(last instanceof LayerSpec.Affine)) {
            throw new IllegalArgumentException("the last layer must be affine (its outputs are the class scores that"
                    + " softmax-with-loss reads), got " + last.id());
        }
        return specs;
    }

    /**
     * What each layer puts out per row: {@code [features]} or, for convolution and pooling,
     * {@code [C, H, W]}. Fails, naming the layer, where a layer's input does not match the
     * output before it: affine reads any row of its width (a pooled image included, which is
     * flattening for free); conv and pooling read an image of their declared shape, or any row of
     * that many values as the first layer or after an affine layer.
     */
    public static List<int[]> outputShapes(List<? extends LayerSpec> specs) {
        List<int[]> out = new ArrayList<>();
        int[] current = null;
        for (int i = 0; i < specs.size(); i++) {
            LayerSpec s = specs.get(i);
            int width = current == null ? -1 : java.util.Arrays.stream(current).reduce(1, (a, b) -> a * b);
            if (s instanceof LayerSpec.Affine a) {
                if (width >= 0 && a.inputs() != width) {
                    throw new IllegalArgumentException("layer " + (i + 1) + " " + a.id() + " takes " + a.inputs()
                            + " inputs but the layer before it gives " + width);
                }
                current = new int[] {a.outputs()};
            } else if (s instanceof LayerSpec.Conv || s instanceof LayerSpec.MaxPool) {
                ImageShape in = s instanceof LayerSpec.Conv c ? c.input() : ((LayerSpec.MaxPool) s).input();
                ImageShape o = s instanceof LayerSpec.Conv c ? c.output() : ((LayerSpec.MaxPool) s).output();
                boolean fits = current == null
                        || (current.length == 3 ? current[0] == in.channels() && current[1] == in.height() && current[2] == in.width()
                        : width == in.size());
                if (!fits) {
                    throw new IllegalArgumentException("layer " + (i + 1) + " " + s.id() + " takes images of " + in.id()
                            + " but the layer before it gives " + describeShape(current));
                }
                current = new int[] {o.channels(), o.height(), o.width()};
            } else if (s instanceof LayerSpec.BatchNorm bn && current != null
                    && (width != bn.size() || (current.length == 3 && current[0] != bn.channels()))) {
                throw new IllegalArgumentException("layer " + (i + 1) + " " + bn.id() + " normalises " + bn.channels()
                        + " channels of " + bn.positions() + " values but the layer before it gives " + describeShape(current));
            } else if (current == null) {
                throw new IllegalArgumentException("layer " + (i + 1) + " " + s.id() + " cannot come first: the input size"
                        + " is set by the first affine or conv layer");
            }
            out.add(current);
        }
        return out;
    }

    /** {@code [N, 100]} or {@code [N, 30, 12, 12]}. */
    private static String describeShape(int[] dims) {
        StringBuilder sb = new StringBuilder("[N");
        for (int d : dims) sb.append(", ").append(d);
        return sb.append(']').toString();
    }

    private static void checkLength(String name, float[] v, int expected) {
        if (v == null) throw new IllegalArgumentException("missing parameter " + name);
        if (v.length != expected) {
            throw new IllegalArgumentException(name + " has " + v.length + " values but the architecture needs " + expected);
        }
    }

    /**
     * A network of these layers with fresh weights: He initialisation (std sqrt(2 / fan-in)),
     * biases zero, drawn from seed {@value #DEFAULT_SEED}.
     */
    public static Sequential of(Backend backend, LayerSpec... layers) {
        return of(backend, WeightInit.HE, DEFAULT_SEED, List.of(layers));
    }

    /** A network of these layers with weights N(0, std^2) from {@code init}, biases zero, drawn from {@code seed}. */
    public static Sequential of(Backend backend, WeightInit init, long seed, List<? extends LayerSpec> layers) {
        checkChain(layers);
        // Before the host arrays of initialWeights exist: a too-wide network fails here, in one line.
        long bytes = parameterCount(layers) * Float.BYTES;
        String name = Architecture.of(layers).map(Architecture::describe).orElse(LayerSpec.describe(layers));
        Limits.checkMemory("the network " + name, 2 * bytes, bytes, backend.info(),
                "use narrower layers");
        return new Sequential(backend, layers, initialWeights(layers, init, seed));
    }

    /** Weights and biases of these layers (long: wide layers overflow an int). */
    public static long parameterCount(List<? extends LayerSpec> layers) {
        long n = 0;
        for (LayerSpec s : layers) {
            if (s instanceof LayerSpec.Affine a) n += (long) a.inputs() * a.outputs() + a.outputs();
        }
        return n;
    }

    /** A network of these layers with the given parameter values (name to row-major data), e.g. from a saved model. */
    public static Sequential fromWeights(Backend backend, List<? extends LayerSpec> layers, Map<String, float[]> weights) {
        return new Sequential(backend, layers, weights);
    }

    /** A freshly initialised perceptron: weights N(0, std^2) from {@code init}, biases zero, drawn from {@code seed}. */
    public static Sequential create(Backend backend, Architecture architecture, WeightInit init, long seed) {
        return create(backend, architecture, init, seed, 0f);
    }

    /** As {@link #create(Backend, Architecture, WeightInit, long)}, with dropout after every hidden activation. */
    public static Sequential create(Backend backend, Architecture architecture, WeightInit init, long seed, float dropout) {
        return of(backend, init, seed, architecture.layers(dropout));
    }

    /** A perceptron with the given parameter values (name to row-major data). */
    public static Sequential fromWeights(Backend backend, Architecture architecture, Map<String, float[]> weights) {
        return fromWeights(backend, architecture, weights, 0f);
    }

    /** As {@link #fromWeights(Backend, Architecture, Map)}, with dropout in training passes. */
    public static Sequential fromWeights(Backend backend, Architecture architecture, Map<String, float[]> weights,
                                         float dropout) {
        return new Sequential(backend, architecture.layers(dropout), weights);
    }

    /** The initial weights of a perceptron as host arrays; deterministic for a seed, whatever the backend. */
    public static Map<String, float[]> initialWeights(Architecture architecture, WeightInit init, long seed) {
        return initialWeights(architecture.layers(0f), init, seed);
    }

    /**
     * The initial weights as host arrays, drawn from one generator in layer order (so a seed gives
     * the same network on every backend); biases zero.
     */
    public static Map<String, float[]> initialWeights(List<? extends LayerSpec> layers, WeightInit init, long seed) {
        Random rng = new Random(seed);
        Map<String, float[]> weights = new LinkedHashMap<>();
        int n = 0, convs = 0, norms = 0;
        for (LayerSpec s : layers) {
            if (s instanceof LayerSpec.Affine a) {
                n++;
                putInitial(weights, "affine" + n, a.inputs() * a.outputs(), a.outputs(), init.std(a.inputs()), rng);
            } else if (s instanceof LayerSpec.Conv c) {
                // Fan-in of a filter is every value in its window over all input channels.
                int fanIn = c.geometry().patchSize();
                putInitial(weights, "conv" + ++convs, c.filters() * fanIn, c.filters(), init.std(fanIn), rng);
            } else if (s instanceof LayerSpec.BatchNorm bn) {
                // The identity at first: gamma 1, beta 0; running variance 1 as nothing is known yet.
                String name = "batchnorm" + ++norms;
                float[] ones = new float[bn.channels()];
                java.util.Arrays.fill(ones, 1f);
                weights.put(name + ".gamma", ones.clone());
                weights.put(name + ".beta", new float[bn.channels()]);
                weights.put(name + ".running_mean", new float[bn.channels()]);
                weights.put(name + ".running_var", ones);
            }
        }
        return weights;
    }

    private static void putInitial(Map<String, float[]> weights, String name, int size, int biases, double std, Random rng) {
        float[] w = new float[size];
        for (int j = 0; j < w.length; j++) w[j] = (float) (std * rng.nextGaussian());
        weights.put(name + ".W", w);
        weights.put(name + ".b", new float[biases]);
    }

    public Backend backend() { return backend; }
    /** The layer list this network was built from. */
    public List<LayerSpec> layerSpecs() { return specs; }

    /** Features per input row (the first layer's input: affine inputs, or C*H*W of a first conv or pooling layer). */
    public int inputs() { return inputs(specs); }

    /** Features per input row of a layer list: what its first affine, conv or pooling layer reads. */
    public static int inputs(List<? extends LayerSpec> specs) {
        for (LayerSpec s : specs) {
            if (s instanceof LayerSpec.Affine a) return a.inputs();
            if (s instanceof LayerSpec.Conv c) return c.input().size();
            if (s instanceof LayerSpec.MaxPool m) return m.input().size();
        }
        throw new AssertionError("checked: the last layer is affine");
    }

    /** The image shape the first layer reads, when it is a conv or pooling layer. */
    public java.util.Optional<ImageShape> inputImage() {
        LayerSpec first = specs.get(0);
        if (first instanceof LayerSpec.Conv c) return java.util.Optional.of(c.input());
        if (first instanceof LayerSpec.MaxPool m) return java.util.Optional.of(m.input());
        return java.util.Optional.empty();
    }

    /** Class scores per row (the last affine layer's outputs). */
    public int outputs() { return ((LayerSpec.Affine) specs.get(specs.size() - 1)).outputs(); }

    /** The perceptron this network is, when it is one (see {@link Architecture#of}). */
    public java.util.Optional<Architecture> architecture() { return Architecture.of(specs); }
    public List<Layer> layers() { return layers; }
    /** Every parameter in layer order, each with its gradient buffer. */
    public List<Param> params() { return params; }

    /**
     * Logits (pre-softmax scores) of a batch; owned by the last Affine layer, valid until the next
     * forward. An Affine followed by a ReLU runs as {@code x W} then one fused bias + ReLU op.
     */
    public Matrix predict(Matrix x) {
        Matrix y = x;
        for (int i = 0; i < layers.size(); i++) {
            Layer layer = layers.get(i);
            if (layer instanceof Affine a && i + 1 < layers.size() && layers.get(i + 1) instanceof Relu r) {
                y = r.forwardBiased(a.forwardLinear(y), a.bias());
                i++;
            } else {
                y = layer.forward(y);
            }
        }
        logits = y;
        return y;
    }

    /** The logits of the last forward pass ({@link #predict}, {@link #loss} or {@link #gradient}). */
    public Matrix logits() {
        if (logits == null) throw new IllegalStateException("no forward pass yet");
        return logits;
    }

    /** Mean cross-entropy of a batch. */
    public float loss(Matrix x, IntVector t) {
        return lastLayer.forward(predict(x), t);
    }

    /** Number of rows of x whose predicted class equals the label. */
    public int countCorrect(Matrix x, IntVector t) {
        return backend.countCorrect(predict(x), t);
    }

    /** Fraction of rows predicted correctly. */
    public double accuracy(Matrix x, IntVector t) {
        return (double) countCorrect(x, t) / x.rows();
    }

    /**
     * Forward and backward pass in training mode: leaves dL/dparam in every {@link Param#grad()}
     * and returns the loss of the batch. Dropout layers draw their masks from {@code dropoutSeed},
     * so the same seed gives the same masks on every device (and in a resumed run).
     */
    public float gradient(Matrix x, IntVector t, int dropoutSeed) {
        setTraining(true, dropoutSeed);
        Backend.Pending loss;
        try {
            loss = lastLayer.forwardWithGradientAsync(predict(x), t, 1f);
        } finally {
            setTraining(false, 0);
        }
        // The backward pass is enqueued before the loss is waited for, so the device goes on with
        // it while the loss travels back (and a diverged loss still throws before any update).
        Matrix dout = lastLayer.backward(1f);   // computed with the loss, in the same pass
        for (int i = layers.size() - 1; i >= 0; i--) dout = layers.get(i).backward(dout);
        return loss.get();
    }

    /**
     * Switches every layer that trains differently from how it predicts (dropout, batch
     * normalization) into training mode or back. {@link #gradient} does this around its forward
     * pass; a caller that wants training-mode forward passes of its own (a numerical gradient)
     * sets it and must set it back. Training-mode passes update batch norm's running averages.
     */
    public void setTraining(boolean training, int dropoutSeed) {
        for (Layer l : layers) if (l instanceof TrainingMode m) m.setTraining(training, dropoutSeed);
    }

    /** {@link #gradient(Matrix, IntVector, int)} with dropout seed 0 (plain backprop when there is no dropout). */
    public float gradient(Matrix x, IntVector t) {
        return gradient(x, t, 0);
    }

    /**
     * The most likely class of each row of {@code x} (rows of {@link #inputs()} features), computed
     * on this network's device in chunks.
     */
    public int[] predictClasses(float[][] x) {
        double[][] p = predictProbabilities(x);
        int[] out = new int[p.length];
        for (int i = 0; i < p.length; i++) {
            int best = 0;
            for (int j = 1; j < p[i].length; j++) if (p[i][j] > p[i][best]) best = j;
            out[i] = best;
        }
        return out;
    }

    /** The class probabilities (softmax of the logits) of each row of {@code x}: one row of {@link #outputs()} per input row. */
    public double[][] predictProbabilities(float[][] x) {
        int features = inputs(), classes = outputs();
        double[][] out = new double[x.length][];
        for (int start = 0; start < x.length; start += CHUNK) {
            int n = Math.min(CHUNK, x.length - start);
            float[] flat = new float[n * features];
            for (int i = 0; i < n; i++) {
                float[] row = x[start + i];
                if (row.length != features) {
                    throw new IllegalArgumentException("row " + (start + i) + " has " + row.length + " features but the network"
                            + " takes " + features);
                }
                System.arraycopy(row, 0, flat, i * features, features);
            }
            double[][] p = predictProbabilities(flat, n);
            System.arraycopy(p, 0, out, start, n);
        }
        return out;
    }

    /** The class probabilities of {@code rows} row-major input rows in {@code x}. */
    public double[][] predictProbabilities(float[] x, int rows) {
        if ((long) rows * inputs() != x.length) {
            throw new IllegalArgumentException(rows + " rows of " + inputs() + " features need " + (long) rows * inputs()
                    + " values, got " + x.length);
        }
        try (Matrix xm = backend.upload(x, rows, inputs())) {
            return Softmax.rows(backend.download(predict(xm)), rows, outputs());
        }
    }

    /** Loss, accuracy and confusion matrix on a labelled dataset (uploaded for the call, then released). */
    public Evaluation evaluate(Dataset data) {
        checkData(data);
        try (DeviceDataset d = new DeviceDataset(backend, data)) {
            return d.evaluate(this, CHUNK, true);
        }
    }

    /** Fails, naming both sizes, when the data does not fit this network. */
    public void checkData(Dataset data) {
        if (data.features() != inputs()) {
            throw new IllegalArgumentException(data.name() + " has " + data.features() + " features per row but the network"
                    + " takes " + inputs());
        }
        if (data.classes() > outputs()) {
            throw new IllegalArgumentException(data.name() + " has " + data.classes() + " classes but the network has "
                    + outputs() + " outputs");
        }
    }

    /**
     * A table of the layers: name, output shape per batch of N rows (images as [N, C, H, W]),
     * parameter count; then the total. For example:
     * <pre>
     * layer       output             params
     * conv1       [N, 30, 24, 24]       780
     * relu1       [N, 30, 24, 24]         0
     * pool1       [N, 30, 12, 12]         0
     * affine1     [N, 100]          432,100
     * relu2       [N, 100]                0
     * affine2     [N, 10]             1,010
     * softmax     [N, 10]                 0
     * total                         433,890
     * </pre>
     */
    public String summary() {
        List<int[]> shapes = outputShapes(specs);
        // The output column as wide as its widest shape, at least the 10 a perceptron's table has always had.
        int width = Math.max(10, shapes.stream().mapToInt(d -> describeShape(d).length()).max().orElse(0));
        String row = "%-11s %-" + width + "s %9s%n";
        StringBuilder sb = new StringBuilder(String.format(row, "layer", "output", "params"));
        long total = 0;
        for (int i = 0; i < layers.size(); i++) {
            long count = 0;
            for (Param p : layers.get(i).params()) count += (long) p.value().rows() * p.value().cols();
            total += count;
            sb.append(String.format(row, layers.get(i).name(), describeShape(shapes.get(i)), String.format("%,d", count)));
        }
        sb.append(String.format(row, "softmax", "[N, " + outputs() + "]", "0"));
        sb.append(String.format(row, "total", "", String.format("%,d", total)));
        return sb.toString();
    }

    /** Parameter values and layer state (batch norm's running averages) copied to the host, by name in layer order. */
    public Map<String, float[]> weights() {
        Map<String, float[]> out = new LinkedHashMap<>();
        for (Layer l : layers) {
            for (Param p : l.params()) out.put(p.name(), backend.download(p.value()));
            for (Map.Entry<String, Matrix> e : l.state().entrySet()) out.put(e.getKey(), backend.download(e.getValue()));
        }
        return out;
    }

    /** The parameter with this name. */
    public Param param(String name) {
        for (Param p : params) if (p.name().equals(name)) return p;
        throw new IllegalArgumentException("no parameter '" + name + "'");
    }

    @Override
    public void close() {
        for (Layer l : layers) l.close();
        lastLayer.close();
    }
}
