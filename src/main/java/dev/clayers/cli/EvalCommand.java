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
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;

/** Loss, accuracy and confusion matrix of a saved model on a test set. */
@Command(name = "eval", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Evaluates a saved model on the test split: loss, accuracy and a confusion matrix (rows: true class).")
final class EvalCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, paramLabel = "FILE.safetensors", description = "Model written by train --save.")
    Path model;

    @Option(names = "--data", paramLabel = "bundled|DIR", description = "Data to evaluate on (default: the model's training data).")
    String data;

    @Option(names = "--device", defaultValue = "auto", paramLabel = "D", description = "Device (default: ${DEFAULT-VALUE}).")
    String device;

    @Option(names = "--json", description = "Print one JSON object.")
    boolean json;


    @Override
    public Integer call() throws Exception {
        ModelFile.Model m = ModelFile.load(model);
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
            System.out.println(new GsonBuilder().serializeSpecialFloatingPointValues().create().toJson(o));
            return 0;
        }
        System.out.printf("model %s (%s) on %s test split, device %s%n", model, m.describe(), dataSpec, deviceId);
        System.out.printf("loss %.4f  accuracy %.4f (%d/%d)%n", ev.loss(), ev.accuracy(), ev.correct(), ev.total());
        System.out.println("confusion matrix (rows: true class, columns: predicted):");
        long[][] cm = ev.confusion();
        StringBuilder head = new StringBuilder("      ");
        for (int j = 0; j < cm.length; j++) head.append(String.format("%6d", j));
        System.out.println(head);
        for (int i = 0; i < cm.length; i++) {
            StringBuilder row = new StringBuilder(String.format("%6d", i));
            for (long v : cm[i]) row.append(String.format("%6d", v));
            System.out.println(row);
        }
        return 0;
    }
}
