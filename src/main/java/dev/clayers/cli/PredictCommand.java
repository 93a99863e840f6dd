package dev.clayers.cli;

import com.google.gson.Gson;
import dev.clayers.backend.Backend;
import dev.clayers.backend.Backends;
import dev.clayers.backend.Matrix;
import dev.clayers.data.DigitImage;
import dev.clayers.io.ModelFile;
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
@Command(name = "predict", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Classifies images (PNG/JPEG, grayscale or colour, any size) and prints the top-3 classes.",
                "Each picture is made MNIST-like: the digit is cropped, scaled into 20x20 and centred by mass in 28x28."})
final class PredictCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, paramLabel = "FILE.safetensors", description = "Model written by train --save.")
    Path model;

    @Option(names = "--invert", description = "The pictures show dark ink on a light background (paper); MNIST is light on dark.")
    boolean invert;

    @Option(names = "--device", defaultValue = "cpu", paramLabel = "D", description = "Device (default: ${DEFAULT-VALUE}).")
    String device;

    @Option(names = "--json", description = "One JSON object per image.")
    boolean json;


    @Parameters(arity = "1..*", paramLabel = "IMAGE", description = "Image files.")
    List<Path> images;

    @Override
    public Integer call() throws Exception {
        ModelFile.Model m = ModelFile.load(model);
        if (m.architecture().input() != DigitImage.SIZE * DigitImage.SIZE) {
            throw new IllegalArgumentException(model + " expects " + m.architecture().input() + " inputs, not 28x28 images");
        }
        List<float[]> inputs = new ArrayList<>();
        for (Path p : images) inputs.add(DigitImage.load(p, invert));   // every file checked before any output
        int n = inputs.size(), features = m.architecture().input(), classes = m.architecture().output();
        float[] x = new float[n * features];
        for (int i = 0; i < n; i++) System.arraycopy(inputs.get(i), 0, x, i * features, features);
        float[] logits;
        try (Backend be = Backends.open(device); Sequential net = m.build(be); Matrix xm = be.upload(x, n, features)) {
            logits = be.download(net.predict(xm));
        }
        for (int i = 0; i < n; i++) {
            double[] p = softmax(logits, i * classes, classes);
            Integer[] order = new Integer[classes];
            for (int j = 0; j < classes; j++) order[j] = j;
            java.util.Arrays.sort(order, (a, b) -> Double.compare(p[b], p[a]));
            int k = Math.min(3, classes);
            if (json) {
                Map<String, Object> o = new LinkedHashMap<>();
                o.put("image", images.get(i).toString());
                List<Map<String, Object>> top = new ArrayList<>();
                for (int r = 0; r < k; r++) top.add(Map.of("class", order[r], "probability", p[order[r]]));
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

    private static double[] softmax(float[] z, int base, int n) {
        double max = Double.NEGATIVE_INFINITY;
        for (int j = 0; j < n; j++) max = Math.max(max, z[base + j]);
        double[] p = new double[n];
        double sum = 0;
        for (int j = 0; j < n; j++) sum += p[j] = Math.exp(z[base + j] - max);
        for (int j = 0; j < n; j++) p[j] /= sum;
        return p;
    }
}
