package dev.clayers.layer;

import dev.clayers.backend.Backend;
import dev.clayers.backend.ConvGeometry;
import dev.clayers.backend.Matrix;
import dev.clayers.backend.TestDevices;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The average-pooling layer: its backward against a numerical gradient of its own forward pass,
 * on every real device in both kernel shapes (each entry costs two forward passes; the kernels run
 * under Oclgrind in ConvContractTest). The check differentiates {@code L = sum(dout * pool(x))}
 * by central differences in double over the float outputs, one input entry at a time, on
 * geometries with overlapping windows (stride < K), disjoint ones, and a floor-sized output that
 * leaves pixels uncovered (their gradient must be 0). Pooling is linear, so central differences
 * have no truncation error; the float outputs (|y| < 4, rounding 2.4e-7 each, at most K^2 of
 * them moved) divided by 2h = 1 leave under 1e-5.
 */
class AveragePoolingTest {

    /** (N, C, H, W, K, S). */
    private static final int[][] CASES = {{2, 2, 5, 4, 2, 1}, {1, 3, 6, 6, 3, 3}, {2, 1, 7, 5, 3, 2}};

    @ParameterizedTest
    @MethodSource("dev.clayers.backend.TestDevices#ids")
    void backwardMatchesNumericalGradient(String id) {
        Random rnd = new Random(26);
        for (int[] c : CASES) {
            ConvGeometry g = new ConvGeometry(c[1], c[2], c[3], c[4], c[5], 0);
            int n = c[0], in = g.imageSize(), pooled = g.channels() * g.positions();
            float[] x = new float[n * in], dout = new float[n * pooled];
            for (int i = 0; i < x.length; i++) x[i] = (float) rnd.nextGaussian();
            for (int i = 0; i < dout.length; i++) dout[i] = rnd.nextFloat() * 2 - 1;
            try (Backend be = TestDevices.open(id); AveragePooling pool = new AveragePooling(be, "avgpool1", g);
                 Matrix xm = be.upload(x, n, in); Matrix dm = be.upload(dout, n, pooled)) {
                pool.forward(xm);
                float[] dx = be.download(pool.backward(dm));
                float h = 0.5f;
                for (int j = 0; j < x.length; j++) {
                    double[] loss = new double[2];
                    for (int side = 0; side < 2; side++) {
                        float[] moved = x.clone();
                        moved[j] += side == 0 ? h : -h;
                        be.write(xm, moved);
                        float[] y = be.download(pool.forward(xm));
                        for (int i = 0; i < y.length; i++) loss[side] += (double) dout[i] * y[i];
                    }
                    double numeric = (loss[0] - loss[1]) / (2 * h);
                    assertEquals(numeric, dx[j], 1e-5, id + " " + n + "x" + g.describe() + " entry " + j);
                }
            }
        }
    }

    @Test
    void paddingAndWrongInputsAreRefused() {
        try (Backend be = TestDevices.open("cpu"); Matrix x = be.alloc(2, 26)) {
            assertThrows(IllegalArgumentException.class, () -> new AveragePooling(be, "p", new ConvGeometry(1, 5, 5, 3, 1, 1)));
            AveragePooling pool = new AveragePooling(be, "avgpool1", new ConvGeometry(1, 5, 5, 2, 2, 0));
            IllegalStateException early = assertThrows(IllegalStateException.class, () -> pool.backward(x));
            assertTrue(early.getMessage().contains("avgpool1"), early.getMessage());
            IllegalArgumentException wrong = assertThrows(IllegalArgumentException.class, () -> pool.forward(x));
            assertTrue(wrong.getMessage().contains("2x26"), wrong.getMessage());
            pool.close();
        }
    }
}
