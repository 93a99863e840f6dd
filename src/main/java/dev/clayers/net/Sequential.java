package dev.clayers.net;

import dev.clayers.backend.MemoryBudget;
import dev.clayers.backend.Backend;
import dev.clayers.backend.IntVector;
import dev.clayers.backend.Matrix;
import dev.clayers.data.Dataset;
import dev.clayers.data.Normaliser;
import dev.clayers.backend.BackendLock;
import dev.clayers.layer.Affine;
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
import java.util.concurrent.locks.ReentrantLock;

/**
 * A network: the layers the user lists ({@link LayerSpec}, or {@link Layers} with inferred
 * shapes), bound to one backend, ending in {@link SoftmaxWithLoss}. The list must end in an
 * affine layer, whose outputs are the class scores (logits). Layers are named by kind and count
 * ({@code conv1}, {@code affine1}, {@code affine2}); parameters after their layer
 * ({@code affine1.W}, {@code affine1.b}); the same names serve gradient checks, optimizers and
 * saved models.
 *
 * <pre>{@code
 * import static dev.clayers.net.LayerSpec.*;
 * try (Sequential net = Sequential.of(backend, affine(784, 256), relu(), dropout(0.2f), affine(256, 10))) {
 *     System.out.println(net.summary());
 * }
 * }</pre>
 *
 * <p><b>Threads.</b> One network may serve predictions ({@link #predictClasses},
 * {@link #predictProbabilities}, {@link #evaluate}) to many threads at once: each call holds its
 * backend's lock ({@link #lock()}), so calls on networks that share a backend take turns and each
 * gets the answer a single thread would. {@code Training.fit} holds the lock for the whole run,
 * so predictions wait for it; a second fit of the same network from another thread fails at once
 * ({@link IllegalStateException}). After its backend is closed, every call fails with
 * "backend ... is closed". The matrix-level methods ({@link #predict(Matrix)}, {@link #gradient})
 * return buffers that the next call overwrites: a thread that reads them holds {@link #lock()}
 * around the call and the read.
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
    /** The backend's lock ({@link BackendLock}), held by every call that runs the network. */
    private final ReentrantLock lock;
    /** The thread running {@code Training.fit} on this network, or null. */
    private final java.util.concurrent.atomic.AtomicReference<Thread> trainer = new java.util.concurrent.atomic.AtomicReference<>();
    private Matrix logits;
    /** Applied to host data by fit, evaluate and predict; null for none. */
    private volatile Normaliser normaliser;

    private Sequential(Backend backend, List<? extends LayerSpec> specs, Map<String, float[]> weights) {
        this.backend = backend;
        this.specs = List.copyOf(checkChain(specs));
        this.lock = BackendLock.of(backend);
        List<String> names = names(this.specs);
        // Every tensor is checked (present, its length, finite, in range) before anything is uploaded.
        for (int i = 0; i < this.specs.size(); i++) this.specs.get(i).checkTensors(names.get(i), weights);
        List<Layer> ls = new ArrayList<>();
        try {
            // A layer computes its input gradient only when some layer before it has parameters: before
            // the first one the gradient reaches only the data, so the first affine or conv layer skips a gemm.
            boolean paramsBefore = false;
            for (int i = 0; i < this.specs.size(); i++) {
                Layer l = this.specs.get(i).bind(backend, names.get(i), weights, paramsBefore);
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
     * The name of each layer: its kind and a count per kind ({@code conv1 relu1 pool1 affine1 relu2
     * affine2}). Parameters are named after their layer ({@code affine1.W}), in model files too.
     */
    public static List<String> names(List<? extends LayerSpec> specs) {
        Map<String, Integer> counts = new HashMap<>();
        List<String> out = new ArrayList<>();
        for (LayerSpec s : specs) out.add(s.kind() + counts.merge(s.kind(), 1, Integer::sum));
        return out;
    }

    /** Fails early, naming the layer, when sizes do not chain or the list does not end in affine. */
    private static List<? extends LayerSpec> checkChain(List<? extends LayerSpec> specs) {
        if (specs == null || specs.isEmpty()) throw new IllegalArgumentException("a network needs at least one layer");
        for (int i = 0; i < specs.size(); i++) {
            if (specs.get(i) == null) throw new IllegalArgumentException("layer " + (i + 1) + " is null");
        }
        outputShapes(specs);
        LayerSpec last = specs.get(specs.size() - 1);
        if (last.classScores() <= 0) {
            throw new IllegalArgumentException("the last layer must be affine (its outputs are the class scores that"
                    + " softmax-with-loss reads), got " + last.id());
        }
        return specs;
    }

    /**
     * What each layer puts out per row: {@code [features]} or, for convolution and pooling,
     * {@code [C, H, W]}. Fails, naming the layer, where a layer's input does not match the
     * output before it (each kind states what it reads: {@link LayerSpec#outputShape}).
     */
    public static List<int[]> outputShapes(List<? extends LayerSpec> specs) {
        List<int[]> out = new ArrayList<>();
        int[] current = null;
        for (int i = 0; i < specs.size(); i++) {
            current = specs.get(i).outputShape(current, i + 1);
            out.add(current);
        }
        return out;
    }

    /**
     * A network of these layers with fresh weights: He initialisation (std sqrt(2 / fan-in)),
     * biases zero, drawn from seed {@value #DEFAULT_SEED}.
     */
    public static Sequential of(Backend backend, LayerSpec... layers) {
        if (layers == null) throw new IllegalArgumentException("a network needs at least one layer");
        return of(backend, WeightInit.HE, DEFAULT_SEED, java.util.Arrays.asList(layers));
    }

    /** As {@link #of(Backend, LayerSpec...)} with He weights drawn from {@code seed}. */
    public static Sequential of(Backend backend, long seed, LayerSpec... layers) {
        if (layers == null) throw new IllegalArgumentException("a network needs at least one layer");
        return of(backend, WeightInit.HE, seed, java.util.Arrays.asList(layers));
    }

    /** A network of a shape-inferred layer list ({@link Layers}), He weights from seed {@value #DEFAULT_SEED}. */
    public static Sequential of(Backend backend, Layers layers) {
        if (layers == null) throw new IllegalArgumentException("a network needs at least one layer");
        return of(backend, WeightInit.HE, DEFAULT_SEED, layers.list());
    }

    /** A network of a shape-inferred layer list with weights from {@code init} and {@code seed}. */
    public static Sequential of(Backend backend, WeightInit init, long seed, Layers layers) {
        if (layers == null) throw new IllegalArgumentException("a network needs at least one layer");
        return of(backend, init, seed, layers.list());
    }

    /** A network of these layers with weights N(0, std^2) from {@code init}, biases zero, drawn from {@code seed}. */
    public static Sequential of(Backend backend, WeightInit init, long seed, List<? extends LayerSpec> layers) {
        if (backend == null) throw new IllegalArgumentException("backend must not be null");
        if (init == null) throw new IllegalArgumentException("init must not be null");
        checkChain(layers);
        // Before the host arrays of initialWeights exist: a too-wide network fails here, in one line.
        long bytes = parameterCount(layers) * Float.BYTES;
        MemoryBudget.check("the network " + describe(layers), 2 * bytes, bytes, backend.info(), "use narrower layers");
        return new Sequential(backend, layers, initialWeights(layers, init, seed));
    }

    /** {@code 784-50-10} for a perceptron, else the layer list. */
    public static String describe(List<? extends LayerSpec> layers) {
        return Architecture.of(layers).map(Architecture::describe).orElse(LayerSpec.describe(layers));
    }

    /** Trainable values of these layers, every kind counted (long: wide layers overflow an int). */
    public static long parameterCount(List<? extends LayerSpec> layers) {
        long n = 0;
        for (LayerSpec s : layers) n += s.parameterCount();
        return n;
    }

    /** A network of these layers with the given parameter values (name to row-major data), e.g. from a saved model. */
    public static Sequential fromWeights(Backend backend, List<? extends LayerSpec> layers, Map<String, float[]> weights) {
        if (backend == null) throw new IllegalArgumentException("backend must not be null");
        if (weights == null) throw new IllegalArgumentException("weights must not be null");
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
        return fromWeights(backend, architecture.layers(dropout), weights);
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
        List<String> names = names(layers);
        for (int i = 0; i < layers.size(); i++) layers.get(i).initialise(names.get(i), init, rng, weights);
        return weights;
    }

    /** The backend the network's buffers live on. */
    public Backend backend() { return backend; }

    /**
     * Gives this network a normaliser (null removes it): from then on {@link #predictProbabilities},
     * {@link #predictClasses}, {@link #evaluate(Dataset)} and {@code Training.fit} normalise the host
     * rows they are given, so pass them raw data; {@link ModelFile#save} keeps it. Fit it on the
     * training set: {@code net.setNormaliser(Normaliser.standardise(train))}.
     *
     * @return this network
     * @throws IllegalArgumentException when it takes another number of features than {@link #inputs()}
     */
    public Sequential setNormaliser(Normaliser normaliser) {
        if (normaliser != null && normaliser.features() != inputs()) {
            throw new IllegalArgumentException("the normaliser takes " + normaliser.features() + " features but the network"
                    + " takes " + inputs());
        }
        this.normaliser = normaliser;
        return this;
    }

    /** The normaliser applied to host data, if any ({@link #setNormaliser}). */
    public java.util.Optional<Normaliser> normaliser() { return java.util.Optional.ofNullable(normaliser); }

    /**
     * The lock of this network's backend. Every call that runs the network holds it, so threads
     * that share a network or a backend take turns; hold it yourself around a sequence of calls
     * that must not be interleaved (a forward pass and reading its {@link #logits()}).
     */
    public ReentrantLock lock() { return lock; }
    /** The layer list this network was built from. */
    public List<LayerSpec> layerSpecs() { return specs; }

    /** Features per input row (the first layer's input: affine inputs, or C*H*W of a first conv or pooling layer). */
    public int inputs() { return inputs(specs); }

    /** Features per input row of a (checked) layer list: what its first layer reads. */
    public static int inputs(List<? extends LayerSpec> specs) { return specs.get(0).inputWidth(); }

    /** The image shape the first layer reads, when it is a conv or pooling layer. */
    public java.util.Optional<ImageShape> inputImage() { return specs.get(0).inputImage(); }

    /** Class scores per row (the last affine layer's outputs). */
    public int outputs() { return specs.get(specs.size() - 1).classScores(); }

    /** The perceptron this network is, when it is one (see {@link Architecture#of}). */
    public java.util.Optional<Architecture> architecture() { return Architecture.of(specs); }
    /** The bound layers in order, unmodifiable; the softmax-with-loss on top is not among them. */
    public List<Layer> layers() { return layers; }
    /** Every parameter in layer order, each with its gradient buffer. */
    public List<Param> params() { return params; }

    /**
     * Logits (pre-softmax scores) of a batch; owned by the last Affine layer, valid until the next
     * forward. An Affine followed by a ReLU runs as {@code x W} then one fused bias + ReLU op.
     */
    public Matrix predict(Matrix x) {
        lock.lock();
        try {
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
        } finally {
            lock.unlock();
        }
    }

    /** The logits of the last forward pass ({@link #predict}, {@link #loss} or {@link #gradient}). */
    public Matrix logits() {
        if (logits == null) throw new IllegalStateException("no forward pass yet");
        return logits;
    }

    /** Mean cross-entropy of a batch. */
    public float loss(Matrix x, IntVector t) {
        lock.lock();
        try {
            return lastLayer.forward(predict(x), t);
        } finally {
            lock.unlock();
        }
    }

    /** Number of rows of x whose predicted class equals the label. */
    public int countCorrect(Matrix x, IntVector t) {
        lock.lock();
        try {
            return backend.countCorrect(predict(x), t);
        } finally {
            lock.unlock();
        }
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
        return gradient(x, t, dropoutSeed, 0, 1f);
    }

    /**
     * {@link #gradient(Matrix, IntVector, int)} for one share of a larger batch, as a device of
     * several computes it: the rows of {@code x} are rows {@code firstRow ..} of the whole batch
     * (dropout draws those rows' masks), and the gradient of the share's mean loss is multiplied
     * by {@code lossScale}, the share's fraction of the batch, so that the shares' gradients add
     * up to the gradient of the whole batch's mean loss. Returns the share's mean loss, unscaled.
     */
    public float gradient(Matrix x, IntVector t, int dropoutSeed, int firstRow, float lossScale) {
        if (!(lossScale > 0) || !Float.isFinite(lossScale)) {
            throw new IllegalArgumentException("loss scale must be a positive number, got " + lossScale);
        }
        lock.lock();
        try {
            setTraining(true, dropoutSeed, firstRow);
            Backend.Pending loss;
            try {
                loss = lastLayer.forwardWithGradientAsync(predict(x), t, lossScale);
            } finally {
                setTraining(false, 0, 0);
            }
            // The backward pass is enqueued before the loss is waited for, so the device goes on with
            // it while the loss travels back (and a diverged loss still throws before any update).
            Matrix dout = lastLayer.backward(lossScale);   // computed with the loss, in the same pass
            for (int i = layers.size() - 1; i >= 0; i--) dout = layers.get(i).backward(dout);
            return loss.get();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Switches every layer that trains differently from how it predicts (dropout, batch
     * normalization) into training mode or back. {@link #gradient} does this around its forward
     * pass; a caller that wants training-mode forward passes of its own (a numerical gradient)
     * sets it and must set it back. Training-mode passes update batch norm's running averages.
     */
    public void setTraining(boolean training, int dropoutSeed) {
        setTraining(training, dropoutSeed, 0);
    }

    /** {@link #setTraining(boolean, int)} for a share of a batch starting at row {@code firstRow} ({@link TrainingMode}). */
    private void setTraining(boolean training, int dropoutSeed, int firstRow) {
        lock.lock();
        try {
            for (Layer l : layers) if (l instanceof TrainingMode m) m.setTraining(training, dropoutSeed, firstRow);
        } finally {
            lock.unlock();
        }
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
        if (x == null) throw new IllegalArgumentException("the rows to predict are null");
        int features = inputs(), classes = outputs();
        double[][] out = new double[x.length][];
        for (int start = 0; start < x.length; start += CHUNK) {
            int n = Math.min(CHUNK, x.length - start);
            float[] flat = new float[n * features];
            for (int i = 0; i < n; i++) {
                float[] row = x[start + i];
                if (row == null) throw new IllegalArgumentException("row " + (start + i) + " is null");
                if (row.length != features) {
                    throw new IllegalArgumentException("row " + (start + i) + " has " + row.length + " features but the network"
                            + " takes " + features);
                }
                System.arraycopy(row, 0, flat, i * features, features);
            }
            double[][] p = probabilities(flat, n, start);
            System.arraycopy(p, 0, out, start, n);
        }
        return out;
    }

    /** The class probabilities of {@code rows} row-major input rows in {@code x} (normalised first when the network has a {@link #normaliser()}). */
    public double[][] predictProbabilities(float[] x, int rows) {
        return probabilities(x, rows, 0);
    }

    /** {@link #predictProbabilities(float[], int)} of a chunk whose first row is row {@code firstRow} of the caller's rows. */
    private double[][] probabilities(float[] x, int rows, long firstRow) {
        if (x == null) throw new IllegalArgumentException("the rows to predict are null");
        if ((long) rows * inputs() != x.length) {
            throw new IllegalArgumentException(rows + " rows of " + inputs() + " features need " + (long) rows * inputs()
                    + " values, got " + x.length);
        }
        Dataset.requireFinite(x, rows, inputs(), firstRow, "the rows to predict");
        Normaliser n = normaliser;
        if (n != null) x = n.apply(x);
        lock.lock();
        try (Matrix xm = backend.upload(x, rows, inputs())) {
            float[] logits = backend.download(predict(xm));
            // Finite weights can still overflow a float (3e38 x 5): the softmax of an infinite
            // score is NaN, which must not pass as a prediction.
            for (int i = 0; i < logits.length; i++) {
                if (!Float.isFinite(logits[i])) {
                    throw new IllegalStateException("the network's score of class " + i % outputs() + " for row " + i / outputs()
                            + " is " + logits[i] + ": its weights overflow float arithmetic, so it gives no probabilities");
                }
            }
            return Softmax.rows(logits, rows, outputs());
        } finally {
            lock.unlock();
        }
    }

    /**
     * Loss, accuracy, confusion matrix and label ranks (so every metric of {@link Evaluation}) on
     * a labelled dataset, normalised first when the network has a {@link #normaliser()}. The set
     * is uploaded for the call and released, or streamed in chunks when larger than
     * {@link DeviceDataset#budgetBytes}.
     */
    public Evaluation evaluate(Dataset data) {
        if (data == null) throw new IllegalArgumentException("the dataset to evaluate is null");
        checkData(data);
        lock.lock();
        try (DeviceDataset d = DeviceDataset.within(backend, data, normaliser, DeviceDataset.budgetBytes(backend.info()))) {
            return d.evaluate(this, CHUNK, true);
        } catch (dev.clayers.layer.NonFiniteLossException e) {
            // Not a training run diverging (the exception's advice is about learning rates): the weights overflow.
            throw new IllegalStateException("the loss is not finite: the network's class scores overflow float arithmetic"
                    + " (its weights are too large), so it cannot be evaluated");
        } finally {
            lock.unlock();
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
        int width = Math.max(10, shapes.stream().mapToInt(d -> LayerSpec.describeShape(d).length()).max().orElse(0));
        String row = "%-11s %-" + width + "s %9s%n";
        StringBuilder sb = new StringBuilder(String.format(row, "layer", "output", "params"));
        long total = 0;
        for (int i = 0; i < layers.size(); i++) {
            long count = 0;
            for (Param p : layers.get(i).params()) count += (long) p.value().rows() * p.value().cols();
            total += count;
            sb.append(String.format(row, layers.get(i).name(), LayerSpec.describeShape(shapes.get(i)), String.format("%,d", count)));
        }
        sb.append(String.format(row, "softmax", "[N, " + outputs() + "]", "0"));
        sb.append(String.format(row, "total", "", String.format("%,d", total)));
        return sb.toString();
    }

    /** Parameter values and layer state (batch norm's running averages) copied to the host, by name in layer order. */
    public Map<String, float[]> weights() {
        lock.lock();
        try {
            Map<String, float[]> out = new LinkedHashMap<>();
            for (Layer l : layers) {
                for (Param p : l.params()) out.put(p.name(), backend.download(p.value()));
                for (Map.Entry<String, Matrix> e : l.state().entrySet()) out.put(e.getKey(), backend.download(e.getValue()));
            }
            return out;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Marks the network as training in this thread ({@code Training.fit} calls it): a second fit
     * from another thread fails at once instead of mixing two runs' updates into one set of weights.
     *
     * @throws IllegalStateException when another thread is training it
     */
    public void beginTraining() {
        Thread me = Thread.currentThread();
        if (!trainer.compareAndSet(null, me) && trainer.get() != me) {
            throw new IllegalStateException("this network is already training in thread '" + trainer.get().getName()
                    + "'; wait for that fit to return, or train a second network built from the same layers");
        }
    }

    /** Ends what {@link #beginTraining} started. */
    public void endTraining() { trainer.compareAndSet(Thread.currentThread(), null); }

    /**
     * Writes parameter values and layer state (as {@link #weights()} gives them) back into the
     * network, after checking every tensor as a loaded model is checked (length, finite, range).
     */
    public void loadWeights(Map<String, float[]> values) {
        if (values == null) throw new IllegalArgumentException("the weights to load are null");
        List<String> names = names(specs);
        for (int i = 0; i < specs.size(); i++) specs.get(i).checkTensors(names.get(i), values);
        lock.lock();
        try {
            for (Layer l : layers) {
                for (Param p : l.params()) backend.write(p.value(), values.get(p.name()));
                for (Map.Entry<String, Matrix> e : l.state().entrySet()) backend.write(e.getValue(), values.get(e.getKey()));
            }
        } finally {
            lock.unlock();
        }
    }

    /** The parameter with this name. */
    public Param param(String name) {
        for (Param p : params) if (p.name().equals(name)) return p;
        throw new IllegalArgumentException("no parameter '" + name + "'");
    }

    @Override
    public void close() {
        lock.lock();
        try {
            for (Layer l : layers) l.close();
            lastLayer.close();
        } finally {
            lock.unlock();
        }
    }
}
