package dev.clayers.backend;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The hash-driven ops (shifted gathers for augmentation, sampled batch indices) give exactly the host formula on every device. */
class AugmentContractTest {

    @ParameterizedTest
    @MethodSource("dev.clayers.backend.TestDevices#contractIds")
    void shiftedGatherMatchesHostFormula(String id) {
        // Digits as trained, and a small wide image shifted by up to its whole height less one.
        shiftedGather(id, 28, 28, 2);
        shiftedGather(id, 6, 4, 3);
    }

    private static void shiftedGather(String id, int w, int h, int maxShift) {
        int n = 33, batch = 7, seed = 77;
        Random rng = new Random(8);
        float[] src = new float[n * w * h];
        for (int i = 0; i < src.length; i++) src[i] = rng.nextFloat() + 0.5f;   // never 0, so padding is visible
        int[] idx = new int[n];
        for (int i = 0; i < n; i++) idx[i] = (i * 7) % n;
        try (Backend be = TestDevices.open(id); Matrix s = be.upload(src, n, w * h); IntVector ix = be.uploadInts(idx);
             Matrix dst = be.alloc(batch, w * h)) {
            be.gatherRowsShifted(s, ix, 5, w, h, maxShift, seed, dst);
            float[] got = be.download(dst);
            boolean sawShift = false;
            for (int r = 0; r < batch; r++) {
                int[] d = AbstractBackend.augmentShift(seed, r, maxShift);
                assertTrue(Math.abs(d[0]) <= maxShift && Math.abs(d[1]) <= maxShift);
                sawShift |= d[0] != 0 || d[1] != 0;
                int from = idx[5 + r];
                for (int y = 0; y < h; y++) {
                    for (int x = 0; x < w; x++) {
                        int sx = x - d[0], sy = y - d[1];
                        float expected = sx >= 0 && sx < w && sy >= 0 && sy < h ? src[from * w * h + sy * w + sx] : 0f;
                        assertEquals(expected, got[r * w * h + y * w + x], 0f, w + "x" + h + " row " + r + " (" + x + "," + y + ")");
                    }
                }
            }
            assertTrue(sawShift, "some row must move");
        }
    }

    /**
     * A batch split into shares (as several devices train it): each share, gathered with its first
     * row, is exactly its rows of the whole batch gathered at once, shifts included.
     */
    @ParameterizedTest
    @MethodSource("dev.clayers.backend.TestDevices#contractIds")
    void sharesOfABatchDrawTheWholeBatchsShifts(String id) {
        int n = 40, w = 6, h = 5, batch = 9, offset = 3, seed = -991;
        Random rng = new Random(3);
        float[] src = new float[n * w * h];
        for (int i = 0; i < src.length; i++) src[i] = rng.nextFloat() + 0.5f;
        int[] idx = new int[n];
        for (int i = 0; i < n; i++) idx[i] = (i * 11) % n;
        try (Backend be = TestDevices.open(id); Matrix s = be.upload(src, n, w * h); IntVector ix = be.uploadInts(idx);
             Matrix whole = be.alloc(batch, w * h); Matrix first = be.alloc(4, w * h); Matrix rest = be.alloc(5, w * h)) {
            be.gatherRowsShifted(s, ix, offset, w, h, 2, seed, whole);
            be.gatherRowsShifted(s, ix, offset, w, h, 2, seed, 0, first);
            be.gatherRowsShifted(s, ix, offset + 4, w, h, 2, seed, 4, rest);
            float[] all = be.download(whole);
            float[] a = be.download(first), b = be.download(rest);
            assertArrayEquals(java.util.Arrays.copyOfRange(all, 0, a.length), a);
            assertArrayEquals(java.util.Arrays.copyOfRange(all, a.length, all.length), b);
            assertThrows(IllegalArgumentException.class, () -> be.gatherRowsShifted(s, ix, 0, w, h, 2, seed, -1, first));
        }
    }

    /** Batches sampled on the device: the host formula exactly, in range, and spread over the range. */
    @ParameterizedTest
    @MethodSource("dev.clayers.backend.TestDevices#contractIds")
    void randomIndicesMatchHostFormula(String id) {
        int n = 1000, bound = 60000, seed = -123456;
        try (Backend be = TestDevices.open(id); IntVector out = be.allocInts(n)) {
            be.randomIndices(out, bound, seed);
            int[] got = be.downloadInts(out);
            java.util.Set<Integer> distinct = new java.util.HashSet<>();
            for (int i = 0; i < n; i++) {
                assertEquals(AbstractBackend.randomIndex(seed, i, bound), got[i], "position " + i);
                assertTrue(got[i] >= 0 && got[i] < bound);
                distinct.add(got[i]);
            }
            // 1,000 draws from 60,000: about 8 collisions expected; far more means a broken hash.
            assertTrue(distinct.size() > 970, distinct.size() + " distinct");
        }
    }

    @ParameterizedTest
    @MethodSource("dev.clayers.backend.TestDevices#contractIds")
    void badIndexOrShiftIsAnError(String id) {
        try (Backend be = TestDevices.open(id); Matrix s = be.alloc(3, 16); IntVector ix = be.uploadInts(new int[] {0, 9});
             Matrix dst = be.alloc(2, 16)) {
            assertThrows(IllegalArgumentException.class, () -> be.gatherRowsShifted(s, ix, 0, 4, 4, 4, 1, dst));
            assertThrows(IllegalArgumentException.class, () -> be.gatherRowsShifted(s, ix, 0, 5, 4, 1, 1, dst));
            assertThrows(IndexOutOfBoundsException.class, () -> {
                be.gatherRowsShifted(s, ix, 0, 4, 4, 1, 1, dst);
                be.download(dst);
            });
        }
    }
}
