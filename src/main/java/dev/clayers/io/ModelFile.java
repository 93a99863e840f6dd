package dev.clayers.io;

import dev.clayers.backend.Backend;
import dev.clayers.layer.Convolution;
import dev.clayers.layer.Layer;
import dev.clayers.layer.Param;
import dev.clayers.net.Activation;
import dev.clayers.net.Architecture;
import dev.clayers.net.LayerSpec;
import dev.clayers.net.Sequential;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A network saved as safetensors: tensors {@code affine1.W} (in x out, the book's {@code x W}
 * layout), {@code affine1.b} (1 x out, or [out] from other writers), {@code conv1.W} (PyTorch's
 * {@code (out, in, kh, kw)}), {@code conv1.b} ([out]), ... and, in
 * {@code __metadata__}, the layer list ({@code layers}: {@code affine(784,256) relu affine(256,10)}),
 * the widths ({@code architecture}: {@code 784-256-10}), for a perceptron its {@code activation},
 * plus whatever the caller adds (training settings, accuracies). Files written before the layer
 * list was recorded (or by other tools) are read as perceptrons from their tensor shapes.
 */
public final class ModelFile {
    private static final Logger log = LoggerFactory.getLogger(ModelFile.class);

    public static final String FORMAT = "clayers-mlp/1";

    private ModelFile() {}

    /** A loaded model: the layer list, the weights by name and the file's metadata. */
    public record Model(List<LayerSpec> layers, Map<String, float[]> weights, Map<String, String> metadata) {
        public Model {
            layers = List.copyOf(layers);
        }

        /** The network on {@code backend}; close it when done. */
        public Sequential build(Backend backend) {
            return Sequential.fromWeights(backend, layers, weights);
        }

        /** The perceptron the layers describe (as {@link Architecture#of}); fails for other compositions. */
        public Architecture architecture() {
            return Architecture.of(layers).orElseThrow(() -> new IllegalStateException("the model is not a perceptron: "
                    + LayerSpec.describe(layers)));
        }

        /** Features per input row (C*H*W for a net that starts with a conv layer). */
        public int inputs() { return Sequential.inputs(layers); }

        /** Class scores per row. */
        public int outputs() { return ((LayerSpec.Affine) layers.get(layers.size() - 1)).outputs(); }

        /** {@code 784-512-10 relu} for a perceptron, else the layer list. */
        public String describe() {
            return Architecture.of(layers).map(Architecture::toString).orElse(LayerSpec.describe(layers));
        }
    }

    /** Metadata describing a network's layers. */
    public static Map<String, String> architectureMetadata(List<LayerSpec> layers) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("format", FORMAT);
        // The widths of the affine layers describe a perceptron; a conv net is described by its layer list alone.
        if (layers.stream().noneMatch(l -> l instanceof LayerSpec.Conv || l instanceof LayerSpec.MaxPool
                || l instanceof LayerSpec.BatchNorm)) {
            StringBuilder widths = new StringBuilder();
            for (LayerSpec l : layers) {
                if (l instanceof LayerSpec.Affine a) {
                    if (widths.length() == 0) widths.append(a.inputs());
                    widths.append('-').append(a.outputs());
                }
            }
            m.put("architecture", widths.toString());
        }
        Architecture.of(layers).ifPresent(a -> m.put("activation", a.activation().id()));
        m.put("layers", LayerSpec.describe(layers));
        return m;
    }

    /**
     * The network's parameters as tensors, in layer order. Affine layers as the book keeps them
     * (W in x out, b 1 x out); conv layers in PyTorch's layout, W {@code (out, in, kh, kw)} and
     * b {@code [out]}, the same floats in the same order as the layer's F x (C*K*K) matrix.
     */
    public static List<Tensor> tensors(Sequential net) {
        List<Tensor> out = new ArrayList<>();
        for (Layer layer : net.layers()) {
            for (Param p : layer.params()) {
                float[] data = net.backend().download(p.value());
                int[] shape = new int[] {p.value().rows(), p.value().cols()};
                if (layer instanceof Convolution c) {
                    var g = c.geometry();
                    shape = p.name().endsWith(".W") ? new int[] {c.filters(), g.channels(), g.kernel(), g.kernel()}
                            : new int[] {c.filters()};
                } else if (layer instanceof dev.clayers.layer.BatchNormalization) {
                    shape = new int[] {p.value().size()};   // [C], as PyTorch keeps a norm's weight and bias
                }
                out.add(new Tensor(p.name(), shape, data));
            }
            for (Map.Entry<String, dev.clayers.backend.Matrix> e : layer.state().entrySet()) {
                out.add(new Tensor(e.getKey(), new int[] {e.getValue().size()}, net.backend().download(e.getValue())));
            }
        }
        return out;
    }

    /**
     * The parameter tensors a layer list needs, by name, with the shapes a file may hold them in:
     * affine W {@code [in, out]}, b {@code [1, out]} or {@code [out]}; conv W {@code [F, C, K, K]}
     * or {@code [F, C*K*K]}, b {@code [F]} or {@code [1, F]}.
     */
    private static Map<String, List<int[]>> expectedTensors(List<LayerSpec> specs) {
        Map<String, List<int[]>> out = new LinkedHashMap<>();
        int affine = 0, conv = 0, norms = 0;
        for (LayerSpec s : specs) {
            if (s instanceof LayerSpec.Affine a) {
                String n = "affine" + ++affine;
                out.put(n + ".W", List.of(new int[] {a.inputs(), a.outputs()}));
                out.put(n + ".b", List.of(new int[] {1, a.outputs()}, new int[] {a.outputs()}));
            } else if (s instanceof LayerSpec.BatchNorm b) {
                String n = "batchnorm" + ++norms;
                for (String part : List.of("gamma", "beta", "running_mean", "running_var")) {
                    out.put(n + "." + part, List.of(new int[] {b.channels()}, new int[] {1, b.channels()}));
                }
            } else if (s instanceof LayerSpec.Conv c) {
                String n = "conv" + ++conv;
                int in = c.input().channels(), k = c.kernel();
                out.put(n + ".W", List.of(new int[] {c.filters(), in, k, k}, new int[] {c.filters(), in * k * k}));
                out.put(n + ".b", List.of(new int[] {c.filters()}, new int[] {1, c.filters()}));
            }
        }
        return out;
    }

    /** A model whose metadata lists its layers: every parameter tensor must be there in a shape that fits. */
    private static Model fromLayerList(Path file, Map<String, Tensor> byName, Map<String, String> meta)
            throws SafetensorsFormatException {
        List<LayerSpec> specs;
        try {
            specs = LayerSpec.parseList(meta.get("layers"));
            Sequential.outputShapes(specs);
        } catch (IllegalArgumentException e) {
            throw new SafetensorsFormatException(file, "metadata layers: " + e.getMessage());
        }
        if (!(specs.get(specs.size() - 1) instanceof LayerSpec.Affine)) {
            throw new SafetensorsFormatException(file, "metadata layers does not end in an affine layer: " + meta.get("layers"));
        }
        Map<String, float[]> weights = new LinkedHashMap<>();
        for (Map.Entry<String, List<int[]>> e : expectedTensors(specs).entrySet()) {
            Tensor t = byName.get(e.getKey());
            if (t == null) throw new SafetensorsFormatException(file, "missing tensor " + e.getKey() + " (metadata layers: "
                    + meta.get("layers") + ")");
            if (e.getValue().stream().noneMatch(shape -> java.util.Arrays.equals(shape, t.shape()))) {
                throw new SafetensorsFormatException(file, "metadata layers says " + e.getKey() + " is "
                        + java.util.Arrays.toString(e.getValue().get(0)) + " but the tensor is " + java.util.Arrays.toString(t.shape()));
            }
            weights.put(e.getKey(), t.data());
        }
        return new Model(specs, weights, meta);
    }

    /** Saves atomically (temp file, then rename): a crash never leaves a half-written model. */
    public static void save(Path file, Sequential net, Map<String, String> extraMetadata) throws IOException {
        Map<String, String> meta = architectureMetadata(net.layerSpecs());
        meta.putAll(extraMetadata);
        Safetensors.write(file, meta, tensors(net));
    }

    /** Reads and validates a model file. */
    public static Model load(Path file) throws IOException {
        InputFiles.requireRegularFile(file, "a model file (.safetensors, written by train --save)");
        return fromFile(file, Safetensors.read(file));
    }

    /**
     * Interprets a safetensors file as a model: from its metadata when it has an
     * {@code architecture} entry, else from the shapes of {@code affineN.W} (activation relu).
     */
    public static Model fromFile(Path file, SafetensorsFile sf) throws SafetensorsFormatException {
        Map<String, Tensor> byName = new LinkedHashMap<>();
        for (Tensor t : sf.tensors()) byName.put(t.name(), t);
        Map<String, String> meta = sf.metadata();
        if (meta.containsKey("layers") && !byName.containsKey("affine1.W")) {
            throw new SafetensorsFormatException(file, "no tensor named affine1.W; a clayers model has affine1.W, affine1.b, affine2.W, ...");
        }
        if (meta.containsKey("layers") && meta.get("layers").matches(".*\\b(conv|maxpool|batchnorm)\\(.*")) return fromLayerList(file, byName, meta);
        int layers = 0;
        while (byName.containsKey("affine" + (layers + 1) + ".W")) layers++;
        if (layers == 0) {
            throw new SafetensorsFormatException(file, "no tensor named affine1.W; a clayers model has affine1.W, affine1.b, affine2.W, ...");
        }
        int[] widths = new int[layers + 1];
        Map<String, float[]> weights = new LinkedHashMap<>();
        for (int i = 1; i <= layers; i++) {
            Tensor w = byName.get("affine" + i + ".W");
            if (w.rank() != 2) {
                throw new SafetensorsFormatException(file, "affine" + i + ".W has rank " + w.rank() + "; expected a matrix (in x out)");
            }
            int in = w.dim(0), out = w.dim(1);
            if (i == 1) widths[0] = in;
            else if (in != widths[i - 1]) {
                throw new SafetensorsFormatException(file, "affine" + i + ".W is " + in + "x" + out + " but affine" + (i - 1)
                        + " has " + widths[i - 1] + " outputs; shapes do not chain");
            }
            widths[i] = out;
            Tensor b = byName.get("affine" + i + ".b");
            if (b == null) throw new SafetensorsFormatException(file, "missing tensor affine" + i + ".b");
            boolean bOk = (b.rank() == 1 && b.dim(0) == out) || (b.rank() == 2 && b.dim(0) == 1 && b.dim(1) == out);
            if (!bOk) {
                throw new SafetensorsFormatException(file, "affine" + i + ".b has shape " + java.util.Arrays.toString(b.shape())
                        + " but affine" + i + ".W has " + out + " outputs; expected [1, " + out + "] or [" + out + "]");
            }
            requireFinite(file, w);
            requireFinite(file, b);
            weights.put(w.name(), w.data());
            weights.put(b.name(), b.data());
        }
        String declaredWidths = meta.get("architecture");
        String describedWidths = java.util.Arrays.stream(widths).mapToObj(Integer::toString)
                .collect(java.util.stream.Collectors.joining("-"));
        if (declaredWidths != null && !declaredWidths.equals(describedWidths)) {
            throw new SafetensorsFormatException(file, "metadata says architecture " + declaredWidths + " but the tensors are "
                    + describedWidths);
        }
        if (meta.containsKey("layers")) {
            List<LayerSpec> specs;
            try {
                specs = LayerSpec.parseList(meta.get("layers"));
            } catch (IllegalArgumentException e) {
                throw new SafetensorsFormatException(file, "metadata layers: " + e.getMessage());
            }
            List<LayerSpec.Affine> affine = specs.stream().filter(l -> l instanceof LayerSpec.Affine)
                    .map(l -> (LayerSpec.Affine) l).toList();
            if (affine.size() != layers) {
                throw new SafetensorsFormatException(file, "metadata layers has " + affine.size() + " affine layers but the"
                        + " file has tensors for " + layers);
            }
            for (int i = 0; i < layers; i++) {
                if (affine.get(i).inputs() != widths[i] || affine.get(i).outputs() != widths[i + 1]) {
                    throw new SafetensorsFormatException(file, "metadata layers says " + affine.get(i).id() + " but affine"
                            + (i + 1) + ".W is " + widths[i] + "x" + widths[i + 1]);
                }
            }
            if (!(specs.get(specs.size() - 1) instanceof LayerSpec.Affine)) {
                throw new SafetensorsFormatException(file, "metadata layers does not end in an affine layer: " + meta.get("layers"));
            }
            return new Model(specs, weights, meta);
        }
        Activation act = Activation.RELU;
        if (meta.containsKey("activation")) {
            try {
                act = Activation.parse(meta.get("activation"));
            } catch (IllegalArgumentException e) {
                throw new SafetensorsFormatException(file, "metadata activation: " + e.getMessage());
            }
        } else {
            log.info("{}: no activation in the metadata; assuming relu", file);
        }
        int[] hidden = java.util.Arrays.copyOfRange(widths, 1, widths.length - 1);
        Architecture arch = new Architecture(widths[0], hidden, widths[widths.length - 1], act);
        return new Model(arch.layers(0f), weights, meta);
    }

    /**
     * A NaN or infinite weight makes every prediction NaN: a model saved from a diverged run, or a
     * damaged file. Refused at load, so predict never prints NaN probabilities.
     */
    private static void requireFinite(Path file, Tensor t) throws SafetensorsFormatException {
        float[] v = t.data();
        for (int i = 0; i < v.length; i++) {
            if (!Float.isFinite(v[i])) {
                throw new SafetensorsFormatException(file, t.name() + " holds " + v[i] + " at index " + i
                        + "; weights must be finite numbers (a model saved from a diverged run, or a damaged file)");
            }
        }
    }
}
