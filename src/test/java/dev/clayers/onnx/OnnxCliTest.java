package dev.clayers.onnx;

import dev.clayers.cli.Main;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The commands around ONNX, end to end: a PyTorch CNN imported to a model file, exported again
 * (ONNX Runtime then gives PyTorch's logits), evaluated straight from the .onnx file, fine-tuned
 * with {@code train --from}; a bad output path is refused before any work.
 */
class OnnxCliTest {
    record Run(int code, String out, String err) {}

    static synchronized Run run(String... args) {
        PrintStream out = System.out, err = System.err;
        ByteArrayOutputStream o = new ByteArrayOutputStream(), e = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(o, true));
            System.setErr(new PrintStream(e, true));
            int code = Main.run(args);
            return new Run(code, o.toString(), e.toString());
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
    }

    @Test
    void importExportEvalAndFineTune(@TempDir Path dir) throws Exception {
        Path cnn = OnnxPyTorchTest.fixture("cnn.onnx");
        Path model = dir.resolve("cnn.safetensors");
        Run imp = run("import", "--onnx", cnn.toString(), "--model", model.toString());
        assertEquals(0, imp.code(), imp.err());
        assertTrue(imp.out().contains("conv(1x28x28,4,3,1,1)"), imp.out());

        Path again = dir.resolve("again.onnx");
        Run exp = run("export", "--model", model.toString(), "--onnx", again.toString(), "--softmax");
        assertEquals(0, exp.code(), exp.err());
        // The re-exported file (with a softmax) in ONNX Runtime: PyTorch's logits, through a softmax.
        float[] logits = OnnxPyTorchTest.recordedLogits("cnn");
        int batch = logits.length / 10;
        float[] p = OnnxTesting.runtime(Files.readAllBytes(again), OnnxTesting.digits(batch), new long[] {batch, 1, 28, 28});
        double diff = 0;
        for (int r = 0; r < batch; r++) {
            double max = Double.NEGATIVE_INFINITY, sum = 0;
            for (int c = 0; c < 10; c++) max = Math.max(max, logits[r * 10 + c]);
            for (int c = 0; c < 10; c++) sum += Math.exp(logits[r * 10 + c] - max);
            for (int c = 0; c < 10; c++) diff = Math.max(diff, Math.abs(Math.exp(logits[r * 10 + c] - max) / sum - p[r * 10 + c]));
        }
        assertTrue(diff < 1e-5, "probabilities differ by " + diff);

        Run eval = run("eval", "--model", cnn.toString(), "--device", "cpu", "--json");
        assertEquals(0, eval.code(), eval.err());
        double accuracy = Double.parseDouble(eval.out().replaceAll("(?s).*\"accuracy\":([0-9.]+).*", "$1"));
        assertTrue(accuracy > 0.8, "the PyTorch CNN's accuracy on the bundled test digits: " + accuracy);

        Path tuned = dir.resolve("tuned.safetensors");
        Run train = run("train", "--from", cnn.toString(), "--epochs", "1", "--device", "cpu", "--no-progress", "--lr", "0.001",
                "--save", tuned.toString());
        assertEquals(0, train.code(), train.err());
        assertTrue(Files.size(tuned) > 0);
        Run evalTuned = run("eval", "--model", tuned.toString(), "--device", "cpu", "--json");
        double tunedAccuracy = Double.parseDouble(evalTuned.out().replaceAll("(?s).*\"accuracy\":([0-9.]+).*", "$1"));
        System.out.printf("PyTorch CNN on the bundled test digits: accuracy %.4f imported, %.4f after one epoch of train --from%n",
                accuracy, tunedAccuracy);
        assertTrue(tunedAccuracy > accuracy - 0.02, accuracy + " -> " + tunedAccuracy);

        Run conflict = run("train", "--from", cnn.toString(), "--hidden", "100");
        assertEquals(Main.BAD_INPUT, conflict.code());
        assertTrue(conflict.err().contains("--hidden cannot be combined with --from"), conflict.err());
    }

    @Test
    void exportChecksItsOutputBeforeWork(@TempDir Path dir) throws Exception {
        Run r = run("export", "--model", dir.resolve("missing.safetensors").toString(), "--onnx", dir.toString());
        assertEquals(Main.BAD_INPUT, r.code());
        assertTrue(r.err().startsWith("clayers export: --onnx " + dir) && r.err().strip().split("\n").length == 1, r.err());
    }
}
