package dev.clayers.cli;

import dev.clayers.io.OutputFiles;
import dev.clayers.net.ModelFile;
import dev.clayers.onnx.OnnxImport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/** An ONNX model (from PyTorch's exporter, say) as a clayers model file. */
@Command(name = "import",
        footer = {"", "Examples:", "  clayers import --onnx net.onnx --model net.safetensors   a PyTorch or Keras export as a clayers model"}, mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Reads an ONNX model (a chain of Gemm/MatMul, Conv, pooling, batch norm, activations, dropout,"
                + " flatten; see docs/onnx.md) and saves it as a clayers model, for eval, predict and train --from.",
                "Ops outside that vocabulary are refused by name (exit 2)."})
final class ImportCommand implements Callable<Integer> {
    @Option(names = "--onnx", required = true, paramLabel = "FILE.onnx", description = "ONNX model to read.")
    Path onnx;

    @Option(names = "--model", required = true, paramLabel = "FILE.safetensors", description = "Model file to write (atomically).")
    Path model;

    @Override
    public Integer call() throws Exception {
        // Before any work; the model must not replace the ONNX file it is read from.
        OutputFiles.check(java.util.Map.of("--model", model), java.util.Map.of("--onnx", onnx));
        ModelFile.Model m = OnnxImport.read(onnx);
        java.util.Map<String, String> meta = new java.util.LinkedHashMap<>(m.metadata());
        meta.put("imported_from", onnx.getFileName().toString());
        ModelFile.save(model, m, meta);
        System.out.printf("wrote %s (%s, %,d parameters) from %s%n", model, m.describe(),
                dev.clayers.net.Sequential.parameterCount(m.layers()), onnx);
        return 0;
    }
}
