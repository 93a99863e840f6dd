package dev.clayers.train;

import dev.clayers.backend.Backend;
import dev.clayers.backend.cpu.CpuBackend;
import dev.clayers.data.Dataset;
import dev.clayers.net.ModelFile;
import dev.clayers.net.Sequential;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static dev.clayers.net.LayerSpec.affine;
import static dev.clayers.net.LayerSpec.relu;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Learning-rate schedules, early stopping on any metric with best-weight restore, listeners that stop a run. */
class SchedulesAndStoppingTest {

    @Test
    void schedulesGiveTheirRatesAndReadBackFromTheirIds() {
        assertEquals(0.1f, Schedule.CONSTANT.rate(0.1f, 7, 10));
        assertEquals(0.1f, Schedule.COSINE.rate(0.1f, 1, 10), 1e-7f);
        assertEquals(0.05f, Schedule.COSINE.rate(0.1f, 6, 10), 1e-7f);
        Schedule step = Schedule.step(3, 0.5f);
        assertArrayEquals(new float[] {1, 1, 1, 0.5f, 0.5f, 0.5f, 0.25f},
                new float[] {step.rate(1, 1, 9), step.rate(1, 2, 9), step.rate(1, 3, 9), step.rate(1, 4, 9), step.rate(1, 5, 9),
                        step.rate(1, 6, 9), step.rate(1, 7, 9)});
        assertEquals((float) Math.pow(0.9, 4), Schedule.exponential(0.9f).rate(1, 5, 10), 1e-6f);
        Schedule warm = Schedule.warmup(3, Schedule.COSINE);
        assertEquals(0.25f, warm.rate(1, 1, 13), 1e-7f);
        assertEquals(0.75f, warm.rate(1, 3, 13), 1e-7f);
        assertEquals(1f, warm.rate(1, 4, 13), 1e-7f, "the cosine part starts at the full rate");
        for (Schedule s : List.of(Schedule.CONSTANT, Schedule.COSINE, step, Schedule.exponential(0.95f), warm,
                Schedule.warmup(2, Schedule.step(5, 0.1f)))) {
            Schedule back = Schedule.parse(s.id());
            assertEquals(s.id(), back.id());
            for (int e = 1; e <= 12; e++) assertEquals(s.rate(0.3f, e, 12), back.rate(0.3f, e, 12), s.id());
        }
        Schedule mine = Schedule.of("halving", (lr, e, n) -> lr / e);
        assertEquals(0.25f, mine.rate(1, 4, 10));
        assertEquals("custom:halving", mine.id());
        assertThrows(InvalidOptionException.class, () -> Schedule.parse(mine.id()).rate(1, 1, 1));
        for (String bad : List.of("linear", "step:0:0.5", "step:3:2", "exp:-1", "exp:NaN", "warmup:0+cosine", "warmup:3+x", "")) {
            assertThrows(InvalidOptionException.class, () -> Schedule.parse(bad), bad);
        }
    }

    /** Two blobs that a small net separates; the validation labels are noisier so its loss turns up after a while. */
    private static Dataset blobs(long seed, int n, double noise) {
        Random rng = new Random(seed);
        float[][] x = new float[n][4];
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            int c = i % 2;
            for (int j = 0; j < 4; j++) x[i][j] = (float) (rng.nextGaussian() + (j == c ? 1.2 : 0));
            y[i] = rng.nextDouble() < noise ? 1 - c : c;
        }
        return Dataset.of(x, y);
    }

    @Test
    void earlyStoppingRestoresTheBestWeightsAndKeepsTheBestModel(@TempDir Path dir) throws Exception {
        Dataset train = blobs(1, 200, 0.3), validation = blobs(2, 200, 0.3);
        List<Map<String, float[]>> perEpoch = new ArrayList<>();
        try (Backend be = new CpuBackend(); Sequential net = Sequential.of(be, 5, affine(4, 64), relu(), affine(64, 2))) {
            FitOptions options = FitOptions.builder().epochs(60).batch(20).learningRate(0.02f).schedule(Schedule.CONSTANT)
                    .earlyStopping(EarlyStopping.on(EarlyStopping.Monitor.VALIDATION_LOSS, 3).minDelta(1e-4).restoringBest())
                    .checkpointDir(dir).keepBest(true)
                    .listener(new Trainer.Listener() {
                        @Override public void epochFinished(EpochMetrics m, List<EpochMetrics> h) { perEpoch.add(net.weights()); }
                    }).build();
            History h = Training.fit(net, train, validation, options);
            assertEquals(History.Stop.EARLY_STOPPING, h.stopped(), "an overfitting run stops early");
            int best = h.bestEpoch();
            assertTrue(best >= 1 && best < h.last().epoch(), "best " + best + " of " + h.last().epoch());
            double bestLoss = h.epochs().get(best - 1).validationLoss();
            for (EpochMetrics m : h.epochs()) assertTrue(m.validationLoss() >= bestLoss - 1e-4 || m.epoch() == best, m.toString());
            // The network ends with the best epoch's weights, and best.safetensors holds them too.
            Map<String, float[]> now = net.weights();
            for (Map.Entry<String, float[]> e : perEpoch.get(best - 1).entrySet()) {
                assertArrayEquals(e.getValue(), now.get(e.getKey()), 0f, e.getKey());
            }
            ModelFile.Model saved = ModelFile.load(dir.resolve(Checkpoint.BEST_FILE));
            assertEquals(Integer.toString(best), saved.metadata().get("best_epoch"));
            for (Map.Entry<String, float[]> e : saved.weights().entrySet()) assertArrayEquals(now.get(e.getKey()), e.getValue(), 0f);
            assertEquals(bestLoss, net.evaluate(validation).loss(), 1e-5);
        }
    }

    @Test
    void earlyStoppingMonitorsAccuracyWithAMinimumImprovement() {
        EarlyStopping acc = EarlyStopping.on(EarlyStopping.Monitor.VALIDATION_ACCURACY, 2).minDelta(0.01);
        assertTrue(acc.improves(0.90, Double.NaN));
        assertTrue(acc.improves(0.92, 0.90));
        assertTrue(!acc.improves(0.905, 0.90), "within minDelta");
        assertTrue(!acc.improves(Double.NaN, 0.90));
        EarlyStopping loss = EarlyStopping.on(EarlyStopping.Monitor.TRAIN_LOSS, 1);
        assertTrue(loss.improves(0.5, 0.6));
        assertTrue(!loss.improves(0.7, 0.6));
        assertThrows(InvalidOptionException.class, () -> EarlyStopping.on(EarlyStopping.Monitor.LOSS, 0));
        assertThrows(InvalidOptionException.class, () -> acc.minDelta(-1));
        try (Backend be = new CpuBackend(); Sequential net = Sequential.of(be, affine(4, 2))) {
            FitOptions o = FitOptions.builder().epochs(3).batch(20).earlyStopping(acc).build();
            assertThrows(InvalidOptionException.class, () -> Training.fit(net, blobs(1, 100, 0), null, o),
                    "validation accuracy without a validation set");
        }
        assertThrows(InvalidOptionException.class, () -> FitOptions.builder().keepBest(true).build(), "keepBest needs a folder");
    }

    @Test
    void aListenerStopsTheRun() {
        try (Backend be = new CpuBackend(); Sequential net = Sequential.of(be, affine(4, 2))) {
            FitOptions o = FitOptions.builder().epochs(10).batch(20).listener(new Trainer.Listener() {
                int epochs;
                @Override public void epochFinished(EpochMetrics m, List<EpochMetrics> h) { epochs = h.size(); }
                @Override public boolean stopRequested() { return epochs >= 4; }
            }).build();
            History h = Training.fit(net, blobs(1, 100, 0), null, o);
            assertEquals(History.Stop.LISTENER, h.stopped());
            assertEquals(4, h.epochs().size());
        }
    }

    @Test
    void aStepScheduleSetsEachEpochsRate() {
        List<Float> rates = new ArrayList<>();
        try (Backend be = new CpuBackend(); Sequential net = Sequential.of(be, affine(4, 2))) {
            FitOptions o = FitOptions.builder().epochs(5).batch(20).learningRate(0.1f).schedule(Schedule.step(2, 0.5f)).build();
            for (int e = 1; e <= 5; e++) rates.add(o.learningRate(e));
            Training.fit(net, blobs(1, 100, 0), null, o);
        }
        assertEquals(List.of(0.1f, 0.1f, 0.05f, 0.05f, 0.025f), rates);
    }
}
