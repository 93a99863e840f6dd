package dev.clayers.backend;

import dev.clayers.backend.cpu.CpuBackend;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * GELU (tanh approximation) forward and backward. The Java reference against PyTorch's formula
 * written out in double, {@code 0.5 x (1 + tanh(u))} and {@code 0.5 (1 + tanh u) + 0.5 x (1 - tanh^2 u) u'},
 * on odd sizes: it computes in double and rounds once, so it must lie within one float ulp
 * (2^-23 relative) plus 1e-12 absolute (the double formula's own cancellation in 1 + tanh for
 * negative x). Every device against that reference goes through the op contract
 * ({@code BackendContractTest}, the catalogue's tolerance); here every device also takes the
 * values where a naive kernel fails: huge |x| (x^3 overflows), infinities, the limit edges, NaN.
 */
class GeluTest {
    private static final double K0 = Math.sqrt(2 / Math.PI), K1 = 0.044715;

    private static double pytorchGelu(double x) {
        return 0.5 * x * (1 + Math.tanh(K0 * (x + K1 * x * x * x)));
    }

    private static double pytorchGeluDerivative(double x) {
        double t = Math.tanh(K0 * (x + K1 * x * x * x));
        return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * K0 * (1 + 3 * K1 * x * x);
    }

    private static void close(double ref, float got, String what) {
        assertTrue(Math.abs(got - ref) <= 1e-12 + 0x1p-23 * Math.abs(ref), what + ": ref " + ref + " got " + got);
    }

    @Test
    void cpuMatchesPytorchFormulaInDouble() {
        Random rnd = new Random(26);
        try (CpuBackend cpu = new CpuBackend()) {
            for (int n : new int[] {1, 7, 33, 100, 784, 1000}) {
                int rows = n % 2 == 0 ? 2 : 1, cols = n / rows;
                float[] x = new float[n], dout = new float[n];
                for (int i = 0; i < n; i++) {
                    x[i] = (rnd.nextFloat() * 2 - 1) * 12f;   // past both limits at |x| = 10
                    dout[i] = rnd.nextFloat() * 2 - 1;
                }
                try (Matrix xm = cpu.upload(x, rows, cols); Matrix out = cpu.alloc(rows, cols);
                     Matrix dm = cpu.upload(dout, rows, cols); Matrix dx = cpu.alloc(rows, cols)) {
                    cpu.elementwise(ElementOp.GELU_FORWARD, xm, out);
                    cpu.elementwise(ElementOp.GELU_BACKWARD, dm, xm, dx);
                    float[] y = cpu.download(out), g = cpu.download(dx);
                    for (int i = 0; i < n; i++) {
                        close(pytorchGelu(x[i]), y[i], "gelu(" + x[i] + ") at n=" + n);
                        close(dout[i] * pytorchGeluDerivative(x[i]), g[i], "gelu'(" + x[i] + ") * " + dout[i] + " at n=" + n);
                    }
                }
            }
        }
    }

    /** Values a literal kernel gets wrong, on every device: limits, not NaN or inf/inf. */
    @ParameterizedTest
    @MethodSource("dev.clayers.backend.TestDevices#contractIds")
    void largeAndSpecialValues(String id) {
        float inf = Float.POSITIVE_INFINITY;
        float[] x = {0f, -0f, 1e20f, -1e20f, 3e38f, -3e38f, inf, -inf, 10f, -10f, 10.001f, -10.001f, 1e-30f, Float.NaN};
        float[] ones = new float[x.length];
        java.util.Arrays.fill(ones, 1f);
        try (Backend be = TestDevices.open(id); Matrix xm = be.upload(x, 1, x.length); Matrix out = be.alloc(1, x.length);
             Matrix dm = be.upload(ones, 1, x.length); Matrix dx = be.alloc(1, x.length)) {
            be.elementwise(ElementOp.GELU_FORWARD, xm, out);
            be.elementwise(ElementOp.GELU_BACKWARD, dm, xm, dx);
            float[] y = be.download(out), g = be.download(dx);
            float[] yWant = {0f, 0f, 1e20f, 0f, 3e38f, 0f, inf, 0f, 10f, 0f, 10.001f, 0f, 5e-31f, Float.NaN};
            float[] gWant = {0.5f, 0.5f, 1f, 0f, 1f, 0f, 1f, 0f, 1f, 0f, 1f, 0f, 0.5f, Float.NaN};
            for (int i = 0; i < x.length; i++) {
                String what = id + " x = " + x[i];
                if (Float.isNaN(x[i])) {
                    assertTrue(Float.isNaN(y[i]) && Float.isNaN(g[i]), what + ": NaN must stay NaN, got " + y[i] + ", " + g[i]);
                    continue;
                }
                assertEquals(yWant[i], y[i], 1e-6f * Math.max(1f, Math.abs(yWant[i])), what + " forward");
                assertEquals(gWant[i], g[i], 1e-6f, what + " backward");
            }
        }
    }
}
