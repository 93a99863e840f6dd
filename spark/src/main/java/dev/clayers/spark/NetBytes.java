package dev.clayers.spark;

import dev.clayers.net.LayerSpec;
import dev.clayers.net.ModelFile;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * A network as the bytes of its clayers model file (.safetensors with the layer list in its
 * metadata): the form in which the driver ships layers and weights to the executors, and the
 * file that ML persistence writes. Internal.
 */
final class NetBytes {
    private NetBytes() {}

    static byte[] of(List<LayerSpec> layers, Map<String, float[]> weights, Map<String, String> metadata) {
        Path tmp = null;
        try {
            tmp = Files.createTempFile("clayers-spark-", ".safetensors");
            ModelFile.save(tmp, new ModelFile.Model(layers, weights, Map.of()), metadata);
            return Files.readAllBytes(tmp);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write a model file to the temporary folder: " + e.getMessage(), e);
        } finally {
            delete(tmp);
        }
    }

    static ModelFile.Model read(byte[] bytes) {
        Path tmp = null;
        try {
            tmp = Files.createTempFile("clayers-spark-", ".safetensors");
            Files.write(tmp, bytes);
            return ModelFile.load(tmp);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read a model file: " + e.getMessage(), e);
        } finally {
            delete(tmp);
        }
    }

    private static void delete(Path p) {
        if (p == null) return;
        try {
            Files.deleteIfExists(p);
        } catch (IOException ignored) {
            // a temporary file left behind is harmless
        }
    }
}
