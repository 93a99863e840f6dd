package dev.clayers.layer;

import dev.clayers.backend.AbstractBackend;
import dev.clayers.backend.Backend;
import dev.clayers.backend.Matrix;
import dev.clayers.backend.TestDevices;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

class DropoutTest {

    /** Every device draws exactly the mask the host formula gives (same hash), so runs agree across devices. */
    @ParameterizedTest
    @MethodSource("dev.clayers.backend.TestDevices#ids")
    void maskIsTheSameOnEveryDevice(String id) {
        float ratio = 0.3f;
        int seed = 0x1234567;
        try (Backend be = TestDevices.open(id); Matrix mask = be.alloc(100, 784)) {
            be.dropoutMask(mask, ratio, seed);
            float[] m = be.download(mask);
            int kept = 0;
            for (int i = 0; i < m.length; i++) {
                float expected = AbstractBackend.dropoutUniform(seed, i) >= ratio ? 1f / (1f - ratio) : 0f;
                assertEquals(expected, m[i], 0f, "element " + i);
                if (m[i] != 0f) kept++;
            }
            // 78,400 Bernoulli(0.7) draws: the kept fraction is within 0.7 +- 0.01 (about 6 sigma).
            assertEquals(0.7, (double) kept / m.length, 0.01);
        }
    }

    /** A mask drawn from element {@code first} on is exactly that part of the whole mask (a share of a batch on one of several devices). */
    @ParameterizedTest
    @MethodSource("dev.clayers.backend.TestDevices#ids")
    void maskFromAnElementOnIsThatPartOfTheWholeMask(String id) {
        float ratio = 0.4f;
        int seed = -77;
        try (Backend be = TestDevices.open(id); Matrix whole = be.alloc(10, 37); Matrix tail = be.alloc(6, 37)) {
            be.dropoutMask(whole, ratio, seed);
            be.dropoutMask(tail, ratio, seed, 4 * 37);
            float[] all = be.download(whole);
            assertArrayEquals(java.util.Arrays.copyOfRange(all, 4 * 37, all.length), be.download(tail));
            assertThrows(IllegalArgumentException.class, () -> be.dropoutMask(tail, ratio, seed, -1));
        }
    }

    @ParameterizedTest
    @MethodSource("dev.clayers.backend.TestDevices#ids")
    void trainingDropsAndBackwardUsesTheSameMask(String id) {
        Random rng = new Random(4);
        float[] xs = new float[7 * 33], gs = new float[7 * 33];
        for (int i = 0; i < xs.length; i++) {
            xs[i] = (float) rng.nextGaussian();
            gs[i] = (float) rng.nextGaussian();
        }
        try (Backend be = TestDevices.open(id); Dropout d = new Dropout(be, "dropout1", 0.5f);
             Matrix x = be.upload(xs, 7, 33); Matrix g = be.upload(gs, 7, 33)) {
            d.setTraining(true, 99);
            float[] y = be.download(d.forward(x));
            float[] dx = be.download(d.backward(g));
            for (int i = 0; i < xs.length; i++) {
                boolean keep = AbstractBackend.dropoutUniform(99, i) >= 0.5f;
                assertEquals(keep ? xs[i] * 2f : 0f, y[i], 1e-6f);
                assertEquals(keep ? gs[i] * 2f : 0f, dx[i], 1e-6f);
            }
            d.setTraining(false, 0);
            assertSame(x, d.forward(x), "inference passes x through");
            assertArrayEquals(gs, be.download(d.backward(g)), 0f);
        }
    }

    @ParameterizedTest
    @MethodSource("dev.clayers.backend.TestDevices#ids")
    void badRatioIsRejected(String id) {
        try (Backend be = TestDevices.open(id); Matrix m = be.alloc(1, 3)) {
            assertThrows(IllegalArgumentException.class, () -> be.dropoutMask(m, 1f, 0));
            assertThrows(IllegalArgumentException.class, () -> new Dropout(be, "d", -0.1f));
        }
    }
}
