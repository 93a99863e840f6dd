package dev.clayers.net;

import dev.clayers.backend.Backend;
import dev.clayers.backend.IntVector;
import dev.clayers.backend.Matrix;
import dev.clayers.backend.TestDevices;
import dev.clayers.layer.Param;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SequentialTest {
    private static float[] randomInputs(Random rng, int n) {
        float[] xs = new float[n];
        for (int i = 0; i < n; i++) xs[i] = rng.nextFloat();
        return xs;
    }

    private static int[] randomLabels(Random rng, int n) {
        int[] t = new int[n];
        for (int i = 0; i < n; i++) t[i] = rng.nextInt(10);
        return t;
    }

    /** The book's check: TwoLayerNet(784, 50, 10, 0.01) on 3 samples, backprop against numerical gradients. */
    @ParameterizedTest
    @MethodSource("dev.clayers.backend.TestDevices#ids")
    void twoLayerNetGradientCheck(String id) {
        Random rng = new Random(1);
        try (Backend be = TestDevices.open(id);
             Sequential net = TwoLayerNet.create(be, 784, 50, 10, 0.01, 7);
             Matrix x = be.upload(randomInputs(rng, 3 * 784), 3, 784)) {
            GradientCheck.Report r = GradientCheck.run(net, x, randomLabels(rng, 3), 200, 1e-2, 3);
            assertEquals(List.of("affine1.W", "affine1.b", "affine2.W", "affine2.b"),
                    r.params().stream().map(GradientCheck.ParamResult::name).toList());
            for (GradientCheck.ParamResult p : r.params()) {
                assertTrue(p.pass(), p.toString());
                assertTrue(p.checked() > p.kinks(), "most entries must be checked, not skipped: " + p);
            }
        }
    }

    static Stream<Arguments> devicesAndActivations() {
        return TestDevices.ids().flatMap(id -> Stream.of(Activation.values()).map(a -> Arguments.of(id, a)));
    }

    /** A deeper net of every activation, with the step that activation's gradient check takes. */
    @ParameterizedTest(name = "{1} on {0}")
    @MethodSource("devicesAndActivations")
    void deepGradientCheck(String id, Activation activation) {
        Random rng = new Random(2);
        Architecture arch = new Architecture(20, new int[] {16, 12}, 5, activation);
        try (Backend be = TestDevices.open(id);
             Sequential net = Sequential.create(be, arch, WeightInit.parse("xavier"), 5);
             Matrix x = be.upload(randomInputs(rng, 4 * 20), 4, 20)) {
            int[] t = {0, 4, 2, 2};
            GradientCheck.Report r = GradientCheck.run(net, x, t, 0, activation.gradientCheckStep(), 3);
            assertEquals(6, r.params().size());
            r.params().forEach(p -> assertTrue(p.pass(), p.toString()));
        }
    }

    /** An SGD step on the very buffers the layers use must lower the loss on the same batch. */
    @ParameterizedTest
    @MethodSource("dev.clayers.backend.TestDevices#ids")
    void sgdStepUpdatesLayerBuffersAndLearns(String id) {
        Random rng = new Random(3);
        Architecture arch = new Architecture(784, new int[] {50}, 10, Activation.RELU);
        try (Backend be = TestDevices.open(id);
             Sequential net = Sequential.create(be, arch, WeightInit.parse("he"), 7);
             Matrix x = be.upload(randomInputs(rng, 20 * 784), 20, 784);
             IntVector t = be.uploadInts(randomLabels(rng, 20))) {
            float first = net.gradient(x, t);
            for (int step = 0; step < 100; step++) {
                for (Param p : net.params()) be.axpy(-0.1f, p.grad(), p.value());
                net.gradient(x, t);
            }
            float last = net.loss(x, t);
            assertTrue(last < first * 0.5f, "loss " + first + " -> " + last);
            assertEquals(1.0, net.accuracy(x, t), 1e-9, "20 samples are memorised");
        }
    }

    @ParameterizedTest
    @MethodSource("dev.clayers.backend.TestDevices#ids")
    void closingTheNetworkLeavesNoBuffers(String id) {
        try (Backend be = TestDevices.open(id)) {
            try (Sequential net = TwoLayerNet.create(be, 784, 50, 10, 0.01, 7);
                 Matrix x = be.alloc(5, 784); IntVector t = be.allocInts(5)) {
                net.gradient(x, t);
            }
            assertEquals(0, be.liveBuffers());
            assertEquals(0, be.liveBytes());
        }
    }

    @ParameterizedTest
    @MethodSource("dev.clayers.backend.TestDevices#ids")
    void sameSeedSameWeights(String id) {
        Architecture arch = new Architecture(784, new int[] {50}, 10, Activation.RELU);
        try (Backend be = TestDevices.open(id);
             Sequential a = Sequential.create(be, arch, WeightInit.BOOK, 11);
             Sequential b = Sequential.create(be, arch, WeightInit.BOOK, 11)) {
            for (String name : List.of("affine1.W", "affine2.W")) {
                float[] wa = be.download(a.param(name).value()), wb = be.download(b.param(name).value());
                assertEquals(java.util.Arrays.hashCode(wa), java.util.Arrays.hashCode(wb));
            }
        }
    }
}
