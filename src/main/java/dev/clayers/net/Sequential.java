package dev.clayers.net;

import dev.clayers.backend.Backend;
import dev.clayers.backend.IntVector;
import dev.clayers.backend.Matrix;
import dev.clayers.layer.Affine;
import dev.clayers.layer.Dropout;
import dev.clayers.layer.Layer;
import dev.clayers.layer.Param;
import dev.clayers.layer.Relu;
import dev.clayers.layer.Sigmoid;
import dev.clayers.layer.SoftmaxWithLoss;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * A stack {@code Affine -> activation -> ... -> Affine} ending in {@link SoftmaxWithLoss}, on one
 * backend. Parameters are named {@code affine1.W}, {@code affine1.b}, {@code affine2.W}, ...; the
 * same names serve gradient checks, optimizers and saved models.
 */
public final class Sequential implements AutoCloseable {
    private final Backend backend;
    private final Architecture architecture;
    private final List<Layer> layers;
    private final SoftmaxWithLoss lastLayer;
    private final List<Param> params;
    private Matrix logits;

    private Sequential(Backend backend, Architecture architecture, Map<String, float[]> weights, float dropout) {
        this.backend = backend;
        this.architecture = architecture;
        int[] widths = architecture.widths();
        List<Layer> ls = new ArrayList<>();
        try {
            for (int i = 0; i + 1 < widths.length; i++) {
                String name = "affine" + (i + 1);
                float[] w = weights.get(name + ".W");
                float[] b = weights.get(name + ".b");
                checkLength(name + ".W", w, widths[i] * widths[i + 1]);
                checkLength(name + ".b", b, widths[i + 1]);
                Matrix wm = backend.upload(w, widths[i], widths[i + 1]);
                Matrix bm = backend.upload(b, 1, widths[i + 1]);
                ls.add(new Affine(backend, name, wm, bm, i > 0));
                if (i + 2 < widths.length) {
                    String act = architecture.activation().id() + (i + 1);
                    ls.add(architecture.activation() == Activation.RELU ? new Relu(backend, act) : new Sigmoid(backend, act));
                    if (dropout > 0f) ls.add(new Dropout(backend, "dropout" + (i + 1), dropout));
                }
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

    private static void checkLength(String name, float[] v, int expected) {
        if (v == null) throw new IllegalArgumentException("missing parameter " + name);
        if (v.length != expected) {
            throw new IllegalArgumentException(name + " has " + v.length + " values but the architecture needs " + expected);
        }
    }

    /** A freshly initialised network: weights N(0, std^2) from {@code init}, biases zero, drawn from {@code seed}. */
    public static Sequential create(Backend backend, Architecture architecture, WeightInit init, long seed) {
        return create(backend, architecture, init, seed, 0f);
    }

    /** As {@link #create(Backend, Architecture, WeightInit, long)}, with dropout after every hidden activation. */
    public static Sequential create(Backend backend, Architecture architecture, WeightInit init, long seed, float dropout) {
        return new Sequential(backend, architecture, initialWeights(architecture, init, seed), dropout);
    }

    /** A network with the given parameter values (name to row-major data), e.g. from a saved model. */
    public static Sequential fromWeights(Backend backend, Architecture architecture, Map<String, float[]> weights) {
        return fromWeights(backend, architecture, weights, 0f);
    }

    /** As {@link #fromWeights(Backend, Architecture, Map)}, with dropout in training passes. */
    public static Sequential fromWeights(Backend backend, Architecture architecture, Map<String, float[]> weights,
                                         float dropout) {
        return new Sequential(backend, architecture, weights, dropout);
    }

    /** The initial weights as host arrays; deterministic for a seed, whatever the backend. */
    public static Map<String, float[]> initialWeights(Architecture architecture, WeightInit init, long seed) {
        Random rng = new Random(seed);
        int[] widths = architecture.widths();
        Map<String, float[]> weights = new LinkedHashMap<>();
        for (int i = 0; i + 1 < widths.length; i++) {
            double std = init.std(widths[i]);
            float[] w = new float[widths[i] * widths[i + 1]];
            for (int j = 0; j < w.length; j++) w[j] = (float) (std * rng.nextGaussian());
            weights.put("affine" + (i + 1) + ".W", w);
            weights.put("affine" + (i + 1) + ".b", new float[widths[i + 1]]);
        }
        return weights;
    }

    public Backend backend() { return backend; }
    public Architecture architecture() { return architecture; }
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
        for (Layer l : layers) if (l instanceof Dropout d) d.setTraining(true, dropoutSeed);
        Backend.Pending loss;
        try {
            loss = lastLayer.forwardWithGradientAsync(predict(x), t, 1f);
        } finally {
            for (Layer l : layers) if (l instanceof Dropout d) d.setTraining(false, 0);
        }
        // The backward pass is enqueued before the loss is waited for, so the device goes on with
        // it while the loss travels back (and a diverged loss still throws before any update).
        Matrix dout = lastLayer.backward(1f);   // computed with the loss, in the same pass
        for (int i = layers.size() - 1; i >= 0; i--) dout = layers.get(i).backward(dout);
        return loss.get();
    }

    /** {@link #gradient(Matrix, IntVector, int)} with dropout seed 0 (plain backprop when there is no dropout). */
    public float gradient(Matrix x, IntVector t) {
        return gradient(x, t, 0);
    }

    /** Parameter values copied to the host, by name in layer order. */
    public Map<String, float[]> weights() {
        Map<String, float[]> out = new LinkedHashMap<>();
        for (Param p : params) out.put(p.name(), backend.download(p.value()));
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
