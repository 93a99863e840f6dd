package dev.clayers.train;

import dev.clayers.backend.Backend;
import dev.clayers.backend.Matrix;
import dev.clayers.backend.TestDevices;
import dev.clayers.layer.Param;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * Every optimizer's update, three steps on 7x33 parameters, on every device, against the
 * book's formulas evaluated on the host in double. Tolerance 1e-5 relative + 1e-6 absolute:
 * the device works in float32 over a handful of operations per element.
 */
class OptimizerContractTest {

    static Stream<org.junit.jupiter.params.provider.Arguments> cases() {
        return TestDevices.contractIds().flatMap(id -> Stream.of(Optimizer.Kind.values())
                .map(kind -> org.junit.jupiter.params.provider.Arguments.of(id, kind)));
    }

    @ParameterizedTest(name = "{1} on {0}")
    @MethodSource("cases")
    void updateMatchesReference(String id, Optimizer.Kind kind) {
        Random rng = new Random(5);
        int rows = 7, cols = 33, n = rows * cols;
        float[] p0 = new float[n];
        for (int i = 0; i < n; i++) p0[i] = (float) rng.nextGaussian();
        float[][] grads = new float[3][n];
        for (float[] g : grads) for (int i = 0; i < n; i++) g[i] = (float) rng.nextGaussian();
        float lr = 0.01f;

        double[] ref = reference(kind, p0, grads, lr);
        try (Backend be = TestDevices.open(id); Matrix p = be.upload(p0, rows, cols); Matrix g = be.alloc(rows, cols);
             Optimizer opt = kind.create(be, lr)) {
            List<Param> params = List.of(new Param("affine1.W", p, g));
            for (float[] grad : grads) {
                be.write(g, grad);
                opt.step(params);
            }
            float[] got = be.download(p);
            for (int i = 0; i < n; i++) {
                assertEquals(ref[i], got[i], 1e-6 + 1e-5 * Math.abs(ref[i]), kind + " element " + i);
            }
            assertEquals(3, opt.steps());
        }
    }

    /**
     * The book's update rules (common/optimizer.py) in double. A switch expression without a
     * default: a new {@link Optimizer.Kind} does not compile until its rule is written here.
     */
    static double[] reference(Optimizer.Kind kind, float[] p0, float[][] grads, float lr) {
        int n = p0.length;
        double[] p = new double[n], s1 = new double[n], s2 = new double[n];
        for (int i = 0; i < n; i++) p[i] = p0[i];
        int t = 0;
        for (float[] g : grads) {
            t++;
            for (int i = 0; i < n; i++) {
                p[i] = switch (kind) {
                    case SGD -> p[i] - lr * g[i];
                    case MOMENTUM -> {
                        s1[i] = 0.9 * s1[i] - lr * g[i];
                        yield p[i] + s1[i];
                    }
                    case ADAGRAD -> {
                        s1[i] += (double) g[i] * g[i];
                        yield p[i] - lr * g[i] / (Math.sqrt(s1[i]) + 1e-7);
                    }
                    case RMSPROP -> {
                        s1[i] = 0.99 * s1[i] + (1 - 0.99) * g[i] * g[i];
                        yield p[i] - lr * g[i] / (Math.sqrt(s1[i]) + 1e-7);
                    }
                    case ADAM -> {
                        double lrT = lr * Math.sqrt(1 - Math.pow(0.999, t)) / (1 - Math.pow(0.9, t));
                        s1[i] += (1 - 0.9) * (g[i] - s1[i]);
                        s2[i] += (1 - 0.999) * ((double) g[i] * g[i] - s2[i]);
                        yield p[i] - lrT * s1[i] / (Math.sqrt(s2[i]) + 1e-7);
                    }
                };
            }
        }
        return p;
    }

    /** Each kind builds the optimizer it names, whose kind() (in checkpoint messages) is the same id. */
    @org.junit.jupiter.api.Test
    void everyKindNamesItself() {
        try (Backend be = TestDevices.open("cpu")) {
            for (Optimizer.Kind k : Optimizer.Kind.values()) {
                try (Optimizer o = k.create(be, 0.1f)) {
                    assertEquals(k.id(), o.kind());
                    assertEquals(k, Optimizer.Kind.parse(k.id().toUpperCase(java.util.Locale.ROOT)));
                }
            }
        }
    }

    @org.junit.jupiter.api.Test
    void rejectsBadSettings() {
        try (Backend be = TestDevices.open("cpu")) {
            assertThrows(IllegalArgumentException.class, () -> Optimizer.create("nesterov", be, 0.1f));
            assertThrows(IllegalArgumentException.class, () -> Optimizer.create("sgd", be, -0.1f));
            assertThrows(IllegalArgumentException.class, () -> Optimizer.create("sgd", be, Float.NaN));
        }
    }
}
