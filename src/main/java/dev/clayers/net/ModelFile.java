package dev.clayers.net;

import dev.clayers.backend.Backend;
import dev.clayers.data.Normaliser;
import dev.clayers.io.InputFiles;
import dev.clayers.io.Safetensors;
import dev.clayers.io.SafetensorsFile;
import dev.clayers.io.SafetensorsFormatException;
import dev.clayers.io.Tensor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A network saved as safetensors: tensors {@code affine1.W} (in x out, the book's {@code x W}
 * layout), {@code affine1.b} (1 x out, or [out] from other writers), {@code conv1.W} (PyTorch's
 * {@code (out, in, kh, kw)}), {@code conv1.b} ([out]), ... and, in
 * {@code __metadata__}, the layer list ({@code layers}: {@code affine(784,256) relu affine(256,10)}),
 * the widths ({@code architecture}: {@code 784-256-10}), for a perceptron its {@code activation},
 * plus whatever the caller adds (training settings, accuracies). Files written before the layer
 * list was recorded (or by other tools) are read as perceptrons from their tensor shapes.
 *
 * <p>A network with a {@link Normaliser} adds its two tensors, one value per input feature:
 * {@code normaliser.mean} and {@code normaliser.std} (standardise) or {@code normaliser.min} and
 * {@code normaliser.range} (min-max); the names say the kind, so no metadata entry is needed and
 * checkpoints carry it too. They are checked at load (both present, one value per input, finite,
 * scales positive) and {@link Model#build} restores the normaliser, so predict and eval apply it.
 * Tensors rather than metadata on purpose: a reader that does not know normalisers refuses the
 * file (an unknown tensor) instead of predicting from raw inputs. Files without them load as
 * before, with no normaliser.
 */
public final class ModelFile {
    private static final Logger log = LoggerFactory.getLogger(ModelFile.class);

    /** The format string new files carry, for every kind of network (files of {@code clayers-mlp/1} still load). */
    public static final String FORMAT = "clayers/1";

    private ModelFile() {}

    /**
     * A loaded model: the layer list, the weights by name, the file's metadata and the normaliser
     * of its inputs (null for none).
     *
     * @param layers     the layer list, in order
     * @param weights    every tensor by name ({@code affine1.W}), row-major
     * @param metadata   the file's string metadata (format, training settings)
     * @param normaliser applied to inputs before the network, or null for none
     */
    public record Model(List<LayerSpec> layers, Map<String, float[]> weights, Map<String, String> metadata,
                        Normaliser normaliser) {
        /** Copies the layer list into an unmodifiable one. */
        public Model {
            layers = List.copyOf(layers);
        }

        /** A model without a normaliser. */
        public Model(List<LayerSpec> layers, Map<String, float[]> weights, Map<String, String> metadata) {
            this(layers, weights, metadata, null);
        }

        /** The network on {@code backend}, with the file's normaliser; close it when done. */
        public Sequential build(Backend backend) {
            Sequential net = Sequential.fromWeights(backend, layers, weights);
            try {
                return net.setNormaliser(normaliser);
            } catch (RuntimeException e) {
                net.close();
                throw e;
            }
        }

        /** The perceptron the layers describe (as {@link Architecture#of}); fails for other compositions. */
        public Architecture architecture() {
            return Architecture.of(layers).orElseThrow(() -> new IllegalStateException("the model is not a perceptron: "
                    + LayerSpec.describe(layers)));
        }

        /** Features per input row (C*H*W for a net that starts with a conv layer). */
        public int inputs() { return Sequential.inputs(layers); }

        /** Class scores per row. */
        public int outputs() { return layers.get(layers.size() - 1).classScores(); }

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
        Architecture.affineWidths(layers).ifPresent(w -> m.put("architecture", joinWidths(w)));
        Architecture.of(layers).ifPresent(a -> m.put("activation", a.activation().id()));
        m.put("layers", LayerSpec.describe(layers));
        return m;
    }

    private static String joinWidths(int[] widths) {
        return Arrays.stream(widths).mapToObj(Integer::toString).collect(java.util.stream.Collectors.joining("-"));
    }

    /**
     * The network's tensors in layer order, each in the shape its layer kind writes
     * ({@link TensorSpec#shape()}): affine W {@code in x out} and b {@code 1 x out} as the book
     * keeps them, conv W {@code (out, in, kh, kw)} and b {@code [out]} as PyTorch does (the same
     * floats in the same order as the layer's F x (C*K*K) matrix), batch norm {@code [C]}.
     */
    public static List<Tensor> tensors(Sequential net) {
        List<Tensor> out = tensors(net.layerSpecs(), net.weights());
        net.normaliser().ifPresent(n -> n.tensors().forEach((name, v) -> out.add(new Tensor(name, new int[] {v.length}, v))));
        return out;
    }

    /** As {@link #tensors(Sequential)}, for layers and their weights by name (a loaded or imported model). */
    public static List<Tensor> tensors(List<LayerSpec> specs, Map<String, float[]> values) {
        List<String> names = Sequential.names(specs);
        List<Tensor> out = new ArrayList<>();
        for (int i = 0; i < specs.size(); i++) {
            for (TensorSpec t : specs.get(i).tensors(names.get(i))) out.add(new Tensor(t.name(), t.shape(), values.get(t.name())));
        }
        return out;
    }

    /**
     * A model whose metadata lists its layers: every tensor each layer kind keeps must be there in a
     * shape that kind accepts, finite and in range, and the file may hold no tensor the layers do not
     * name (a different network must not load as this one).
     */
    private static Model fromLayerList(Path file, Map<String, Tensor> byName, Map<String, String> meta)
            throws SafetensorsFormatException {
        List<LayerSpec> specs;
        try {
            specs = LayerSpec.parseList(meta.get("layers"));
            Sequential.outputShapes(specs);
        } catch (IllegalArgumentException e) {
            throw new SafetensorsFormatException(file, "metadata layers: " + e.getMessage());
        }
        if (specs.get(specs.size() - 1).classScores() <= 0) {
            throw new SafetensorsFormatException(file, "metadata layers does not end in an affine layer: " + meta.get("layers"));
        }
        String declaredWidths = meta.get("architecture");
        if (declaredWidths != null) {
            String described = Architecture.affineWidths(specs).map(ModelFile::joinWidths).orElse(null);
            if (!declaredWidths.equals(described)) {
                throw new SafetensorsFormatException(file, "metadata says architecture " + declaredWidths + " but its layers are "
                        + meta.get("layers"));
            }
        }
        Map<String, float[]> weights = new LinkedHashMap<>();
        List<String> names = Sequential.names(specs);
        for (int i = 0; i < specs.size(); i++) {
            for (TensorSpec e : specs.get(i).tensors(names.get(i))) {
                Tensor t = byName.get(e.name());
                if (t == null) throw new SafetensorsFormatException(file, "missing tensor " + e.name() + " (metadata layers: "
                        + meta.get("layers") + ")");
                if (!e.accepts(t.shape())) {
                    throw new SafetensorsFormatException(file, "metadata layers says " + e.name() + " is "
                            + Arrays.toString(e.shape()) + " but the tensor is " + Arrays.toString(t.shape()));
                }
                weights.put(e.name(), t.data());
            }
            try {
                specs.get(i).checkTensors(names.get(i), weights);
            } catch (IllegalArgumentException e) {
                throw new SafetensorsFormatException(file, e.getMessage());
            }
        }
        Normaliser normaliser = normaliser(file, byName, Sequential.inputs(specs));
        Set<String> extra = new HashSet<>(byName.keySet());
        extra.removeAll(weights.keySet());
        extra.removeIf(name -> normaliser != null && name.startsWith(Normaliser.PREFIX));
        if (!extra.isEmpty()) {
            throw new SafetensorsFormatException(file, "tensor " + extra.stream().sorted().findFirst().orElseThrow()
                    + " is not part of the network its metadata lists (" + meta.get("layers") + "); the file holds another"
                    + " network or was edited");
        }
        return new Model(specs, weights, meta, normaliser);
    }

    /** The normaliser in the file's tensors ({@link Normaliser#fromTensors}), or null; a damaged one fails naming its tensor. */
    private static Normaliser normaliser(Path file, Map<String, Tensor> byName, int inputs) throws SafetensorsFormatException {
        Map<String, float[]> values = new LinkedHashMap<>();
        for (Tensor t : byName.values()) {
            if (!t.name().startsWith(Normaliser.PREFIX)) continue;
            if (t.rank() != 1) {
                throw new SafetensorsFormatException(file, t.name() + " has shape " + Arrays.toString(t.shape())
                        + "; a normaliser tensor is [" + inputs + "], one value per input feature");
            }
            values.put(t.name(), t.data());
        }
        try {
            return Normaliser.fromTensors(values, inputs).orElse(null);
        } catch (IllegalArgumentException e) {
            throw new SafetensorsFormatException(file, e.getMessage());
        }
    }

    /** Saves atomically (temp file, then rename): a crash never leaves a half-written model. */
    public static void save(Path file, Sequential net, Map<String, String> extraMetadata) throws IOException {
        Map<String, String> meta = architectureMetadata(net.layerSpecs());
        meta.putAll(extraMetadata);
        Safetensors.write(file, meta, tensors(net));
    }

    /** Saves a loaded or imported model atomically, with no device involved. */
    public static void save(Path file, Model model, Map<String, String> extraMetadata) throws IOException {
        Map<String, String> meta = architectureMetadata(model.layers());
        meta.putAll(extraMetadata);
        meta.putAll(architectureMetadata(model.layers()));   // the layers' own description wins over any copied one
        Safetensors.write(file, meta, tensors(model.layers(), model.weights()));
    }

    /** What a model argument should be, for messages. */
    public static final String MODEL_FILE = "a model file (.safetensors written by train --save, or .onnx)";

    /** Reads and validates a model file. */
    public static Model load(Path file) throws IOException {
        InputFiles.require(file, java.util.Set.of(InputFiles.Kind.SAFETENSORS), MODEL_FILE);
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
        if (meta.containsKey("layers")) return fromLayerList(file, byName, meta);
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
        Set<String> extra = new HashSet<>(byName.keySet());
        extra.removeAll(weights.keySet());
        if (!extra.isEmpty()) {
            throw new SafetensorsFormatException(file, "tensor " + extra.stream().sorted().findFirst().orElseThrow()
                    + " is not part of a perceptron of affine layers, and the metadata lists no layers; the file holds"
                    + " another network");
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
        Architecture arch;
        try {
            arch = new Architecture(widths[0], hidden, widths[widths.length - 1], act);
            // Each affine layer within the caps; every tensor finite, checked by its kind as in a layer-list file.
            List<LayerSpec> specs = arch.layers(0f);
            List<String> names = Sequential.names(specs);
            for (int i = 0; i < specs.size(); i++) specs.get(i).checkTensors(names.get(i), weights);
        } catch (IllegalArgumentException e) {
            throw new SafetensorsFormatException(file, e.getMessage());
        }
        return new Model(arch.layers(0f), weights, meta);
    }
}
