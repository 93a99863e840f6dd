package dev.clayers.train;

import com.google.gson.Gson;
import com.google.gson.JsonParseException;
import com.google.gson.reflect.TypeToken;
import dev.clayers.backend.Backend;
import dev.clayers.backend.Matrix;
import dev.clayers.net.ModelFile;
import dev.clayers.io.Safetensors;
import dev.clayers.io.SafetensorsFile;
import dev.clayers.io.SafetensorsFormatException;
import dev.clayers.io.Tensor;
import dev.clayers.net.Sequential;

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
    /** Name of the checkpoint file in the checkpoint folder. */
    public static final String FILE = "checkpoint.safetensors";
    private static final String OPT = "optimizer/";
    // NaN is kept: an epoch without a validation set has no validation loss.
    private static final Gson GSON = new com.google.gson.GsonBuilder().serializeSpecialFloatingPointValues().create();

    private Checkpoint() {}

    /**
     * What a checkpoint holds, read back.
     *
     * @param options  the run's options (listener, checkpoint directory and stop epoch are not kept)
     * @param settings the options as saved, plus the run's {@link FitOptions#checkpointMetadata()}
     *                 (and {@code data}, where the data came from, when it was given)
     * @param epoch          the last finished epoch; a resumed run starts after it
     * @param optimizerSteps updates applied so far (Adam's bias correction)
     * @param metrics        one entry per finished epoch
     * @param model          the network after {@code epoch}
     * @param optimizerState the optimizer's per-parameter buffers by name (momentum, squared-gradient averages)
     */
    public record State(FitOptions options, Map<String, String> settings, int epoch, long optimizerSteps,
                        List<EpochMetrics> metrics, ModelFile.Model model, Map<String, float[]> optimizerState) {
        /** {@link #settings()}'s {@code data}, or {@code fallback}. */
        public String data(String fallback) { return settings.getOrDefault("data", fallback); }
    }

    /** The checkpoint file in {@code dir}. */
    public static Path file(Path dir) { return dir.resolve(FILE); }

    /** Saves atomically: the network, the optimizer state, the options, the epoch just finished and the metrics so far. */
    public static void save(Path dir, Sequential net, Optimizer opt, FitOptions options, int epoch,
                            List<EpochMetrics> metrics) throws IOException {
        List<Tensor> tensors = new ArrayList<>(ModelFile.tensors(net));
        Backend be = net.backend();
        for (Map.Entry<String, Matrix> e : opt.state(net.params()).entrySet()) {
            Matrix m = e.getValue();
            tensors.add(Tensor.matrix(OPT + e.getKey(), m.rows(), m.cols(), be.download(m)));
        }
        Map<String, String> meta = ModelFile.architectureMetadata(net.layerSpecs());
        meta.put("checkpoint_epoch", Integer.toString(epoch));
        meta.put("optimizer_steps", Long.toString(opt.steps()));
        Map<String, String> config = new LinkedHashMap<>(options.checkpointMetadata());
        String data = config.remove("data");
        config.putAll(options.settings());
        meta.put("config", GSON.toJson(config));
        if (data != null) meta.put("data", data);
        meta.put("metrics", GSON.toJson(metrics));
        Files.createDirectories(dir);
        Safetensors.write(file(dir), meta, tensors);
    }

    /** The file {@link FitOptions#keepBest()} keeps the best epoch's network in. */
    public static final String BEST_FILE = "best.safetensors";

    /**
     * Saves the network as it is now as {@code DIR/best.safetensors}, a model file that {@code eval}
     * and {@code predict} read, with the epoch and its figures in the metadata.
     */
    public static void saveBest(Path dir, Sequential net, FitOptions options, int epoch, EpochMetrics m) throws IOException {
        Map<String, String> meta = new LinkedHashMap<>(options.settings());
        meta.put("best_epoch", Integer.toString(epoch));
        meta.put("train_loss", Double.toString(m.trainLoss()));
        meta.put("validation_loss", Double.toString(m.validationLoss()));
        meta.put("validation_accuracy", Double.toString(m.validationAccuracy()));
        Files.createDirectories(dir);
        ModelFile.save(dir.resolve(BEST_FILE), net, meta);
    }

    /**
     * Reads the checkpoint in {@code dir}, as written after an epoch, to resume the run.
     *
     * @throws java.nio.file.NoSuchFileException when {@code dir} holds no checkpoint
     * @throws IOException when the file cannot be read or is not a checkpoint
     */
    public static State load(Path dir) throws IOException {
        if (Files.exists(dir) && !Files.isDirectory(dir)) {
            throw new dev.clayers.io.InputFiles.WrongFileKindException(dir + " is " + dev.clayers.io.InputFiles.describe(dir)
                    + ", not a checkpoint folder (the --checkpoint-dir of an earlier train)");
        }
        Path f = file(dir);
        if (Files.exists(f)) {
            dev.clayers.io.InputFiles.require(f, java.util.Set.of(dev.clayers.io.InputFiles.Kind.SAFETENSORS),
                    "a checkpoint (" + FILE + ", written by train --checkpoint-dir)");
        }
        if (!Files.isRegularFile(f)) {
            throw new java.nio.file.NoSuchFileException(f.toString(), null, "no checkpoint to resume from (expected "
                    + FILE + ", written by a run with a checkpoint directory)");
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
            FitOptions options = FitOptions.fromSettings(cm).build();
            Map<String, String> settings = new LinkedHashMap<>(cm);
            if (meta.containsKey("data")) settings.put("data", meta.get("data"));
            EpochMetrics[] ms = GSON.fromJson(require(f, meta, "metrics"), EpochMetrics[].class);
            checkProgress(f, epoch, steps, options, ms);
            return new State(options, settings, epoch, steps, List.of(ms), model, optState);
        } catch (NumberFormatException | JsonParseException | NullPointerException e) {
            throw new SafetensorsFormatException(f, "checkpoint metadata is damaged: " + oneLine(e));
        }
    }

    /**
     * The epoch, step count and metrics must describe a run that could have written them: a
     * tampered epoch of -5 would train epochs -4, -3, ... and overwrite the checkpoint.
     */
    private static void checkProgress(Path f, int epoch, long steps, FitOptions options, EpochMetrics[] metrics)
            throws SafetensorsFormatException {
        String damaged = "checkpoint metadata is damaged: ";
        if (epoch < 1 || epoch > options.epochs()) {
            throw new SafetensorsFormatException(f, damaged + "checkpoint_epoch " + epoch + " is not in 1.." + options.epochs()
                    + " (the run's epochs)");
        }
        if (steps < 0) throw new SafetensorsFormatException(f, damaged + "optimizer_steps " + steps + " is negative");
        if (metrics == null || metrics.length != epoch) {
            throw new SafetensorsFormatException(f, damaged + "metrics has " + (metrics == null ? 0 : metrics.length)
                    + " epochs but checkpoint_epoch is " + epoch);
        }
        for (int i = 0; i < metrics.length; i++) {
            EpochMetrics m = metrics[i];
            if (m == null || m.epoch() != i + 1) {
                throw new SafetensorsFormatException(f, damaged + "metrics entry " + (i + 1) + " is not epoch " + (i + 1));
            }
            // A run that saved this epoch had a finite training loss (else it stopped), NaN for an
            // epoch of no iterations; a validation loss is NaN without a validation set.
            if (m.iterations() < 0 || m.trainLoss() < 0 || m.trainLoss() == Double.POSITIVE_INFINITY
                    || !(m.trainAccuracy() >= 0 && m.trainAccuracy() <= 1)
                    || m.testLoss() < 0 || m.testLoss() == Double.POSITIVE_INFINITY || m.testAccuracy() < 0 || m.testAccuracy() > 1) {
                throw new SafetensorsFormatException(f, damaged + "metrics entry " + (i + 1) + " holds numbers no run writes: "
                        + "iterations " + m.iterations() + ", train loss " + m.trainLoss() + ", train accuracy " + m.trainAccuracy()
                        + ", validation loss " + m.testLoss() + ", validation accuracy " + m.testAccuracy());
            }
        }
    }

    /**
     * The parser's complaint on one line: Gson appends a second line (a troubleshooting link) and
     * wraps its own exceptions, whose class name leads the message.
     */
    private static String oneLine(Exception e) {
        String m = e.getMessage();
        if (m == null || m.isBlank()) return e.getClass().getSimpleName();
        m = m.lines().findFirst().orElse("");
        return m.replaceFirst("^(java|com)\\.[\\w.]+\\.\\w+(Exception|Error): ", "");
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
            opt.checkState(e.getKey(), e.getValue(), v);
            net.backend().write(e.getValue(), v);
        }
    }

    private static String require(Path f, Map<String, String> meta, String key) throws SafetensorsFormatException {
        String v = meta.get(key);
        if (v == null) throw new SafetensorsFormatException(f, "not a checkpoint: metadata lacks " + key);
        return v;
    }
}
