package dev.clayers.io;

import dev.clayers.backend.Backend;
import dev.clayers.layer.Param;
import dev.clayers.net.Activation;
import dev.clayers.net.Architecture;
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
 * layout), {@code affine1.b} (1 x out, or [out] from other writers), ... and, in
 * {@code __metadata__}, the architecture plus whatever the caller adds (training settings,
 * accuracies).
 */
public final class ModelFile {
    private static final Logger log = LoggerFactory.getLogger(ModelFile.class);

    public static final String FORMAT = "clayers-mlp/1";

    private ModelFile() {}

    /** A loaded model: the architecture, the weights by name and the file's metadata. */
    public record Model(Architecture architecture, Map<String, float[]> weights, Map<String, String> metadata) {
        public Sequential build(Backend backend) {
            return Sequential.fromWeights(backend, architecture, weights);
        }
    }

    /** Metadata describing an architecture. */
    public static Map<String, String> architectureMetadata(Architecture a) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("format", FORMAT);
        m.put("architecture", a.describe());
        m.put("activation", a.activation().id());
        return m;
    }

    /** The network's parameters as tensors, in layer order. */
    public static List<Tensor> tensors(Sequential net) {
        List<Tensor> out = new ArrayList<>();
        for (Param p : net.params()) {
            out.add(Tensor.matrix(p.name(), p.value().rows(), p.value().cols(), net.backend().download(p.value())));
        }
        return out;
    }

    /** Saves atomically (temp file, then rename): a crash never leaves a half-written model. */
    public static void save(Path file, Sequential net, Map<String, String> extraMetadata) throws IOException {
        Map<String, String> meta = architectureMetadata(net.architecture());
        meta.putAll(extraMetadata);
        Safetensors.write(file, meta, tensors(net));
    }

    /** Reads and validates a model file. */
    public static Model load(Path file) throws IOException {
        return fromFile(file, Safetensors.read(file));
    }

    /**
     * Interprets a safetensors file as a model: from its metadata when it has an
     * {@code architecture} entry, else from the shapes of {@code affineN.W} (activation relu).
     */
    public static Model fromFile(Path file, SafetensorsFile sf) throws SafetensorsFormatException {
        Map<String, Tensor> byName = new LinkedHashMap<>();
        for (Tensor t : sf.tensors()) byName.put(t.name(), t);
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
        Map<String, String> meta = sf.metadata();
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
        String declared = meta.get("architecture");
        if (declared != null && !declared.equals(arch.describe())) {
            throw new SafetensorsFormatException(file, "metadata says architecture " + declared + " but the tensors are "
                    + arch.describe());
        }
        return new Model(arch, weights, meta);
    }
}
