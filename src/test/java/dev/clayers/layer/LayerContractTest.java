package dev.clayers.layer;

import dev.clayers.backend.Backend;
import dev.clayers.backend.IntVector;
import dev.clayers.backend.Matrix;
import dev.clayers.backend.TestDevices;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every layer's forward and backward against hand-computed values, on every device. Tolerance 1e-6 (float32, few ops). */
class LayerContractTest {
    private static final float TOL = 1e-6f;

    @ParameterizedTest
    @MethodSource("dev.clayers.backend.TestDevices#contractIds")
    void relu(String id) {
        try (Backend be = TestDevices.open(id); Relu relu = new Relu(be, "relu1");
             Matrix x = be.upload(new float[] {1, -0.5f, 0, 2, -3, 0.25f}, 2, 3);
             Matrix dout = be.upload(new float[] {10, 20, 30, 40, 50, 60}, 2, 3)) {
            assertArrayEquals(new float[] {1, 0, 0, 2, 0, 0.25f}, be.download(relu.forward(x)), TOL);
            // The gradient passes only where x > 0 (x == 0 counts as off, as in the book's mask x <= 0).
            assertArrayEquals(new float[] {10, 0, 0, 40, 0, 60}, be.download(relu.backward(dout)), TOL);
        }
    }

    @ParameterizedTest
    @MethodSource("dev.clayers.backend.TestDevices#contractIds")
    void sigmoid(String id) {
        try (Backend be = TestDevices.open(id); Sigmoid sig = new Sigmoid(be, "sigmoid1");
             Matrix x = be.upload(new float[] {0, 2, -2, 100, -100, 1}, 1, 6);
             Matrix dout = be.upload(new float[] {1, 1, 1, 1, 1, 2}, 1, 6)) {
            float s2 = (float) (1 / (1 + Math.exp(-2)));
            float s1 = (float) (1 / (1 + Math.exp(-1)));
            float[] y = be.download(sig.forward(x));
            assertArrayEquals(new float[] {0.5f, s2, 1 - s2, 1, 0, s1}, y, TOL);
            assertArrayEquals(new float[] {0.25f, s2 * (1 - s2), s2 * (1 - s2), 0, 0, 2 * s1 * (1 - s1)},
                    be.download(sig.backward(dout)), TOL);
        }
    }

    @ParameterizedTest
    @MethodSource("dev.clayers.backend.TestDevices#contractIds")
    void tanh(String id) {
        try (Backend be = TestDevices.open(id); Tanh tanh = new Tanh(be, "tanh1");
             Matrix x = be.upload(new float[] {0, 0.5f, -0.5f, 100, -100, 1}, 1, 6);
             Matrix dout = be.upload(new float[] {1, 1, 1, 1, 1, 2}, 1, 6)) {
            float t5 = (float) Math.tanh(0.5), t1 = (float) Math.tanh(1);
            assertArrayEquals(new float[] {0, t5, -t5, 1, -1, t1}, be.download(tanh.forward(x)), TOL);
            assertArrayEquals(new float[] {1, 1 - t5 * t5, 1 - t5 * t5, 0, 0, 2 * (1 - t1 * t1)},
                    be.download(tanh.backward(dout)), TOL);
        }
    }

    /** GELU at hand values (PyTorch's tanh GELU in double) and its gradient through the cached input. */
    @ParameterizedTest
    @MethodSource("dev.clayers.backend.TestDevices#contractIds")
    void gelu(String id) {
        double k0 = Math.sqrt(2 / Math.PI), k1 = 0.044715;
        float[] xs = {0, 1, -1, 3, -3, 20};
        float[] y = new float[xs.length], d = new float[xs.length];
        for (int i = 0; i < xs.length; i++) {
            double x = xs[i], t = Math.tanh(k0 * (x + k1 * x * x * x));
            y[i] = (float) (0.5 * x * (1 + t));
            d[i] = (float) (2 * (0.5 * (1 + t) + 0.5 * x * (1 - t * t) * k0 * (1 + 3 * k1 * x * x)));   // dout = 2
        }
        try (Backend be = TestDevices.open(id); Gelu gelu = new Gelu(be, "gelu1");
             Matrix x = be.upload(xs, 2, 3); Matrix dout = be.upload(new float[] {2, 2, 2, 2, 2, 2}, 2, 3)) {
            assertThrows(IllegalStateException.class, () -> gelu.backward(dout));
            assertArrayEquals(y, be.download(gelu.forward(x)), TOL);
            assertArrayEquals(d, be.download(gelu.backward(dout)), TOL);
        }
    }

    /**
     * The GELU layer's backward against a numerical gradient of its own forward pass: element i of
     * {@code dx} must equal {@code dout[i] * d gelu(x[i]) / dx[i]}, taken by the five-point stencil
     * {@code (8(f(x+h) - f(x-h)) - (f(x+2h) - f(x-2h))) / 12h} over the float outputs in double
     * (element-wise, so one forward pass per offset moves every element at once). h = 0.05 keeps
     * the stencil's error (h^4 f^(5) / 30) under 1e-6; float rounding of outputs up to 5 (5e-7)
     * gives at most 16 * 5e-7 / 0.6 = 1.3e-5 of noise; tolerance 1e-4. A wrong term of the
     * derivative is off by 1e-2 or more.
     */
    @ParameterizedTest
    @MethodSource("dev.clayers.backend.TestDevices#contractIds")
    void geluNumericalGradient(String id) {
        java.util.Random rnd = new java.util.Random(7);
        int rows = 3, cols = 33, n = rows * cols;
        float h = 0.05f;
        float[] x = new float[n], dout = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (rnd.nextFloat() * 2 - 1) * 5f;
            dout[i] = rnd.nextFloat() * 2 - 1;
        }
        try (Backend be = TestDevices.open(id); Gelu gelu = new Gelu(be, "gelu1");
             Matrix xm = be.upload(x, rows, cols); Matrix dm = be.upload(dout, rows, cols)) {
            gelu.forward(xm);
            float[] dx = be.download(gelu.backward(dm));
            float[][] f = new float[4][];
            float[] steps = {h, -h, 2 * h, -2 * h};
            try (Gelu probe = new Gelu(be, "probe")) {
                for (int s = 0; s < 4; s++) {
                    float[] moved = new float[n];
                    for (int i = 0; i < n; i++) moved[i] = x[i] + steps[s];
                    try (Matrix mm = be.upload(moved, rows, cols)) {
                        f[s] = be.download(probe.forward(mm));
                    }
                }
            }
            for (int i = 0; i < n; i++) {
                // Central differences over the offsets as float rounded them (x + h is not exactly h from x),
                // then Richardson's (4 D1 - D2) / 3, which is the five-point stencil.
                double h1 = (double) (x[i] + h) - (double) (x[i] - h), h2 = (double) (x[i] + 2 * h) - (double) (x[i] - 2 * h);
                double d1 = ((double) f[0][i] - f[1][i]) / h1, d2 = ((double) f[2][i] - f[3][i]) / h2;
                double numeric = (4 * d1 - d2) / 3;
                assertEquals(dout[i] * numeric, dx[i], 1e-4, id + " x = " + x[i]);
            }
        }
    }

    @ParameterizedTest
    @MethodSource("dev.clayers.backend.TestDevices#contractIds")
    void affine(String id) {
        try (Backend be = TestDevices.open(id)) {
            // x 2x3, W 3x2, b 1x2
            Matrix w = be.upload(new float[] {1, 2, 3, 4, 5, 6}, 3, 2);
            Matrix b = be.upload(new float[] {0.5f, -1}, 1, 2);
            try (Affine affine = new Affine(be, "affine1", w, b, true);
                 Matrix x = be.upload(new float[] {1, 0, -1, 2, 1, 0}, 2, 3);
                 Matrix dout = be.upload(new float[] {1, 2, 3, 4}, 2, 2)) {
                // y = xW + b = [[1-5, 2-6], [2+3, 4+4]] + b
                assertArrayEquals(new float[] {-3.5f, -5, 5.5f, 7}, be.download(affine.forward(x)), TOL);
                Matrix dx = affine.backward(dout);
                // dx = dout W^T: [[1*1+2*2, 1*3+2*4, 1*5+2*6], [3*1+4*2, 3*3+4*4, 3*5+4*6]]
                assertArrayEquals(new float[] {5, 11, 17, 11, 25, 39}, be.download(dx), TOL);
                // dW = x^T dout: rows of x^T are [1,2], [0,1], [-1,0]
                assertArrayEquals(new float[] {7, 10, 3, 4, -1, -2}, be.download(affine.params().get(0).grad()), TOL);
                // db = column sums of dout
                assertArrayEquals(new float[] {4, 6}, be.download(affine.params().get(1).grad()), TOL);
                assertEquals("affine1.W", affine.params().get(0).name());
                assertEquals("affine1.b", affine.params().get(1).name());
            }
        }
    }

    @ParameterizedTest
    @MethodSource("dev.clayers.backend.TestDevices#contractIds")
    void firstAffineSkipsInputGradient(String id) {
        try (Backend be = TestDevices.open(id);
             Affine affine = new Affine(be, "affine1", be.alloc(3, 2), be.alloc(1, 2), false);
             Matrix x = be.alloc(4, 3); Matrix dout = be.alloc(4, 2)) {
            affine.forward(x);
            assertNull(affine.backward(dout));
        }
    }

    @ParameterizedTest
    @MethodSource("dev.clayers.backend.TestDevices#contractIds")
    void affineRejectsWrongInputWidth(String id) {
        try (Backend be = TestDevices.open(id);
             Affine affine = new Affine(be, "affine1", be.alloc(3, 2), be.alloc(1, 2), true);
             Matrix x = be.alloc(4, 5)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> affine.forward(x));
            assertTrue(e.getMessage().contains("4x5") && e.getMessage().contains("3x2"), e.getMessage());
        }
    }

    @ParameterizedTest
    @MethodSource("dev.clayers.backend.TestDevices#contractIds")
    void softmaxWithLoss(String id) {
        try (Backend be = TestDevices.open(id); SoftmaxWithLoss swl = new SoftmaxWithLoss(be);
             Matrix x = be.upload(new float[] {1, 2, 3, 0, 0, 0}, 2, 3);
             IntVector t = be.uploadInts(new int[] {2, 0})) {
            double e1 = Math.exp(1), e2 = Math.exp(2), e3 = Math.exp(3), s = e1 + e2 + e3;
            double expectedLoss = (-Math.log(e3 / s) - Math.log(1.0 / 3)) / 2;
            assertEquals(expectedLoss, swl.forward(x, t), 1e-6);
            float[] y = be.download(swl.probs());
            assertArrayEquals(new float[] {(float) (e1 / s), (float) (e2 / s), (float) (e3 / s), 1 / 3f, 1 / 3f, 1 / 3f}, y, TOL);
            // (y - t) / N with N = 2
            float[] dx = be.download(swl.backward(1f));
            assertArrayEquals(new float[] {y[0] / 2, y[1] / 2, (y[2] - 1) / 2, (y[3] - 1) / 2, y[4] / 2, y[5] / 2}, dx, TOL);
        }
    }

    @ParameterizedTest
    @MethodSource("dev.clayers.backend.TestDevices#contractIds")
    void softmaxWithGradientMatchesForwardThenBackward(String id) {
        try (Backend be = TestDevices.open(id); SoftmaxWithLoss fused = new SoftmaxWithLoss(be); SoftmaxWithLoss plain = new SoftmaxWithLoss(be);
             Matrix x = be.upload(new float[] {1, 2, 3, 0, -1, 0.5f, 4, 4, 4}, 3, 3);
             IntVector t = be.uploadInts(new int[] {2, 0, 1})) {
            float lossPlain = plain.forward(x, t);
            float[] dxPlain = be.download(plain.backward(1f));
            float loss = fused.forwardWithGradient(x, t, 1f);
            assertEquals(lossPlain, loss);
            assertArrayEquals(dxPlain, be.download(fused.backward(1f)));   // the gradient from the fused pass
            // Another dout is computed afresh, not taken from the fused pass.
            assertArrayEquals(be.download(plain.backward(0.5f)), be.download(fused.backward(0.5f)));
            // The deferred form: backward first, then the loss; a NaN loss still throws from get().
            Backend.Pending pending = fused.forwardWithGradientAsync(x, t, 1f);
            assertArrayEquals(dxPlain, be.download(fused.backward(1f)));
            assertEquals(lossPlain, pending.get());
            try (Matrix bad = be.upload(new float[] {Float.NaN, 0, 1, 0, 0, 0, 0, 0, 0}, 3, 3)) {
                assertThrows(NonFiniteLossException.class, () -> fused.forwardWithGradientAsync(bad, t, 1f).get());
            }
        }
    }

    @ParameterizedTest
    @MethodSource("dev.clayers.backend.TestDevices#contractIds")
    void softmaxIsStableForHugeLogits(String id) {
        try (Backend be = TestDevices.open(id); SoftmaxWithLoss swl = new SoftmaxWithLoss(be);
             Matrix x = be.upload(new float[] {1000, 0, -1000}, 1, 3);
             IntVector t = be.uploadInts(new int[] {1})) {
            // exp(1000) overflows float; with the max subtracted the loss is exactly 1000.
            assertEquals(1000f, swl.forward(x, t), 1e-3f);
            assertArrayEquals(new float[] {1, 0, 0}, be.download(swl.probs()), TOL);
        }
    }

    @ParameterizedTest
    @MethodSource("dev.clayers.backend.TestDevices#contractIds")
    void nanLossStopsWithAMessage(String id) {
        try (Backend be = TestDevices.open(id); SoftmaxWithLoss swl = new SoftmaxWithLoss(be);
             Matrix x = be.upload(new float[] {Float.NaN, 0, 1}, 1, 3);
             IntVector t = be.uploadInts(new int[] {1})) {
            NonFiniteLossException e = assertThrows(NonFiniteLossException.class, () -> swl.forward(x, t));
            assertTrue(e.getMessage().contains("learning rate"), e.getMessage());
        }
    }
}
