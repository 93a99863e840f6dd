package dev.clayers.onnx;

import dev.clayers.backend.Backend;
import dev.clayers.backend.TestDevices;
import dev.clayers.net.Activation;
import dev.clayers.net.ConvSpec;
import dev.clayers.net.ImageShape;
import dev.clayers.net.LayerSpec;
import dev.clayers.net.MaxPoolSpec;
import dev.clayers.net.AvgPoolSpec;
import dev.clayers.net.ModelFile;
import dev.clayers.net.Sequential;
import dev.clayers.net.WeightInit;
import dev.clayers.onnx.proto.OnnxProto.ModelProto;
import dev.clayers.onnx.proto.OnnxProto.NodeProto;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;

import static dev.clayers.net.LayerSpec.activation;
import static dev.clayers.net.LayerSpec.affine;
import static dev.clayers.net.LayerSpec.avgPool;
import static dev.clayers.net.LayerSpec.batchNorm;
import static dev.clayers.net.LayerSpec.conv;
import static dev.clayers.net.LayerSpec.dropout;
import static dev.clayers.net.LayerSpec.maxPool;
import static dev.clayers.net.LayerSpec.relu;
import static dev.clayers.net.LayerSpec.sigmoid;
import static dev.clayers.net.LayerSpec.tanh;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every kind of network clayers builds, exported to ONNX and run in ONNX Runtime on 64 real MNIST
 * digits: the same logits as clayers' cpu backend within 1e-4, and read back by {@link OnnxImport}
 * as the same layers and the very same weights (so the same logits, exactly).
 */
class OnnxExportTest {
    static final int BATCH = 64;
    /** Float32 sums of up to 1,176 products in another order, and GELU's tanh in float: about 1e-6 of logits near 10. */
    static final double TOLERANCE = 1e-4;

    /** The networks, by name: each layer kind, every activation, and every rank change the export must write. */
    static Stream<Object[]> networks() {
        ImageShape digit = new ImageShape(1, 28, 28);
        // conv (pad 2) + batch norm + ReLU + max pooling: the conv net kinds PyTorch users know.
        ConvSpec c1 = conv(digit, 6, 5, 1, 2);
        MaxPoolSpec p1 = maxPool(c1.output(), 2, 2);
        // conv with stride 2 and pad 1, GELU, average pooling, GELU in the head too.
        ConvSpec c2 = conv(digit, 4, 3, 2, 1);
        AvgPoolSpec p2 = avgPool(c2.output(), 2, 2);
        // A flat row into an image: affine -> batch norm of 2 channels of 8x8 -> conv (Reshape to [N, C, P], then [N, C, H, W]).
        ConvSpec c3 = conv(new ImageShape(2, 8, 8), 3, 3, 1, 1);
        MaxPoolSpec p3 = maxPool(c3.output(), 3, 1);   // overlapping windows
        return Stream.of(
                new Object[] {"sigmoid perceptron", List.of(affine(784, 50), sigmoid(), affine(50, 10))},
                new Object[] {"tanh perceptron with batch norm and dropout",
                        List.of(affine(784, 64), batchNorm(64), tanh(), dropout(0.3f), affine(64, 32), relu(), affine(32, 10))},
                new Object[] {"conv batchnorm relu maxpool",
                        List.of(c1, batchNorm(c1.output()), relu(), p1, affine(p1.output().size(), 10))},
                new Object[] {"conv gelu avgpool",
                        List.of(c2, activation(Activation.GELU), p2, affine(p2.output().size(), 32), activation(Activation.GELU),
                                dropout(0.5f), affine(32, 10))},
                new Object[] {"affine into conv",
                        List.of(affine(784, 128), batchNorm(new ImageShape(2, 8, 8)), relu(), c3, tanh(), p3,
                                affine(p3.output().size(), 10))});
    }

    /** Weights drawn as training would start, with batch-norm statistics moved off the identity so they matter. */
    static Map<String, float[]> weights(List<LayerSpec> layers, long seed) {
        Map<String, float[]> w = Sequential.initialWeights(layers, WeightInit.HE, seed);
        Random rng = new Random(seed + 1);
        w.forEach((name, v) -> {
            for (int i = 0; i < v.length; i++) {
                if (name.endsWith(".gamma")) v[i] = (float) (1 + 0.3 * rng.nextGaussian());
                else if (name.endsWith(".beta") || name.endsWith(".running_mean") || name.endsWith(".b")) {
                    v[i] = (float) (0.2 * rng.nextGaussian());
                } else if (name.endsWith(".running_var")) v[i] = (float) (0.5 + rng.nextDouble());
            }
        });
        return w;
    }

    static long[] inputShape(List<LayerSpec> layers, int batch) {
        return layers.get(0).inputImage().map(s -> new long[] {batch, s.channels(), s.height(), s.width()})
                .orElse(new long[] {batch, layers.get(0).inputWidth()});
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("networks")
    void onnxRuntimeGivesClayersLogits(String name, List<LayerSpec> layers) throws Exception {
        float[] x = OnnxTesting.digits(BATCH);
        try (Backend be = TestDevices.open("cpu"); Sequential net = Sequential.fromWeights(be, layers, weights(layers, 7))) {
            float[] ours = OnnxTesting.logits(net, x, BATCH);
            byte[] onnx = OnnxExport.toModel(layers, net.weights(), OnnxExport.Options.defaults()).toByteArray();
            float[] theirs = OnnxTesting.runtime(onnx, x, inputShape(layers, BATCH));
            double diff = OnnxTesting.maxAbsDiff(ours, theirs);
            System.out.printf("export %-45s max |logit difference| vs ONNX Runtime %.2e%n", name, diff);
            assertTrue(diff <= TOLERANCE, name + ": logits differ by " + diff);
            assertTrue(maxAbs(ours) > 0.5, "logits too small to test anything: " + maxAbs(ours));

            // Read back: the same layers, the very same floats, so the same logits bit for bit.
            ModelFile.Model back = OnnxImport.fromBytes(name, onnx);
            assertEquals(LayerSpec.describe(layers), LayerSpec.describe(back.layers()));
            Map<String, float[]> w = net.weights();
            assertEquals(w.keySet(), back.weights().keySet());
            w.forEach((k, v) -> assertArrayEquals(v, back.weights().get(k), k));
            try (Sequential again = back.build(be)) {
                assertArrayEquals(ours, OnnxTesting.logits(again, x, BATCH));
            }
        }
    }

    private static double maxAbs(float[] v) {
        double m = 0;
        for (float f : v) m = Math.max(m, Math.abs(f));
        return m;
    }

    /** With a Softmax at the end, ONNX Runtime gives clayers' probabilities; the file still reads back as the logits net. */
    @Test
    void softmaxOutputGivesProbabilities(@TempDir Path dir) throws Exception {
        List<LayerSpec> layers = List.of(affine(784, 30), relu(), affine(30, 10));
        float[] x = OnnxTesting.digits(BATCH);
        try (Backend be = TestDevices.open("cpu"); Sequential net = Sequential.fromWeights(be, layers, weights(layers, 3))) {
            Path file = dir.resolve("mlp.onnx");
            OnnxExport.write(net, file, new OnnxExport.Options(true));
            ModelProto proto = ModelProto.parseFrom(Files.readAllBytes(file));
            assertEquals(OnnxExport.PROBABILITIES, proto.getGraph().getOutput(0).getName());
            assertEquals(OnnxExport.BATCH, proto.getGraph().getInput(0).getType().getTensorType().getShape().getDim(0).getDimParam());
            assertEquals(OnnxExport.OPSET, proto.getOpsetImport(0).getVersion());
            float[] p = OnnxTesting.runtime(Files.readAllBytes(file), x, new long[] {BATCH, 784});
            double[][] ours = net.predictProbabilities(x, BATCH);
            double diff = 0;
            for (int r = 0; r < BATCH; r++) for (int c = 0; c < 10; c++) diff = Math.max(diff, Math.abs(ours[r][c] - p[r * 10 + c]));
            assertTrue(diff <= 1e-5, "probabilities differ by " + diff);
            ModelFile.Model back = OnnxImport.read(file);
            assertEquals("softmax", back.metadata().get("onnx_output"));
            assertEquals(LayerSpec.describe(layers), LayerSpec.describe(back.layers()));
        }
    }

    /** The graph names its tensors after clayers' and writes each op once per layer: what a reader of the file sees. */
    @Test
    void graphUsesStandardOpsAndClayersNames() {
        ConvSpec c = conv(new ImageShape(1, 28, 28), 2, 3, 1, 1);
        MaxPoolSpec p = maxPool(c.output(), 2, 2);
        List<LayerSpec> layers = List.of(c, relu(), p, affine(p.output().size(), 10));
        ModelProto m = OnnxExport.toModel(layers, weights(layers, 1), OnnxExport.Options.defaults());
        assertEquals(List.of("Conv", "Relu", "MaxPool", "Flatten", "Gemm"),
                m.getGraph().getNodeList().stream().map(NodeProto::getOpType).toList());
        assertEquals(OnnxExport.LOGITS, m.getGraph().getNode(4).getOutput(0));
        assertEquals(List.of("conv1.W", "conv1.b", "affine1.W", "affine1.b"),
                m.getGraph().getInitializerList().stream().map(t -> t.getName()).toList());
        assertEquals(4, m.getGraph().getInput(0).getType().getTensorType().getShape().getDimCount());
    }
}
