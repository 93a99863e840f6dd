package dev.clayers.cli;

import com.google.gson.Gson;
import dev.clayers.backend.Backend;
import dev.clayers.backend.Backends;
import dev.clayers.data.DigitImage;
import dev.clayers.net.ModelFile;
import dev.clayers.net.Sequential;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** Classifies pictures of digits with a saved model. */
@Command(name = "predict",
        footer = {"", "Examples:", "  clayers predict --model m.safetensors seven.png    the digit in a picture", "  clayers predict --model m.safetensors --json *.png one JSON object per picture"}, mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Classifies images (PNG/JPEG, grayscale or colour, any size) and prints the top-3 classes.",
                "Each picture is made MNIST-like: the digit is cropped, scaled into 20x20 and centred by mass in 28x28."})
final class PredictCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, paramLabel = "FILE.safetensors|FILE.onnx",
            description = "Model written by train --save, or an ONNX model (imported; see docs/onnx.md).")
    Path model;

    @Option(names = "--invert", negatable = true,
            description = {"--invert: the pictures show dark ink on a light background (paper); --no-invert: light on dark, as MNIST.",
                    "Neither: decided per picture from its border (a light border means paper), and said on stderr."})
    Boolean invert;

    @Option(names = "--device", defaultValue = "auto", paramLabel = "DEVICE", description = "Device (default: ${DEFAULT-VALUE}).")
    String device;

    @Option(names = "--json", description = "One JSON object per image.")
    boolean json;


    @Parameters(arity = "1..*", paramLabel = "IMAGE", description = "Image files.")
    List<Path> images;

    @Override
    public Integer call() throws Exception {
        ModelFile.Model m = Cli.loadModel(model);
        if (m.inputs() != DigitImage.SIZE * DigitImage.SIZE) {
            throw new IllegalArgumentException(model + " expects " + m.inputs() + " inputs, not 28x28 images");
        }
        List<float[]> inputs = new ArrayList<>();
        for (Path p : images) {   // every file checked before any output
            DigitImage.Loaded l = DigitImage.load(p, invert);
            if (invert == null && l.inverted()) {
                System.err.println("predict: " + p + " looks like dark ink on a light background (its border is light); "
                        + "inverted it as MNIST is light on dark (--no-invert keeps it as it is)");
            }
            inputs.add(l.pixels());
        }
        int n = inputs.size(), classes = m.outputs();
        double[][] probabilities;
        try (Backend be = Backends.open(device); Sequential net = m.build(be)) {
            probabilities = net.predictProbabilities(inputs.toArray(new float[0][]));
        }
        // Finite weights can still overflow (|w| near the float maximum); say so rather than print NaN.
        for (int i = 0; i < n; i++) {
            for (double v : probabilities[i]) {
                if (!Double.isFinite(v)) {
                    throw new IllegalArgumentException(model + " gives non-finite probabilities for " + images.get(i)
                            + ": its weights are too large to compute with; retrain it (a lower learning rate)");
                }
            }
        }
        for (int i = 0; i < n; i++) {
            double[] p = probabilities[i];
            Integer[] order = new Integer[classes];
            for (int j = 0; j < classes; j++) order[j] = j;
            java.util.Arrays.sort(order, (a, b) -> Double.compare(p[b], p[a]));
            int k = Math.min(3, classes);
            if (json) {
                Map<String, Object> o = new LinkedHashMap<>();
                o.put("image", images.get(i).toString());
                List<Map<String, Object>> top = new ArrayList<>();
                for (int r = 0; r < k; r++) {
                    // A LinkedHashMap, not Map.of, whose iteration order changes from run to run.
                    Map<String, Object> entry = new LinkedHashMap<>();
                    entry.put("class", order[r]);
                    entry.put("probability", p[order[r]]);
                    top.add(entry);
                }
                o.put("top", top);
                System.out.println(new Gson().toJson(o));
            } else {
                StringBuilder sb = new StringBuilder(images.get(i).toString()).append(':');
                for (int r = 0; r < k; r++) sb.append(String.format("  %d (%.3f)", order[r], p[order[r]]));
                System.out.println(sb);
            }
        }
        return 0;
    }
}
