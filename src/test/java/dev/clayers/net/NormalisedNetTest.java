package dev.clayers.net;

import dev.clayers.backend.Backend;
import dev.clayers.backend.TestDevices;
import dev.clayers.data.Dataset;
import dev.clayers.data.Normaliser;
import dev.clayers.io.Safetensors;
import dev.clayers.io.SafetensorsFile;
import dev.clayers.io.SafetensorsFormatException;
import dev.clayers.io.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static dev.clayers.net.LayerSpec.affine;
import static dev.clayers.net.LayerSpec.relu;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A network carrying a normaliser: predict and evaluate apply it, a model file keeps it, and ranks give top-k. */
class NormalisedNetTest {
    /** Rows of 5 features on very different scales (feature j around 10^j), 4 classes. */
    private static Dataset data(long seed, int n) {
        Random rng = new Random(seed);
        float[][] x = new float[n][5];
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            y[i] = i % 4;
            for (int j = 0; j < 5; j++) x[i][j] = (float) (Math.pow(10, j) * (rng.nextGaussian() + (j == y[i] ? 1 : 0)));
        }
        return Dataset.of("scaled", x, y, 4);
    }

    private static Sequential net(Backend be) {
        return Sequential.of(be, affine(5, 12), relu(), affine(12, 4));
    }

    @ParameterizedTest
    @MethodSource("dev.clayers.backend.TestDevices#ids")
    void predictAndEvaluateApplyTheNormaliserAndAModelFileKeepsIt(String id, @TempDir Path dir) throws Exception {
        Dataset train = data(1, 200), test = data(2, 97);
        Normaliser n = Normaliser.standardise(train);
        Path file = dir.resolve("normalised.safetensors");
        try (Backend be = TestDevices.open(id); Sequential plain = net(be); Sequential normalised = net(be)) {
            normalised.setNormaliser(n);
            assertEquals(n, normalised.normaliser().orElseThrow());
            float[][] rows = test.toRows();
            // The same weights: the normalised net on raw rows is the plain net on normalised rows.
            assertArrayEquals(plain.predictProbabilities(n.apply(rows)), normalised.predictProbabilities(rows));
            assertArrayEquals(plain.predictClasses(n.apply(rows)), normalised.predictClasses(rows));
            Evaluation a = plain.evaluate(n.apply(test)), b = normalised.evaluate(test);
            assertEquals(a.loss(), b.loss(), 0.0);
            assertArrayEquals(a.confusion(), b.confusion());
            assertArrayEquals(a.rankCounts(), b.rankCounts());
            assertFalse(plain.evaluate(test).loss() == b.loss(), "raw data gives other numbers");
            // Ranks: top-1 is the accuracy (the argmax takes the first of equal scores), top-4 of 4 outputs is all.
            assertEquals(b.accuracy(), b.topKAccuracy(1), 0.0);
            assertEquals(1.0, b.topKAccuracy(4), 0.0);
            assertTrue(b.topKAccuracy(2) >= b.topKAccuracy(1));

            ModelFile.save(file, normalised, Map.of());
            ModelFile.Model m = ModelFile.load(file);
            assertEquals(n, m.normaliser());
            try (Sequential back = m.build(be)) {
                assertEquals(n, back.normaliser().orElseThrow());
                assertArrayEquals(normalised.predictProbabilities(rows), back.predictProbabilities(rows));
                assertEquals(b.loss(), back.evaluate(test).loss(), 0.0);
            }
            ModelFile.save(dir.resolve("plain.safetensors"), plain, Map.of());
            assertEquals(null, ModelFile.load(dir.resolve("plain.safetensors")).normaliser(), "no normaliser, none loaded");
        }
    }

    @ParameterizedTest
    @MethodSource("dev.clayers.backend.TestDevices#ids")
    void evaluatingAStreamedSetGivesTheResidentNumbers(String id) {
        Dataset test = data(3, 1234);   // 1234 rows: a last chunk of 234 after chunks of 1000
        try (Backend be = TestDevices.open(id); Sequential net = net(be)) {
            net.setNormaliser(Normaliser.minMax(test));
            Evaluation resident = net.evaluate(test);
            String old = System.getProperty(DeviceDataset.BUDGET_PROPERTY);
            System.setProperty(DeviceDataset.BUDGET_PROPERTY, Long.toString(DeviceDataset.bytes(test) / 4));
            long before = be.liveBytes();
            Evaluation streamed;
            try {
                streamed = net.evaluate(test);
            } finally {
                if (old == null) System.clearProperty(DeviceDataset.BUDGET_PROPERTY);
                else System.setProperty(DeviceDataset.BUDGET_PROPERTY, old);
            }
            assertEquals(before, be.liveBytes(), "nothing left allocated");
            assertEquals(resident.loss(), streamed.loss(), 0.0);
            assertEquals(resident.correct(), streamed.correct());
            assertArrayEquals(resident.confusion(), streamed.confusion());
            assertArrayEquals(resident.rankCounts(), streamed.rankCounts());
        }
    }

    @Test
    void aNormaliserMustFitTheNetwork() {
        try (Backend be = TestDevices.open("cpu"); Sequential net = net(be)) {
            Normaliser three = Normaliser.minMax(Dataset.of("three", new float[][] {{1, 2, 3}, {2, 3, 4}}, new int[] {0, 1}, 2));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> net.setNormaliser(three));
            assertEquals("the normaliser takes 3 features but the network takes 5", e.getMessage());
            net.setNormaliser(Normaliser.minMax(data(1, 10)));
            assertTrue(net.normaliser().isPresent());
            net.setNormaliser(null);
            assertTrue(net.normaliser().isEmpty());
        }
    }

    @Test
    void damagedNormaliserTensorsAreRefusedNamingThem(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("good.safetensors");
        try (Backend be = TestDevices.open("cpu"); Sequential net = net(be)) {
            net.setNormaliser(Normaliser.standardise(data(1, 50)));
            ModelFile.save(f, net, Map.of());
        }
        SafetensorsFile sf = Safetensors.read(f);
        assertBroken(dir, sf, "normaliser.std", new float[] {1, 1, 0, 1, 1}, "normaliser.std holds 0.0 at feature 2");
        assertBroken(dir, sf, "normaliser.mean", new float[] {1, 1, Float.NaN, 1, 1}, "normaliser.mean holds NaN at feature 2");
        assertBroken(dir, sf, "normaliser.mean", new float[] {1, 1, 1}, "normaliser.mean has 3 values but the network takes 5");
        assertBroken(dir, sf, "normaliser.std", null, "normaliser.mean and normaliser.std");
        // A stray tensor under the prefix is not silently ignored.
        List<Tensor> extra = new ArrayList<>(sf.tensors());
        extra.add(new Tensor("normaliser.min", new int[] {5}, new float[5]));
        Path g = dir.resolve("extra.safetensors");
        Safetensors.write(g, sf.metadata(), extra);
        SafetensorsFormatException e = assertThrows(SafetensorsFormatException.class, () -> ModelFile.load(g));
        assertTrue(e.getMessage().contains("normaliser.min"), e.getMessage());
    }

    /** The file with one tensor replaced (or dropped, for null) fails to load with a message containing {@code expected}. */
    private static void assertBroken(Path dir, SafetensorsFile sf, String name, float[] values, String expected) throws Exception {
        List<Tensor> ts = new ArrayList<>();
        for (Tensor t : sf.tensors()) {
            if (!t.name().equals(name)) ts.add(t);
            else if (values != null) ts.add(new Tensor(name, new int[] {values.length}, values));
        }
        Path g = dir.resolve("broken.safetensors");
        Safetensors.write(g, sf.metadata(), ts);
        SafetensorsFormatException e = assertThrows(SafetensorsFormatException.class, () -> ModelFile.load(g));
        assertTrue(e.getMessage().contains(expected), e.getMessage());
        assertTrue(e.getMessage().contains("broken.safetensors"), e.getMessage());
    }
}
