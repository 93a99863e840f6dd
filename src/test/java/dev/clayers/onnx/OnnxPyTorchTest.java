package dev.clayers.onnx;

import com.google.gson.Gson;
import com.google.gson.JsonObject;
import dev.clayers.backend.Backend;
import dev.clayers.backend.TestDevices;
import dev.clayers.data.Dataset;
import dev.clayers.data.MnistDataset;
import dev.clayers.net.LayerSpec;
import dev.clayers.net.ModelFile;
import dev.clayers.net.Sequential;
import dev.clayers.train.FitOptions;
import dev.clayers.train.Optimizer;
import dev.clayers.train.Training;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * ONNX files made by PyTorch 1.13's {@code torch.onnx.export} ({@code scripts/onnx-fixtures.py};
 * src/test/resources/onnx/README.md) import as clayers networks that give PyTorch's recorded logits
 * on every device, and fine-tune; the ones clayers cannot compute are refused by name.
 */
class OnnxPyTorchTest {
    /** The nets' logits are up to about 15; float32 sums in another order move them by a few 1e-6. */
    static final double TOLERANCE = 1e-4;

    static Path fixture(String name) {
        try {
            return Path.of(OnnxPyTorchTest.class.getResource("/onnx/" + name).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** PyTorch's logits for the fixture's batch, and the batch size. */
    static float[] recordedLogits(String name) throws Exception {
        JsonObject j = new Gson().fromJson(Files.readString(fixture(name + ".json")), JsonObject.class);
        var rows = j.getAsJsonArray("logits");
        float[] out = new float[rows.size() * 10];
        for (int r = 0; r < rows.size(); r++) {
            var row = rows.get(r).getAsJsonArray();
            for (int c = 0; c < 10; c++) out[r * 10 + c] = row.get(c).getAsFloat();
        }
        return out;
    }

    static Stream<Object[]> modelsOnDevices() {
        return TestDevices.ids().flatMap(id -> Stream.of("mlp", "cnn", "avgpool-gelu").map(m -> new Object[] {m, id}));
    }

    @ParameterizedTest(name = "{0} on {1}")
    @MethodSource("modelsOnDevices")
    void reproducesPyTorchLogits(String name, String device) throws Exception {
        ModelFile.Model m = OnnxImport.read(fixture(name + ".onnx"));
        float[] expected = recordedLogits(name);
        int batch = expected.length / 10;
        try (Backend be = TestDevices.open(device); Sequential net = m.build(be)) {
            float[] ours = OnnxTesting.logits(net, OnnxTesting.digits(batch), batch);
            double diff = OnnxTesting.maxAbsDiff(ours, expected);
            System.out.printf("pytorch %-13s on %-22s %s: max |logit difference| %.2e%n", name, device,
                    LayerSpec.describe(m.layers()), diff);
            assertTrue(diff <= TOLERANCE, name + " on " + device + ": logits differ from PyTorch's by " + diff);
        }
    }

    @Test
    void readsTheLayersPyTorchWrote() throws Exception {
        assertEquals("affine(784,12) batchnorm(12,eps=1.0E-5) sigmoid affine(12,10)",
                LayerSpec.describe(OnnxImport.read(fixture("mlp.onnx")).layers()));
        assertEquals("conv(1x28x28,4,3,1,1) batchnorm(4,784,eps=1.0E-5) relu maxpool(4x28x28,2,2) conv(4x14x14,6,3,2,1) relu"
                + " affine(294,10)", LayerSpec.describe(OnnxImport.read(fixture("cnn.onnx")).layers()));
        // GELU arrives as PyTorch's Mul/Add/Tanh spelling of it; AveragePool behind a Pad of zeros.
        assertEquals("conv(1x28x28,3,5,1,2) gelu avgpool(3x28x28,2,2) conv(3x14x14,4,3,1,0) tanh avgpool(4x12x12,3,2)"
                + " affine(100,10)", LayerSpec.describe(OnnxImport.read(fixture("avgpool-gelu.onnx")).layers()));
    }

    /** A few Adam steps on real digits: the imported CNN's loss falls, every tensor moves and stays finite. */
    @Test
    void importedCnnFineTunes() throws Exception {
        ModelFile.Model m = OnnxImport.read(fixture("cnn.onnx"));
        Dataset train = subset(MnistDataset.bundled().train(), 0, 600);
        Dataset check = subset(MnistDataset.bundled().train(), 600, 400);
        try (Backend be = TestDevices.open("cpu"); Sequential net = m.build(be)) {
            double before = net.evaluate(train).loss();
            FitOptions options = FitOptions.builder().optimizer(Optimizer.Kind.ADAM).learningRate(0.003f).batch(50).epochs(2)
                    .seed(1).augment(0).build();
            Training.fit(net, train, check, options);
            double after = net.evaluate(train).loss();
            System.out.printf("fine-tuned the PyTorch CNN: training loss %.4f -> %.4f%n", before, after);
            assertTrue(after < before, "loss " + before + " -> " + after);
            Map<String, float[]> w = net.weights();
            for (var e : m.weights().entrySet()) {
                float[] now = w.get(e.getKey());
                for (float v : now) assertTrue(Float.isFinite(v), e.getKey());
                if (!e.getKey().endsWith("running_mean") && !e.getKey().endsWith("running_var")) {
                    assertFalse(Arrays.equals(e.getValue(), now), e.getKey() + " did not change");
                }
            }
        }
    }

    private static Dataset subset(Dataset d, int from, int n) {
        int f = d.features();
        return new Dataset(d.name() + "[" + from + "+" + n + "]", Arrays.copyOfRange(d.images(), from * f, (from + n) * f),
                Arrays.copyOfRange(d.labels(), from, from + n), d.rows(), d.cols(), d.classes());
    }

    @Test
    void refusesAnLstmByName() {
        OnnxFormatException e = assertThrows(OnnxFormatException.class, () -> OnnxImport.read(fixture("lstm.onnx")));
        assertTrue(e.getMessage().contains("LSTM in node '/lstm/LSTM'"), e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
    }

    @Test
    void refusesGeluErfForm() {
        OnnxFormatException e = assertThrows(OnnxFormatException.class, () -> OnnxImport.read(fixture("gelu-erf.onnx")));
        assertTrue(e.getMessage().contains("GELU's erf form") && e.getMessage().contains("Erf"), e.getMessage());
    }
}
