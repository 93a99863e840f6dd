package dev.clayers.train;

import dev.clayers.backend.Backend;
import dev.clayers.backend.TestDevices;
import dev.clayers.data.DataSplit;
import dev.clayers.data.MnistDataset;
import dev.clayers.net.Activation;
import dev.clayers.net.Architecture;
import dev.clayers.net.DeviceDataset;
import dev.clayers.net.Sequential;
import dev.clayers.net.WeightInit;
import dev.clayers.layer.NonFiniteLossException;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TrainerTest {
    private static DataSplit data;

    @BeforeAll
    static void load() throws IOException {
        data = MnistDataset.bundled();
    }

    private static final Architecture ARCH = new Architecture(784, new int[] {64}, 10, Activation.RELU);

    private static FitOptions config(String optimizer, float lr, int epochs) {
        return FitOptions.builder().optimizer(Optimizer.Kind.parse(optimizer)).learningRate(lr).batch(100).epochs(epochs)
                .seed(42).schedule(Schedule.CONSTANT).build();
    }

    /** Runs {@code body} with a trainer for {@code c} on device {@code id}; closes everything after. */
    private static void withTrainer(String id, FitOptions c, java.util.function.Consumer<Trainer> body) {
        try (Backend be = TestDevices.open(id);
             Sequential net = Sequential.create(be, ARCH, WeightInit.parse("he"), c.seed());
             Optimizer opt = c.optimizer().create(be, c.learningRate());
             DeviceDataset train = new DeviceDataset(be, data.train());
             DeviceDataset test = new DeviceDataset(be, data.test());
             Trainer trainer = new Trainer(net, opt, train, test, c)) {
            body.accept(trainer);
        }
    }

    /** Two epochs on the bundled digits must learn: test accuracy far above chance (0.1). */
    @ParameterizedTest
    @MethodSource("dev.clayers.backend.TestDevices#ids")
    void shortRunLearns(String id) {
        withTrainer(id, config("adam", 0.001f, 2), trainer -> {
            EpochMetrics first = trainer.runEpoch(1, new Trainer.Listener() {});
            EpochMetrics second = trainer.runEpoch(2, new Trainer.Listener() {});
            assertTrue(second.trainLoss() < first.trainLoss(), first + " -> " + second);
            assertTrue(second.validationAccuracy() > 0.85, "test accuracy " + second.validationAccuracy());
            assertEquals(160, second.iterations());
        });
    }

    /** The same seed on the same device gives the same numbers. */
    @ParameterizedTest
    @MethodSource("dev.clayers.backend.TestDevices#ids")
    void sameSeedSameRun(String id) {
        double[] acc = new double[2];
        for (int r = 0; r < 2; r++) {
            int run = r;
            withTrainer(id, config("momentum", 0.05f, 1), trainer -> {
                EpochMetrics m = trainer.runEpoch(1, new Trainer.Listener() {});
                acc[run] = m.trainLoss() * 1000 + m.validationAccuracy();
            });
        }
        assertEquals(acc[0], acc[1], 0.0);
    }

    /** A learning rate far too large diverges; training stops with advice instead of printing garbage. */
    @ParameterizedTest
    @MethodSource("dev.clayers.backend.TestDevices#ids")
    void divergenceStopsWithAdvice(String id) {
        withTrainer(id, config("sgd", 1e30f, 1), trainer -> {
            NonFiniteLossException e = assertThrows(NonFiniteLossException.class,
                    () -> trainer.runEpoch(1, new Trainer.Listener() {}));
            assertTrue(e.getMessage().contains("lower the learning rate"), e.getMessage());
        });
    }

    /** Masks, shifts and sampled batches follow --seed, and each stream and step gets its own seed. */
    @org.junit.jupiter.api.Test
    void stepSeedsDependOnRunSeedStepAndStream() {
        java.util.Set<Integer> seen = new java.util.HashSet<>();
        for (long seed : new long[] {1, 2}) {
            for (long step = 0; step < 50; step++) {
                for (Trainer.Stream s : Trainer.Stream.values()) seen.add(Trainer.stepSeed(seed, step, s));
            }
        }
        assertEquals(2 * 50 * 3, seen.size(), "no two (seed, step, stream) share a seed");
        assertEquals(Trainer.stepSeed(7, 3, Trainer.Stream.DROPOUT), Trainer.stepSeed(7, 3, Trainer.Stream.DROPOUT));
    }
}
