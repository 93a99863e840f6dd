package dev.clayers.net;



import dev.clayers.backend.Backend;
import dev.clayers.backend.IntVector;
import dev.clayers.backend.Matrix;
import dev.clayers.backend.TestDevices;
import dev.clayers.data.MnistDataset;
import dev.clayers.net.Activation;
import dev.clayers.net.ImageShape;
import dev.clayers.net.NetSpec;
import dev.clayers.net.Sequential;
import dev.clayers.net.WeightInit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A saved conv net means in PyTorch's layout what it means here: {@code scripts/conv_model_check.py}
 * runs the file in NumPy with PyTorch's conventions (conv weights (out, in, kh, kw), NCHW,
 * flatten in C, H, W order, batch norm from the running averages) and must print the logits Java
 * computes. Skipped when python3 or NumPy is absent.
 */
class ConvModelPythonTest {
    private static final Path SCRIPT = Path.of("scripts", "conv_model_check.py");
    private static final Path TEST_IMAGES = Path.of("src", "main", "resources", "dev", "clayers", "data", "mnist-bundled",
            "t10k-images-idx3-ubyte.gz");

    @Test
    void numpyWithPyTorchConventionsGivesTheSameLogits(@TempDir Path dir) throws Exception {
        // Stride 2 and padding, two convs, batch norm after a conv and an affine layer, overlapping pooling.
        var layers = NetSpec.parse("conv6k3s2p1bn-conv5k3p1-pool3s2-12bn", new ImageShape(1, 28, 28), 10, Activation.RELU, 0f);
        int n = 20;
        float[] images = Arrays.copyOf(MnistDataset.bundled().test().images(), n * 784);
        Path file = dir.resolve("cnn.safetensors");
        float[] logits;
        try (Backend be = TestDevices.open("cpu"); Sequential net = Sequential.of(be, WeightInit.HE, 9, layers);
             Matrix x = be.upload(images, n, 784); IntVector t = be.uploadInts(new int[n])) {
            for (int i = 0; i < 3; i++) net.gradient(x, t);   // running averages away from (0, 1)
            logits = be.download(net.predict(x));
            ModelFile.save(file, net, Map.of());
        }
        Process python;
        try {
            python = new ProcessBuilder(List.of("python3", SCRIPT.toString(), file.toString(), TEST_IMAGES.toString(),
                    Integer.toString(n))).redirectErrorStream(true).start();
        } catch (IOException e) {
            Assumptions.abort("python3 is not on PATH: " + e.getMessage());
            return;
        }
        String out = new String(python.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(python.waitFor(60, TimeUnit.SECONDS), "python3 did not finish");
        Assumptions.assumeFalse(python.exitValue() == 3, "NumPy is not installed");
        assertEquals(0, python.exitValue(), out);
        List<String> rows = out.lines().toList();
        assertEquals(n, rows.size(), out);
        for (int i = 0; i < n; i++) {
            String[] v = rows.get(i).trim().split(" ");
            assertEquals(10, v.length, rows.get(i));
            for (int j = 0; j < 10; j++) {
                // float32 here, float64 there, through two convs and two norms
                assertEquals(Double.parseDouble(v[j]), logits[i * 10 + j], 1e-4 * Math.max(1, Math.abs(logits[i * 10 + j])),
                        "image " + i + " class " + j);
            }
        }
    }
}
