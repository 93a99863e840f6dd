package dev.clayers.cli;

import dev.clayers.io.OutputFiles;
import dev.clayers.net.ModelFile;
import dev.clayers.onnx.OnnxExport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/** A saved model as an ONNX file, for ONNX Runtime and other tools. */
@Command(name = "export",
        footer = {"", "Examples:", "  clayers export --model m.safetensors --onnx m.onnx            logits out", "  clayers export --model m.safetensors --onnx m.onnx --softmax  class probabilities out"}, mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Writes a saved model as ONNX (opset " + OnnxExport.OPSET + "): input 'input' [N, C, H, W] or [N, F],"
                + " output 'logits' [N, classes] (or 'probabilities' with --softmax), batch size free.",
                "Runs in ONNX Runtime from Java, C++, Python or the browser; see docs/onnx.md."})
final class ExportCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, paramLabel = "FILE.safetensors", description = "Model written by train --save.")
    Path model;

    @Option(names = "--onnx", required = true, paramLabel = "FILE.onnx", description = "ONNX file to write (atomically).")
    Path onnx;

    @Option(names = "--softmax", description = "End in a Softmax: the output is class probabilities instead of logits.")
    boolean softmax;

    @Override
    public Integer call() throws Exception {
        // Before any work; the ONNX file must not replace the model it is made from.
        OutputFiles.check(java.util.Map.of("--onnx", onnx), java.util.Map.of("--model", model));
        ModelFile.Model m = Cli.loadModel(model);
        OnnxExport.write(m, onnx, new OnnxExport.Options(softmax));
        System.out.printf("wrote %s (%s, opset %d, output %s)%n", onnx, m.describe(), OnnxExport.OPSET,
                softmax ? OnnxExport.PROBABILITIES : OnnxExport.LOGITS);
        return 0;
    }
}
