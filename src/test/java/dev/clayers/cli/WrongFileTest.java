package dev.clayers.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A picture, JSON, text, empty file or folder where a model, checkpoint or dataset belongs: one line naming both. */
class WrongFileTest {
    @TempDir Path dir;

    private void expect(String what, String expected, String... args) {
        CliRunner.Result r = CliRunner.run(args);
        assertEquals(2, r.code(), r.toString());
        String line = r.err().strip();
        assertEquals(1, line.lines().count(), r.toString());
        assertTrue(line.contains(" is " + what + ", not " + expected), r.toString());
        assertTrue(!line.contains("header length") && !line.contains("clayers.max"), r.toString());
    }

    @Test
    void modelsCheckpointsAndDatasets() throws IOException {
        Path png = Files.write(dir.resolve("seven.png"), new byte[] {(byte) 0x89, 'P', 'N', 'G', 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13});
        Path json = Files.writeString(dir.resolve("m.json"), "{\"layers\": []}\n");
        Path text = Files.writeString(dir.resolve("notes.safetensors"), "my model is somewhere else\n");
        Path empty = Files.write(dir.resolve("empty.safetensors"), new byte[0]);
        String model = "a model file (.safetensors written by train --save, or .onnx)";
        expect("a PNG picture", model, "eval", "--model", png.toString(), "--device", "cpu");
        expect("a JSON file", model, "eval", "--model", json.toString(), "--device", "cpu");
        expect("a text file", model, "predict", "--model", text.toString(), png.toString());
        expect("an empty file", model, "export", "--model", empty.toString(), "--onnx", dir.resolve("x.onnx").toString());
        expect("a folder", model, "eval", "--model", dir.toString(), "--device", "cpu");
        Path pngOnnx = Files.copy(png, dir.resolve("seven.onnx"));
        expect("a PNG picture", "an ONNX model", "import", "--onnx", pngOnnx.toString(), "--model", dir.resolve("y.safetensors").toString());
        expect("a PNG picture", "a checkpoint folder", "train", "--resume", png.toString());
        expect("a PNG picture", "a folder", "train", "--data", png.toString(), "--epochs", "1");
    }
}
