package dev.clayers.train;

import dev.clayers.backend.Backend;
import dev.clayers.backend.TestDevices;
import dev.clayers.data.Dataset;
import dev.clayers.layer.NonFiniteLossException;
import dev.clayers.net.Sequential;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Path;
import java.util.Random;

import static dev.clayers.net.LayerSpec.affine;
import static dev.clayers.net.LayerSpec.dropout;
import static dev.clayers.net.LayerSpec.relu;
import static dev.clayers.net.LayerSpec.sigmoid;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * Leak accounting: after training with each optimizer (and after runs that fail half-way), every
 * device buffer is closed once the network is: the trainer, the optimizer's state and the device
 * copies of the data are closed by {@link Training} itself.
 */
class LeakTest {
    private static Dataset rows(long seed, int n) {
        Random rng = new Random(seed);
        float[][] x = new float[n][4];
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            y[i] = i % 3;
            for (int j = 0; j < 4; j++) x[i][j] = (float) (rng.nextGaussian() * 0.5 + (j == y[i] ? 2 : 0));
        }
        return Dataset.of(x, y);
    }

    @ParameterizedTest
    @MethodSource("dev.clayers.backend.TestDevices#ids")
    void everyOptimizerLeavesNoBuffers(String id, @TempDir Path dir) throws Exception {
        Dataset train = rows(1, 300), test = rows(2, 120);
        try (Backend be = TestDevices.open(id)) {
            for (Optimizer.Kind kind : Optimizer.Kind.values()) {
                Path ckpt = dir.resolve(kind.id());
                try (Sequential net = Sequential.of(be, affine(4, 16), relu(), dropout(0.1f), affine(16, 8), sigmoid(), affine(8, 3))) {
                    FitOptions o = FitOptions.builder().optimizer(kind).epochs(3).batch(50).learningRate(0.01f)
                            .checkpointDir(ckpt).stopAfterEpoch(2).build();
                    Training.fit(net, train, test, o);
                    net.evaluate(test);
                    net.predictClasses(new float[][] {{2, 0, 0, 0}});
                }
                assertEquals(0, be.liveBuffers(), kind + ": buffers left after fit, evaluate and predict");

                Checkpoint.State state = Checkpoint.load(ckpt);
                try (Sequential net = Sequential.fromWeights(be, state.model().layers(), state.model().weights())) {
                    Training.resume(net, train, test, state.options(), state);
                }
                assertEquals(0, be.liveBuffers(), kind + ": buffers left after resume");
            }
        }
    }

    @ParameterizedTest
    @MethodSource("dev.clayers.backend.TestDevices#ids")
    void runsThatFailLeaveNoBuffers(String id) {
        Dataset train = rows(1, 60);
        try (Backend be = TestDevices.open(id)) {
            try (Sequential net = Sequential.of(be, affine(4, 8), relu(), affine(8, 3))) {
                // The trainer refuses the batch after the data is on the device.
                assertThrows(InvalidOptionException.class, () -> Training.fit(net, train, null,
                        FitOptions.builder().batch(61).build()));
                // Diverges in the first epoch, with the optimizer's state allocated.
                assertThrows(NonFiniteLossException.class, () -> Training.fit(net, train, null,
                        FitOptions.builder().optimizer(Optimizer.Kind.ADAM).learningRate(1e30f).batch(20).build()));
            }
            assertEquals(0, be.liveBuffers(), "buffers left after failed runs");
        }
    }
}
