package dev.clayers.cli;

import com.google.gson.GsonBuilder;
import dev.clayers.backend.Backend;
import dev.clayers.backend.Backends;
import dev.clayers.data.DataSplit;
import dev.clayers.data.Dataset;
import dev.clayers.net.ModelFile;
import dev.clayers.net.Evaluation;
import dev.clayers.net.Sequential;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * Loss, accuracy, a classification report (per-class precision, recall, F1, their averages,
 * top-k accuracy) and the confusion matrix of a saved model on a test set. A model saved with a
 * normaliser has it applied ({@link Sequential#evaluate}).
 */
@Command(name = "eval",
        footer = {"", "Examples:", "  clayers eval --model m.safetensors                 accuracy on the data the model was trained on", "  clayers eval --model m.onnx --data mnist/ --json   an ONNX model on a folder of MNIST files"}, mixinStandardHelpOptions = true, sortOptions = false,
        description = "Evaluates a saved model on the test split: loss, accuracy, per-class precision, recall and F1,"
                + " top-k accuracy and a confusion matrix (rows: true class).")
final class EvalCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, paramLabel = "FILE.safetensors|FILE.onnx",
            description = "Model written by train --save, or an ONNX model (imported; see docs/onnx.md).")
    Path model;

    @Option(names = "--data", paramLabel = "DATA", description = "Data to evaluate on (default: the model's training data).")
    String data;

    @Option(names = "--device", defaultValue = "auto", paramLabel = "DEVICE", description = "Device (default: ${DEFAULT-VALUE}).")
    String device;

    @Option(names = "--json", description = "Print one JSON object.")
    boolean json;


    @Override
    public Integer call() throws Exception {
        ModelFile.Model m = Cli.loadModel(model);
        String dataSpec = data != null ? data : m.metadata().getOrDefault("data", "bundled");
        DataSplit split = Cli.loadData(dataSpec);
        Dataset test = split.test();
        if (test.features() != m.inputs()) {
            throw new IllegalArgumentException(model + " expects " + m.inputs() + " inputs but " + dataSpec
                    + " has images of " + test.imageHeight() + "x" + test.imageWidth() + " (" + test.features() + ")");
        }
        if (test.classes() > m.outputs()) {
            throw new IllegalArgumentException(model + " has " + m.outputs() + " outputs but " + dataSpec
                    + " has " + test.classes() + " classes");
        }
        Evaluation ev;
        String deviceId;
        try (Backend be = Backends.open(device); Sequential net = m.build(be)) {
            ev = net.evaluate(test);
            deviceId = be.id();
        }
        if (json) {
            Map<String, Object> o = new LinkedHashMap<>();
            o.put("model", model.toString());
            o.put("architecture", m.describe());
            o.put("data", dataSpec);
            o.put("device", deviceId);
            o.put("images", ev.total());
            o.put("loss", ev.loss());
            o.put("accuracy", ev.accuracy());
            o.put("correct", ev.correct());
            o.put("confusion", ev.confusion());
            o.put("report", report(ev));
            System.out.println(new GsonBuilder().serializeSpecialFloatingPointValues().create().toJson(o));
            return 0;
        }
        System.out.printf("model %s (%s) on %s test split, device %s%n", model, m.describe(), dataSpec, deviceId);
        System.out.printf("loss %.4f  accuracy %.4f (%d/%d)%n", ev.loss(), ev.accuracy(), ev.correct(), ev.total());
        System.out.println();
        System.out.print(ev.report());   // ends with the confusion matrix eval has always printed
        return 0;
    }

    /**
     * The report as JSON: {@code classes} (label, precision, recall, f1, support per class that
     * occurs), {@code macro_avg}, {@code weighted_avg}, {@code top_k} (k to accuracy for k = 1, 2,
     * 3, 5 below the number of outputs) and {@code text} (what eval prints).
     */
    static Map<String, Object> report(Evaluation ev) {
        Map<String, Object> r = new LinkedHashMap<>();
        List<Map<String, Object>> classes = new ArrayList<>();
        for (Evaluation.ClassScores c : ev.classScores()) classes.add(scores(c));
        r.put("classes", classes);
        r.put("macro_avg", scores(ev.macroAverage()));
        r.put("weighted_avg", scores(ev.weightedAverage()));
        Map<String, Double> topK = new LinkedHashMap<>();
        for (int k : new int[] {1, 2, 3, 5}) {
            if (k == 1 || k < ev.rankCounts().length) topK.put(Integer.toString(k), ev.topKAccuracy(k));
        }
        r.put("top_k", topK);
        r.put("text", ev.report());
        return r;
    }

    private static Map<String, Object> scores(Evaluation.ClassScores c) {
        Map<String, Object> m = new LinkedHashMap<>();
        if (c.label() >= 0) m.put("label", c.label());
        m.put("precision", c.precision());
        m.put("recall", c.recall());
        m.put("f1", c.f1());
        m.put("support", c.support());
        return m;
    }
}
