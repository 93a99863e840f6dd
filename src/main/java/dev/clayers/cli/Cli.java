package dev.clayers.cli;

import dev.clayers.data.DataSplit;
import dev.clayers.data.MnistDataset;
import dev.clayers.net.ModelFile;
import dev.clayers.onnx.OnnxImport;

import java.io.IOException;
import java.nio.file.Path;

/** What several commands share: reading the --data and --model options. */
final class Cli {
    private Cli() {}

    /** {@code bundled} (the default) or a folder with the four MNIST-format files. */
    static DataSplit loadData(String data) throws IOException {
        if (data == null || data.equals("bundled")) return MnistDataset.bundled();
        return MnistDataset.load(Path.of(data));
    }

    /** A model file: ONNX when the name ends in {@code .onnx} (imported as a clayers network), else safetensors. */
    static ModelFile.Model loadModel(Path file) throws IOException {
        String name = file.getFileName() == null ? "" : file.getFileName().toString().toLowerCase(java.util.Locale.ROOT);
        return name.endsWith(".onnx") ? OnnxImport.read(file) : ModelFile.load(file);
    }
}
