package dev.clayers.train;

import dev.clayers.backend.Backend;
import dev.clayers.backend.Backends;
import dev.clayers.data.Dataset;
import dev.clayers.data.MnistDataset;
import dev.clayers.net.LayerSpec;
import dev.clayers.net.Sequential;
import dev.clayers.net.WeightInit;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static dev.clayers.net.LayerSpec.affine;
import static dev.clayers.net.LayerSpec.dropout;
import static dev.clayers.net.LayerSpec.relu;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link BatchShare}, the step of data parallelism across processes, on the Java backend: three
 * shares (three networks on one device, as three processes would hold them) end where one device
 * ends at the same batch within float tolerance, and shares reopened from the state between two
 * epochs go on bit for bit as if never stopped.
 */
class BatchShareTest {
    private static final Dataset TRAIN = digits(600);

    private static Dataset digits(int n) {
        Dataset all = MnistDataset.bundled().train();
        return new Dataset("digits", Arrays.copyOf(all.images(), n * all.features()), Arrays.copyOf(all.labels(), n),
                all.rows(), all.cols(), all.classes());
    }

    private static List<LayerSpec> mlp() {
        return List.of(affine(784, 32), relu(), dropout(0.2f), affine(32, 10));
    }

    private static final FitOptions OPTIONS = FitOptions.builder().epochs(2).batch(100).augment(1)
            .learningRate(0.002f).weightDecay(1e-4f).build();

    /** Trains epochs {@code from..to} on {@code parts} shares opened from {@code state}; returns the state after. */
    private static State train(Backend be, Map<String, float[]> weights, State state, int parts, int from, int to) {
        List<BatchShare> shares = new ArrayList<>();
        try {
            for (int[] s : BatchShare.split(OPTIONS.batch(), parts)) {
                BatchShare share = BatchShare.open(be, mlp(), state == null ? weights : state.weights, null, TRAIN, OPTIONS, s[0], s[1]);
                shares.add(share);
                if (state != null) share.restoreOptimizer(state.optimizer, state.steps);
            }
            for (int epoch = from; epoch <= to; epoch++) {
                for (BatchShare s : shares) s.startEpoch(epoch);
                for (int it = 0; it < shares.get(0).iterationsPerEpoch(); it++) {
                    List<float[][]> grads = new ArrayList<>();
                    for (BatchShare s : shares) grads.add(copy(s.gradient(it)));
                    float[][] sum = BatchShare.sum(grads);
                    for (BatchShare s : shares) s.apply(sum);
                }
            }
            BatchShare first = shares.get(0);
            for (BatchShare s : shares.subList(1, shares.size())) assertSame(first.weights(), s.weights());
            return new State(first.weights(), first.optimizerState(), first.steps());
        } finally {
            shares.forEach(BatchShare::close);
        }
    }

    private record State(Map<String, float[]> weights, Map<String, float[]> optimizer, long steps) {}

    private static float[][] copy(float[][] a) {
        return Arrays.stream(a).map(float[]::clone).toArray(float[][]::new);
    }

    private static void assertSame(Map<String, float[]> a, Map<String, float[]> b) {
        assertEquals(a.keySet(), b.keySet());
        for (String k : a.keySet()) assertArrayEquals(a.get(k), b.get(k), k);
    }

    @Test
    void threeSharesEqualOneDeviceAndResumeBitForBit() {
        try (Backend be = Backends.open("cpu")) {
            Map<String, float[]> init;
            Map<String, float[]> one;
            try (Sequential net = Sequential.of(be, mlp().toArray(LayerSpec[]::new))) {
                init = net.weights();
                Training.fit(net, TRAIN, null, OPTIONS);
                one = net.weights();
            }
            State whole = train(be, init, null, 3, 1, 2);
            double d = 0;
            for (String k : one.keySet()) {
                for (int i = 0; i < one.get(k).length; i++) d = Math.max(d, Math.abs(one.get(k)[i] - whole.weights.get(k)[i]));
            }
            assertTrue(d < 1e-5, "largest weight difference to one device " + d);
            assertEquals(12, whole.steps);

            State half = train(be, init, null, 3, 1, 1);
            State resumed = train(be, null, half, 3, 2, 2);
            assertSame(whole.weights, resumed.weights);
            assertSame(whole.optimizer, resumed.optimizer);
        }
    }

    @Test
    void refusesWhatItCannotDo() {
        try (Backend be = Backends.open("cpu")) {
            Map<String, float[]> w = Sequential.initialWeights(mlp(), WeightInit.HE, 1);
            FitOptions sampled = OPTIONS.toBuilder().sampledIterations(10).build();
            assertThrows(InvalidOptionException.class, () -> BatchShare.open(be, mlp(), w, null, TRAIN, sampled, 0, 50));
            assertThrows(IllegalArgumentException.class, () -> BatchShare.open(be, mlp(), w, null, TRAIN, OPTIONS, 60, 50));
            assertThrows(InvalidOptionException.class, () -> BatchShare.split(2, 3));
            // check: what open refuses of the data and options, before anything is opened.
            assertThrows(InvalidOptionException.class, () -> BatchShare.check(TRAIN, sampled));
            InvalidOptionException big = assertThrows(InvalidOptionException.class,
                    () -> BatchShare.check(TRAIN, OPTIONS.toBuilder().batch(601).build()));
            assertEquals("batch", big.option());
            BatchShare.check(TRAIN, OPTIONS);
        }
    }
}
