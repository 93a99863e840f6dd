package dev.clayers.train;

import dev.clayers.backend.Backend;
import dev.clayers.backend.TestDevices;
import dev.clayers.data.Dataset;
import dev.clayers.net.ModelFile;
import dev.clayers.net.Architecture;
import dev.clayers.net.Evaluation;
import dev.clayers.net.LayerSpec;
import dev.clayers.net.Sequential;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Path;
import java.util.Map;
import java.util.Random;

import static dev.clayers.net.LayerSpec.affine;
import static dev.clayers.net.LayerSpec.dropout;
import static dev.clayers.net.LayerSpec.relu;
import static dev.clayers.net.LayerSpec.sigmoid;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The library path a user takes: plain arrays, a composed network, fit, evaluate, save, load, predict. */
class TrainingTest {
    /** Three Gaussian blobs in 4 dimensions, one class each; {@code flip} relabels class c as c+1 (mod 3). */
    private static Dataset blobs(long seed, int n, boolean flip) {
        Random rng = new Random(seed);
        float[][] x = new float[n][4];
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            int c = i % 3;
            for (int j = 0; j < 4; j++) x[i][j] = (float) (rng.nextGaussian() * 0.5 + (j == c ? 2 : 0));
            y[i] = flip ? (c + 1) % 3 : c;
        }
        return Dataset.of(x, y);
    }

    private static LayerSpec[] mixedLayers() {
        return new LayerSpec[] {affine(4, 16), relu(), dropout(0.1f), affine(16, 8), sigmoid(), affine(8, 3)};
    }

    @ParameterizedTest
    @MethodSource("dev.clayers.backend.TestDevices#ids")
    void composedNetworkFitsSavesLoadsAndPredicts(String id, @TempDir Path dir) throws Exception {
        Dataset train = blobs(1, 600, false), test = blobs(2, 300, false);
        Path file = dir.resolve("blobs.safetensors");
        try (Backend be = TestDevices.open(id); Sequential net = Sequential.of(be, mixedLayers())) {
            History h = Training.fit(net, train, null, FitOptions.builder().epochs(15).batch(50).learningRate(0.01f).build());
            assertEquals(15, h.epochs().size());
            assertEquals(History.Stop.COMPLETED, h.stopped());
            assertTrue(Double.isNaN(h.last().validationAccuracy()), "no validation set, no validation numbers");
            Evaluation ev = net.evaluate(test);
            assertTrue(ev.accuracy() > 0.9, "accuracy " + ev.accuracy());
            assertEquals(300, ev.total());
            assertEquals(3, ev.confusion().length);
            ModelFile.save(file, net, Map.of());
            float[][] rows = {{2, 0, 0, 0}, {0, 2, 0, 0}, {0, 0, 2, 0}};
            int[] classes = net.predictClasses(rows);
            assertArrayEquals(new int[] {0, 1, 2}, classes);
            double[][] p = net.predictProbabilities(rows);
            for (double[] row : p) assertEquals(1.0, row[0] + row[1] + row[2], 1e-9);
            ModelFile.Model m = ModelFile.load(file);
            assertEquals(net.layerSpecs(), m.layers());
            try (Sequential back = m.build(be)) {
                assertArrayEquals(classes, back.predictClasses(rows));
                assertEquals(ev.loss(), back.evaluate(test).loss(), 0.0);
            }
        }
    }

    @ParameterizedTest
    @MethodSource("dev.clayers.backend.TestDevices#ids")
    void stopsEarlyWhenValidationLossRises(String id) {
        // The validation labels are shifted by one class: the better the network learns, the worse it does there.
        try (Backend be = TestDevices.open(id); Sequential net = Sequential.of(be, affine(4, 8), relu(), affine(8, 3))) {
            History h = Training.fit(net, blobs(1, 300, false), blobs(2, 150, true),
                    FitOptions.builder().epochs(30).batch(50).learningRate(0.01f).earlyStoppingPatience(2).build());
            assertEquals(History.Stop.EARLY_STOPPING, h.stopped());
            assertTrue(h.epochs().size() < 30, "stopped after " + h.epochs().size());
        }
    }

    @ParameterizedTest
    @MethodSource("dev.clayers.backend.TestDevices#ids")
    void resumedRunMatchesUninterruptedOne(String id, @TempDir Path dir) throws Exception {
        Dataset train = blobs(1, 300, false), test = blobs(2, 150, false);
        FitOptions o = FitOptions.builder().epochs(3).batch(50).optimizer(Optimizer.Kind.MOMENTUM).learningRate(0.05f).build();
        History whole;
        try (Backend be = TestDevices.open(id); Sequential net = Sequential.of(be, mixedLayers())) {
            whole = Training.fit(net, train, test, o);
        }
        try (Backend be = TestDevices.open(id); Sequential net = Sequential.of(be, mixedLayers())) {
            History part = Training.fit(net, train, test, o.toBuilder().checkpointDir(dir).stopAfterEpoch(1).build());
            assertEquals(History.Stop.STOP_AFTER, part.stopped());
        }
        Checkpoint.State state = Checkpoint.load(dir);
        try (Backend be = TestDevices.open(id); Sequential net = Sequential.fromWeights(be, state.model().layers(),
                state.model().weights())) {
            History rest = Training.resume(net, train, test, state.options(), state);
            assertEquals(3, rest.epochs().size());
            assertEquals(whole.last().validationLoss(), rest.last().validationLoss(), 0.0);
            assertEquals(whole.last().trainLoss(), rest.last().trainLoss(), 0.0);
        }
    }

    @Test
    void optionsAreCheckedInTheApisWords() {
        InvalidOptionException e = assertThrows(InvalidOptionException.class, () -> FitOptions.builder().batch(0).build());
        assertEquals("batch must be positive, got 0", e.getMessage());
        assertEquals("batch", e.option());
        e = assertThrows(InvalidOptionException.class, () -> FitOptions.builder().learningRate(-1f).build());
        assertEquals("learningRate must be a positive number, got -1.0", e.getMessage());
        e = assertThrows(InvalidOptionException.class, () -> Schedule.parse("linear"));
        assertEquals("schedule must be constant, cosine, step:EVERY:FACTOR, exp:GAMMA, or warmup:EPOCHS+SCHEDULE; got 'linear'", e.getMessage());
        try (Backend be = TestDevices.open("cpu"); Sequential net = Sequential.of(be, affine(4, 3))) {
            e = assertThrows(InvalidOptionException.class, () -> Training.fit(net, blobs(1, 30, false), null,
                    FitOptions.builder().augment(1).batch(10).build()));
            assertEquals("augment", e.option());
            e = assertThrows(InvalidOptionException.class, () -> Training.fit(net, blobs(1, 30, false), null,
                    FitOptions.builder().batch(31).build()));
            assertEquals("batch 31 is larger than the 30 training rows", e.getMessage());
        }
    }

    @Test
    void layerListsChainAndDescribeThemselves() {
        try (Backend be = TestDevices.open("cpu")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> Sequential.of(be, affine(4, 8), relu(), affine(7, 3)));
            assertEquals("layer 3 affine(7,3) takes 7 inputs but the layer before it gives 8", e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> Sequential.of(be, affine(4, 8), relu()));
            assertTrue(e.getMessage().startsWith("the last layer must be affine"), e.getMessage());
            try (Sequential net = Sequential.of(be, mixedLayers())) {
                String s = net.summary();
                assertTrue(s.contains("affine1") && s.contains("dropout1") && s.contains("sigmoid1"), s);
                assertTrue(s.lines().anyMatch(l -> l.startsWith("total") && l.endsWith(" 243")), s);
                assertEquals(java.util.Optional.empty(), net.architecture());
                assertEquals(net.layerSpecs(), LayerSpec.parseList(LayerSpec.describe(net.layerSpecs())));
            }
        }
        assertEquals("784-50-10 relu",
                Architecture.of(java.util.List.of(affine(784, 50), relu(), dropout(0.5f), affine(50, 10))).orElseThrow().toString());
    }
}
