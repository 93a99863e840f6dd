package dev.clayers.train;

import dev.clayers.backend.Backend;
import dev.clayers.backend.TestDevices;
import dev.clayers.data.Dataset;
import dev.clayers.data.Normaliser;
import dev.clayers.net.DeviceDataset;
import dev.clayers.net.LayerSpec;
import dev.clayers.net.Sequential;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.UnaryOperator;

import static dev.clayers.net.LayerSpec.affine;
import static dev.clayers.net.LayerSpec.dropout;
import static dev.clayers.net.LayerSpec.relu;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Training data larger than the device's data budget streams from the host. The budget is forced
 * small ({@link DeviceDataset#BUDGET_PROPERTY}) so that the training set is five times it; the
 * batch order is the same (the epoch's permutation, or the drawn indices, of the seed), so the
 * weights must equal those of the resident path bit for bit. The peak of the device's live bytes
 * during training shows that the set was never on the device whole.
 */
class StreamingTest {
    /** 8x8 one-channel pictures of 4 classes: a bright 3x3 square in a corner per class, plus noise. */
    private static Dataset images(long seed, int n) {
        Random rng = new Random(seed);
        float[] x = new float[n * 64];
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            y[i] = i % 4;
            int r0 = y[i] < 2 ? 1 : 4, c0 = y[i] % 2 == 0 ? 1 : 4;
            for (int p = 0; p < 64; p++) x[i * 64 + p] = (float) (0.2 * rng.nextDouble());
            for (int r = r0; r < r0 + 3; r++) for (int c = c0; c < c0 + 3; c++) x[i * 64 + r * 8 + c] += 0.8f;
        }
        return new Dataset("squares", x, y, 8, 8, 4);
    }

    private static LayerSpec[] layers() {
        return new LayerSpec[] {affine(64, 24), relu(), dropout(0.1f), affine(24, 4)};
    }

    private record Run(Map<String, float[]> weights, List<EpochMetrics> epochs, long peakLiveBytes) {}

    private static Run fit(String id, Dataset train, Dataset validation, FitOptions options, Long budget, Normaliser n) {
        String old = System.getProperty(DeviceDataset.BUDGET_PROPERTY);
        if (budget != null) System.setProperty(DeviceDataset.BUDGET_PROPERTY, Long.toString(budget));
        try (Backend be = TestDevices.open(id); Sequential net = Sequential.of(be, layers())) {
            net.setNormaliser(n);
            long[] peak = {0};
            Trainer.Listener l = new Trainer.Listener() {
                @Override
                public void progress(long samplesDone) {
                    peak[0] = Math.max(peak[0], be.liveBytes());
                }
            };
            History h = Training.fit(net, train, validation, options.toBuilder().listener(l).build());
            return new Run(net.weights(), h.epochs(), peak[0]);
        } finally {
            if (old == null) System.clearProperty(DeviceDataset.BUDGET_PROPERTY);
            else System.setProperty(DeviceDataset.BUDGET_PROPERTY, old);
        }
    }

    private static void assertSame(Run resident, Run streamed, long trainBytes) {
        assertEquals(resident.weights().keySet(), streamed.weights().keySet());
        for (String k : resident.weights().keySet()) {
            assertArrayEquals(resident.weights().get(k), streamed.weights().get(k), 0f, k + " differs");
        }
        for (int e = 0; e < resident.epochs().size(); e++) {
            EpochMetrics r = resident.epochs().get(e), s = streamed.epochs().get(e);
            assertEquals(r.trainLoss(), s.trainLoss(), 0.0, "epoch " + (e + 1));
            assertEquals(r.trainAccuracy(), s.trainAccuracy(), 0.0);
            assertEquals(r.testLoss(), s.testLoss(), 0.0);
        }
        assertTrue(resident.peakLiveBytes() >= trainBytes, "the resident set is on the device: " + resident.peakLiveBytes());
        assertTrue(streamed.peakLiveBytes() < trainBytes, "the streamed set never is: peak " + streamed.peakLiveBytes()
                + " bytes live for a " + trainBytes + "-byte set");
    }

    @ParameterizedTest
    @MethodSource("dev.clayers.backend.TestDevices#ids")
    void aSetFiveTimesTheBudgetTrainsToTheSameWeights(String id) {
        Dataset train = images(1, 1000), validation = images(2, 300);
        long bytes = DeviceDataset.bytes(train);   // 1000 * 65 * 4 = 260,000
        FitOptions o = FitOptions.builder().epochs(3).batch(50).learningRate(0.05f).optimizer(Optimizer.Kind.ADAM).seed(7).build();
        Run resident = fit(id, train, validation, o, null, null);
        Run streamed = fit(id, train, validation, o, bytes / 5, null);
        assertSame(resident, streamed, bytes);
        assertTrue(resident.epochs().get(2).testAccuracy() > 0.9, "it learns: " + resident.epochs().get(2));
        // A last chunk shorter than the others, and batches that leave rows out of the epoch.
        Run odd = fit(id, train, validation, o.toBuilder().batch(30).build(), bytes / 7, null);
        assertSame(fit(id, train, validation, o.toBuilder().batch(30).build(), null, null), odd, bytes);
    }

    @ParameterizedTest
    @MethodSource("dev.clayers.backend.TestDevices#ids")
    void augmentedBookModeAndNormalisedRunsStreamAlike(String id) {
        Dataset train = images(3, 600);
        long bytes = DeviceDataset.bytes(train);
        FitOptions augmented = FitOptions.builder().epochs(2).batch(40).learningRate(0.1f).augment(2).seed(3).build();
        assertSame(fit(id, train, null, augmented, null, null), fit(id, train, null, augmented, bytes / 4, null), bytes);
        FitOptions book = FitOptions.builder().epochs(2).batch(25).learningRate(0.1f).sampledIterations(40).seed(5).build();
        assertSame(fit(id, train, null, book, null, null), fit(id, train, null, book, bytes / 4, null), bytes);
        Normaliser n = Normaliser.standardise(train);
        Run normalised = fit(id, train, null, augmented, bytes / 4, n);
        assertSame(fit(id, train, null, augmented, null, n), normalised, bytes);
        // The normaliser is applied on the host exactly as a user would apply it beforehand.
        UnaryOperator<Dataset> byHand = n::apply;
        Run applied = fit(id, byHand.apply(train), null, augmented, null, null);
        for (String k : applied.weights().keySet()) {
            assertArrayEquals(applied.weights().get(k), normalised.weights().get(k), 0f, k);
        }
    }
}
