package dev.clayers.train;

import com.google.gson.Gson;
import com.google.gson.JsonParseException;
import com.google.gson.reflect.TypeToken;
import dev.clayers.backend.Backend;
import dev.clayers.backend.Matrix;
import dev.clayers.io.ModelFile;
import dev.clayers.io.Safetensors;
import dev.clayers.io.SafetensorsFile;
import dev.clayers.io.SafetensorsFormatException;
import dev.clayers.io.Tensor;
import dev.clayers.net.Architecture;
import dev.clayers.net.Sequential;
import dev.clayers.net.WeightInit;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The latest state of a training run, kept as {@code DIR/checkpoint.safetensors}: the weights,
 * the optimizer's state tensors ({@code optimizer/affine1.W.m}), and in the metadata the epoch
 * just finished, the optimizer's step count, the configuration and the metrics so far. No RNG
 * state is needed: each epoch's batch order is derived from the seed and the epoch number.
 * Written atomically, so an interrupted run loses at most the epoch in progress.
 */
public final class Checkpoint {
    public static final String FILE = "checkpoint.safetensors";
    private static final String OPT = "optimizer/";
    private static final Gson GSON = new Gson();

    private Checkpoint() {}

    /** What a checkpoint holds, read back. */
    public record State(TrainConfig config, String data, int epoch, long optimizerSteps, List<EpochMetrics> metrics,
                        ModelFile.Model model, Map<String, float[]> optimizerState) {}

    public static Path file(Path dir) { return dir.resolve(FILE); }

    public static void save(Path dir, Sequential net, Optimizer opt, TrainConfig config, String data, int epoch,
                            List<EpochMetrics> metrics) throws IOException {
        List<Tensor> tensors = new ArrayList<>(ModelFile.tensors(net));
        Backend be = net.backend();
        for (Map.Entry<String, Matrix> e : opt.state(net.params()).entrySet()) {
            Matrix m = e.getValue();
            tensors.add(Tensor.matrix(OPT + e.getKey(), m.rows(), m.cols(), be.download(m)));
        }
        Map<String, String> meta = ModelFile.architectureMetadata(net.architecture());
        meta.put("checkpoint_epoch", Integer.toString(epoch));
        meta.put("optimizer_steps", Long.toString(opt.steps()));
        meta.put("config", GSON.toJson(configMap(config)));
        meta.put("data", data);
        meta.put("metrics", GSON.toJson(metrics));
        Files.createDirectories(dir);
        Safetensors.write(file(dir), meta, tensors);
    }

    public static State load(Path dir) throws IOException {
        Path f = file(dir);
        if (!Files.isRegularFile(f)) {
            throw new java.nio.file.NoSuchFileException(f.toString(), null, "no checkpoint to resume from (expected "
                    + FILE + " written by train --checkpoint-dir)");
        }
        SafetensorsFile sf = Safetensors.read(f);
        List<Tensor> weights = new ArrayList<>();
        Map<String, float[]> optState = new LinkedHashMap<>();
        for (Tensor t : sf.tensors()) {
            if (t.name().startsWith(OPT)) optState.put(t.name().substring(OPT.length()), t.data());
            else weights.add(t);
        }
        ModelFile.Model model = ModelFile.fromFile(f, new SafetensorsFile(sf.metadata(), weights));
        Map<String, String> meta = sf.metadata();
        try {
            int epoch = Integer.parseInt(require(f, meta, "checkpoint_epoch"));
            long steps = Long.parseLong(require(f, meta, "optimizer_steps"));
            Map<String, String> cm = GSON.fromJson(require(f, meta, "config"), new TypeToken<Map<String, String>>() {}.getType());
            TrainConfig config = config(cm, model.architecture());
            EpochMetrics[] ms = GSON.fromJson(require(f, meta, "metrics"), EpochMetrics[].class);
            return new State(config, require(f, meta, "data"), epoch, steps, List.of(ms), model, optState);
        } catch (NumberFormatException | JsonParseException | NullPointerException e) {
            throw new SafetensorsFormatException(f, "checkpoint metadata is damaged: " + e.getMessage());
        }
    }

    /** Writes the saved optimizer state into the optimizer's device buffers. */
    public static void restore(State state, Sequential net, Optimizer opt) {
        opt.setSteps(state.optimizerSteps());
        for (Map.Entry<String, Matrix> e : opt.state(net.params()).entrySet()) {
            float[] v = state.optimizerState().get(e.getKey());
            if (v == null) {
                throw new IllegalArgumentException("checkpoint lacks optimizer state " + e.getKey() + " for optimizer "
                        + opt.kind());
            }
            net.backend().write(e.getValue(), v);
        }
    }

    private static String require(Path f, Map<String, String> meta, String key) throws SafetensorsFormatException {
        String v = meta.get(key);
        if (v == null) throw new SafetensorsFormatException(f, "not a checkpoint: metadata lacks " + key);
        return v;
    }

    private static Map<String, String> configMap(TrainConfig c) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("init", c.init().toString());
        m.put("optimizer", c.optimizer());
        m.put("lr", Float.toString(c.learningRate()));
        m.put("batch", Integer.toString(c.batch()));
        m.put("epochs", Integer.toString(c.epochs()));
        m.put("seed", Long.toString(c.seed()));
        m.put("book_iterations", Integer.toString(c.bookIterations()));
        m.put("weight_decay", Float.toString(c.weightDecay()));
        m.put("dropout", Float.toString(c.dropout()));
        m.put("augment", Integer.toString(c.augment()));
        m.put("schedule", c.schedule());
        return m;
    }

    private static TrainConfig config(Map<String, String> m, Architecture arch) {
        return new TrainConfig(arch, WeightInit.parse(m.get("init")), m.get("optimizer"), Float.parseFloat(m.get("lr")),
                Integer.parseInt(m.get("batch")), Integer.parseInt(m.get("epochs")), Long.parseLong(m.get("seed")),
                Integer.parseInt(m.get("book_iterations")), Float.parseFloat(m.get("weight_decay")),
                Float.parseFloat(m.get("dropout")), Integer.parseInt(m.get("augment")),
                m.get("schedule"));
    }

    /** Settings as metadata strings for a saved model. */
    public static Map<String, String> settingsMetadata(TrainConfig c, String data) {
        Map<String, String> m = new LinkedHashMap<>(configMap(c));
        m.put("data", data);
        return m;
    }

}
