package dev.clayers.net;

import dev.clayers.backend.Backend;
import dev.clayers.backend.ConvGeometry;
import dev.clayers.backend.cpu.CpuBackend;
import dev.clayers.io.Safetensors;
import dev.clayers.io.SafetensorsFile;
import dev.clayers.io.SafetensorsFormatException;
import dev.clayers.io.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static dev.clayers.net.LayerSpec.affine;
import static dev.clayers.net.LayerSpec.batchNorm;
import static dev.clayers.net.LayerSpec.conv;
import static dev.clayers.net.LayerSpec.maxPool;
import static dev.clayers.net.LayerSpec.relu;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Crafted and damaged model files (issue 27, causes 1, 4 and 7): every shape is computed in long
 * against the caps, so no file can make a kernel index past its buffer; every tensor of every kind
 * is finite and in range; batch-norm epsilon is part of the layer and of the file.
 */
class CraftedModelTest {
    @TempDir Path dir;

    // ---- cause 1: shapes computed in long, capped ---------------------------------------------------

    @Test
    void imageShapesThatWrapAnIntAreRefused() {
        // 1 x 65537 x 65537 = 4,295,098,369 values: an int product wraps to 131,073.
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new ImageShape(1, 65537, 65537));
        assertTrue(e.getMessage().contains("clayers.maxImageValues"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new ImageShape(1, 80, 53687101));
        assertEquals(784, new ImageShape(1, 28, 28).size());
    }

    @Test
    void convGeometryComputesEverySizeInLong() {
        assertThrows(IllegalArgumentException.class, () -> new ConvGeometry(1, 80, 53687101, 1, 1, 0));
        assertThrows(IllegalArgumentException.class, () -> new ConvGeometry(1, 65514, 65514, 65514, 1, 65513));
        // A window over many channels: C*K*K past the width cap.
        assertThrows(IllegalArgumentException.class, () -> new ConvGeometry(60_000, 28, 28, 5, 1, 0));
        // One image's im2col (positions x patch) past one matrix.
        assertThrows(IllegalArgumentException.class, () -> new ConvGeometry(4000, 1000, 1000, 20, 1, 0));
        ConvGeometry ok = new ConvGeometry(1, 28, 28, 5, 1, 0);
        assertEquals(576, ok.positions());
        assertEquals(25, ok.patchSize());
    }

    @Test
    void convFilterCountAndWeightsAreCapped() {
        ImageShape in = new ImageShape(1, 28, 28);
        assertThrows(IllegalArgumentException.class, () -> conv(in, 4_772_186, 3, 1, 2));
        assertThrows(IllegalArgumentException.class, () -> conv(new ImageShape(1000, 28, 28), 900_000, 3, 1, 0));
        // The output image is capped like any image: 30,000 filters of a 28 x 28 input.
        assertThrows(IllegalArgumentException.class, () -> conv(in, 30_000, 1, 1, 0));
    }

    @Test
    void theNetNotationCannotWrapEither() {
        ImageShape in = new ImageShape(1, 28, 28);
        assertThrows(IllegalArgumentException.class, () -> NetSpec.parse("conv1k65514p65513", in, 10, Activation.RELU, 0f));
        assertThrows(IllegalArgumentException.class, () -> NetSpec.parse("conv4772186k3p2", in, 10, Activation.RELU, 0f));
    }

    @Test
    void aMatrixPastTheCapIsRefusedBeforeAllocation() {
        try (Backend be = new CpuBackend()) {
            assertThrows(IllegalArgumentException.class, () -> be.alloc(70_000, 70_000));
        }
    }

    /** The 31 KB file that crashed PoCL: its conv input wraps to 784 values and passed every load check. */
    @Test
    void aConvModelWhoseInputWrapsIsRefusedAtLoad() throws IOException {
        Path f = dir.resolve("wrap.safetensors");
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("format", ModelFile.FORMAT);
        meta.put("layers", "conv(1x80x53687101,1,1,1,0) relu affine(784,10)");
        Safetensors.write(f, meta, List.of(new Tensor("conv1.W", new int[] {1, 1, 1, 1}, new float[] {1}),
                new Tensor("conv1.b", new int[] {1}, new float[] {0}),
                new Tensor("affine1.W", new int[] {784, 10}, new float[7840]),
                new Tensor("affine1.b", new int[] {1, 10}, new float[10])));
        SafetensorsFormatException e = assertThrows(SafetensorsFormatException.class, () -> ModelFile.load(f));
        assertTrue(e.getMessage().contains("1x80x53687101"), e.getMessage());
    }

    // ---- the parameter count of every kind --------------------------------------------------------

    @Test
    void parameterCountCountsEveryKind() {
        ConvSpec c = conv(new ImageShape(1, 28, 28), 30, 5, 1, 0);
        MaxPoolSpec p = maxPool(c.output(), 2, 2);
        List<LayerSpec> specs = List.of(c, batchNorm(c.output()), relu(), p, affine(p.output().size(), 100), batchNorm(100),
                relu(), affine(100, 10));
        long expected = 30 * 25 + 30 + 2 * 30 + 4320L * 100 + 100 + 2 * 100 + 100 * 10 + 10;
        assertEquals(expected, Sequential.parameterCount(specs));
        try (Backend be = new CpuBackend(); Sequential net = Sequential.of(be, WeightInit.HE, 1, specs)) {
            String total = String.format("%,d", expected);
            assertTrue(net.summary().lines().anyMatch(l -> l.startsWith("total") && l.endsWith(total)), net.summary());
        }
    }

    // ---- cause 4: every tensor of every kind finite and in range ------------------------------------

    private static List<LayerSpec> convBnNet() {
        ConvSpec c = conv(new ImageShape(1, 6, 6), 2, 3, 1, 0);
        return List.of(c, batchNorm(c.output()), relu(), affine(c.output().size(), 3));
    }

    private Path saveConvBn() throws IOException {
        Path f = dir.resolve("cnn.safetensors");
        try (Backend be = new CpuBackend(); Sequential net = Sequential.of(be, WeightInit.HE, 3, convBnNet())) {
            ModelFile.save(f, net, Map.of());
        }
        return f;
    }

    /** The saved file with one value of one tensor replaced. */
    private Path damaged(Path f, String tensor, int index, float value) throws IOException {
        SafetensorsFile sf = Safetensors.read(f);
        List<Tensor> out = new ArrayList<>();
        for (Tensor t : sf.tensors()) {
            float[] d = t.data().clone();
            if (t.name().equals(tensor)) d[index] = value;
            out.add(new Tensor(t.name(), t.shape(), d));
        }
        Path g = dir.resolve(tensor + "-" + value + ".safetensors");
        Safetensors.write(g, sf.metadata(), out);
        return g;
    }

    @Test
    void everyTensorOfAConvAndBatchNormModelIsChecked() throws IOException {
        Path f = saveConvBn();
        ModelFile.load(f);   // the clean file loads
        Object[][] cases = {
            {"conv1.W", Float.NaN}, {"conv1.b", Float.POSITIVE_INFINITY}, {"affine1.W", Float.NaN},
            {"batchnorm1.running_mean", Float.NaN}, {"batchnorm1.gamma", Float.NEGATIVE_INFINITY},
            {"batchnorm1.beta", Float.NaN}, {"batchnorm1.running_var", -0.5f},
        };
        for (Object[] c : cases) {
            Path g = damaged(f, (String) c[0], 1, (Float) c[1]);
            SafetensorsFormatException e = assertThrows(SafetensorsFormatException.class, () -> ModelFile.load(g),
                    c[0] + " = " + c[1]);
            assertTrue(e.getMessage().contains((String) c[0]), e.getMessage());
        }
    }

    @Test
    void tensorsTheMetadataDoesNotListAreRefused() throws IOException {
        Path f = saveConvBn();
        SafetensorsFile sf = Safetensors.read(f);
        List<Tensor> out = new ArrayList<>(sf.tensors());
        out.add(new Tensor("batchnorm2.gamma", new int[] {3}, new float[] {1, 1, 1}));
        Path g = dir.resolve("extra.safetensors");
        Safetensors.write(g, sf.metadata(), out);
        SafetensorsFormatException e = assertThrows(SafetensorsFormatException.class, () -> ModelFile.load(g));
        assertTrue(e.getMessage().contains("batchnorm2.gamma"), e.getMessage());
    }

    @Test
    void theLibraryRefusesNonFiniteWeightsToo() {
        Map<String, float[]> w = Sequential.initialWeights(convBnNet(), WeightInit.HE, 1);
        w.get("batchnorm1.running_var")[0] = -1f;
        try (Backend be = new CpuBackend()) {
            assertThrows(IllegalArgumentException.class, () -> Sequential.fromWeights(be, convBnNet(), w));
            w.get("batchnorm1.running_var")[0] = 1f;
            w.get("conv1.W")[0] = Float.NaN;
            assertThrows(IllegalArgumentException.class, () -> Sequential.fromWeights(be, convBnNet(), w));
        }
    }

    @Test
    void nonFiniteInputsAreRefusedWhenPredicting() {
        try (Backend be = new CpuBackend(); Sequential net = Sequential.of(be, affine(3, 2))) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> net.predictClasses(new float[][] {{1, 2, 3}, {1, Float.NaN, 3}}));
            assertTrue(e.getMessage().contains("row 1"), e.getMessage());
        }
    }

    @Test
    void nullLayersAreNamed() {
        try (Backend be = new CpuBackend()) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> Sequential.of(be, affine(4, 3), null, affine(3, 2)));
            assertEquals("layer 2 is null", e.getMessage());
        }
    }

    // ---- cause 7: batch-norm epsilon is a property of the layer, saved and honoured ----------------------

    @Test
    void epsilonIsPartOfTheIdAndOldIdsReadAsTheBooks() {
        BatchNormSpec torch = new BatchNormSpec(30, 576, 1e-5f);
        assertEquals("batchnorm(30,576,eps=1.0E-5)", torch.id());
        assertEquals(torch, LayerSpec.parse(torch.id()));
        assertEquals(new BatchNormSpec(100, 1, 1e-5f), LayerSpec.parse("batchnorm(100,eps=1e-5)"));
        assertEquals(BatchNormSpec.DEFAULT_EPSILON, ((BatchNormSpec) LayerSpec.parse("batchnorm(100)")).epsilon());
        assertEquals("batchnorm(100)", batchNorm(100).id());
        assertThrows(IllegalArgumentException.class, () -> LayerSpec.parse("batchnorm(100,eps=0)"));
        assertThrows(IllegalArgumentException.class, () -> LayerSpec.parse("batchnorm(100,eps=NaN)"));
        assertThrows(IllegalArgumentException.class, () -> LayerSpec.parse("batchnorm(100,1,2,3)"));
    }

    @Test
    void epsilonIsSavedAndHonoured() throws IOException {
        // A small running variance makes epsilon matter: the prediction must use the stored value.
        List<LayerSpec> torch = List.of(affine(4, 3), new BatchNormSpec(3, 1, 1e-2f), relu(), affine(3, 2));
        List<LayerSpec> book = List.of(affine(4, 3), batchNorm(3), relu(), affine(3, 2));
        Map<String, float[]> w = Sequential.initialWeights(torch, WeightInit.HE, 5);
        w.put("batchnorm1.running_var", new float[] {1e-3f, 2e-3f, 1e-2f});
        float[][] x = new float[4][4];
        Random rng = new Random(1);
        for (float[] row : x) for (int i = 0; i < row.length; i++) row[i] = (float) rng.nextGaussian();
        Path f = dir.resolve("eps.safetensors");
        try (Backend be = new CpuBackend();
             Sequential a = Sequential.fromWeights(be, torch, w);
             Sequential b = Sequential.fromWeights(be, book, w)) {
            double[][] pa = a.predictProbabilities(x);
            assertNotEquals(pa[0][0], b.predictProbabilities(x)[0][0], "epsilon changes the prediction");
            ModelFile.save(f, a, Map.of());
            ModelFile.Model m = ModelFile.load(f);
            assertEquals(torch, m.layers());
            try (Sequential c = m.build(be)) {
                double[][] pc = c.predictProbabilities(x);
                for (int i = 0; i < x.length; i++) assertArrayEquals(pa[i], pc[i], 0.0);
            }
        }
    }
}
