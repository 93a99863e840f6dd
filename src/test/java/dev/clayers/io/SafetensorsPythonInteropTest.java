package dev.clayers.io;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Checks that Python sees what clayers wrote: {@code scripts/safetensors_check.py} prints each
 * tensor's name, shape and sum, which must match Java's. Runs once with the script's default (NumPy
 * when installed) and once forced to the standard library; skipped when {@code python3} is absent.
 */
class SafetensorsPythonInteropTest {
    private static final Path SCRIPT = Path.of("scripts", "safetensors_check.py");

    @TempDir
    Path dir;

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"default", "--stdlib"})
    void pythonReadsTheSameTensors(String mode) throws IOException, InterruptedException {
        List<Tensor> tensors = List.of(
                Tensor.matrix("affine1.W", 784, 100, SafetensorsTest.random(784 * 100, 11)),
                new Tensor("affine1.b", new int[] {100}, SafetensorsTest.random(100, 12)),
                Tensor.matrix("odd", 7, 33, SafetensorsTest.random(7 * 33, 13)),
                Tensor.matrix("one", 1, 1, new float[] {-0.125f}));
        Path file = dir.resolve("model.safetensors");
        Safetensors.write(file, Map.of("architecture", "784-100-10"), tensors);

        List<String> command = new ArrayList<>(List.of("python3", SCRIPT.toString()));
        if (!mode.equals("default")) {
            command.add(mode);
        }
        command.add(file.toString());
        Process python;
        try {
            python = new ProcessBuilder(command).redirectErrorStream(true).start();
        } catch (IOException e) {
            Assumptions.abort("python3 is not on PATH: " + e.getMessage());
            return;
        }
        String output = new String(python.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(python.waitFor(60, TimeUnit.SECONDS), "python3 did not finish");
        assertEquals(0, python.exitValue(), output);

        List<String> lines = output.lines().toList();
        assertEquals(tensors.size(), lines.size(), output);
        for (int i = 0; i < tensors.size(); i++) {
            Tensor t = tensors.get(i);
            String[] fields = lines.get(i).split("\t");
            assertEquals(t.name(), fields[0], output);
            assertEquals(t.rank() == 1 ? "" + t.dim(0) : t.dim(0) + "x" + t.dim(1), fields[1], output);
            double javaSum = 0;
            for (float v : t.data()) {
                javaSum += v;
            }
            // Python sums in float64 too, but pairwise (NumPy) or exactly (fsum): only rounding may differ.
            assertEquals(javaSum, Double.parseDouble(fields[2]), 1e-9 * (1 + Math.abs(javaSum)), t.name());
        }
    }
}
