package dev.clayers.backend;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The list forms of write, download and read (one wait for several matrices) move exactly what the single forms move. */
class ListTransferContractTest {
    @ParameterizedTest
    @MethodSource("dev.clayers.backend.TestDevices#contractIds")
    void listFormsEqualTheSingleForms(String id) {
        Random rnd = new Random(21);
        float[] a = Verifier.random(rnd, 7 * 13), b = Verifier.random(rnd, 1), c = Verifier.random(rnd, 64 * 3);
        try (Backend be = TestDevices.open(id); Matrix ma = be.alloc(7, 13); Matrix mb = be.alloc(1, 1); Matrix mc = be.alloc(64, 3)) {
            be.write(List.of(ma, mb, mc), List.of(a, b, c));
            assertArrayEquals(a, be.download(ma));
            assertArrayEquals(b, be.download(mb));
            assertArrayEquals(c, be.download(mc));
            be.axpy(2f, ma, ma);   // queued work before the list download must be waited for
            List<float[]> got = be.download(List.of(mc, ma));
            assertEquals(2, got.size());
            assertArrayEquals(c, got.get(0));
            assertArrayEquals(be.download(ma), got.get(1));
            float[] intoC = new float[c.length], intoA = new float[a.length];
            be.axpy(1f, ma, ma);   // and before a read into the caller's arrays
            be.read(List.of(mc, ma), List.of(intoC, intoA));
            assertArrayEquals(c, intoC);
            assertArrayEquals(be.download(ma), intoA);
            assertThrows(IllegalArgumentException.class, () -> be.read(List.of(ma), List.of(b)));
            assertThrows(IllegalArgumentException.class, () -> be.read(List.of(ma, mb), List.of(intoA)));
            assertThrows(IllegalArgumentException.class, () -> be.write(List.of(ma), List.of(b)));
            assertThrows(IllegalArgumentException.class, () -> be.write(List.of(ma, mb), List.of(a)));
        }
    }
}
