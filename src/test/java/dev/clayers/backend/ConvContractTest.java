package dev.clayers.backend;

import dev.clayers.backend.cpu.CpuBackend;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The convolution and pooling ops (im2col, col2im, transposeBlocks, max and average pooling) on
 * every device against the Java reference, on odd shapes: kernels 1, 2, 3 and 5, stride 1, 2 and
 * 3, padding, batch 1, channel counts 1, 3 and 7. im2col, the transpose and max pooling move
 * values, so they must match exactly; col2im and pooling backward add up to ceil(K/S)^2 floats in
 * a per-device order, tolerance 1e-5 relative. Average pooling (no padding: each case without its
 * padding) sums K^2 floats in the reference's order and divides, which OpenCL allows 2.5 ulp:
 * the same 1e-5 relative.
 */
class ConvContractTest {

    /** (N, C, H, W, K, S, pad). Small enough for Oclgrind. */
    private static final int[][] CASES = {
            {1, 1, 5, 5, 1, 1, 0},
            {2, 3, 7, 6, 3, 1, 1},
            {3, 7, 9, 8, 5, 2, 2},
            {1, 3, 8, 8, 3, 2, 0},
            {2, 2, 6, 7, 2, 2, 0},
            {1, 2, 5, 4, 3, 3, 1},
    };

    /** Larger shapes for real devices: the CNN's own first layer at batch 3. */
    private static final int[][] LARGE = {{3, 1, 28, 28, 5, 1, 0}, {2, 30, 24, 24, 2, 2, 0}, {2, 7, 13, 11, 3, 2, 1}};

    private static List<int[]> cases(String id) {
        List<int[]> out = new ArrayList<>(List.of(CASES));
        if (!TestDevices.small(id)) out.addAll(List.of(LARGE));
        return out;
    }

    private static ConvGeometry geometry(int[] c) {
        return new ConvGeometry(c[1], c[2], c[3], c[4], c[5], c[6]);
    }

    private static float[] random(int n, long seed) {
        Random rng = new Random(seed);
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) rng.nextGaussian();
        return a;
    }

    private static void assertClose(float[] expected, float[] actual, String what) {
        assertEquals(expected.length, actual.length, what + " length");
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], actual[i], 1e-5 * Math.max(1, Math.abs(expected[i])), what + " at " + i);
        }
    }

    @ParameterizedTest
    @MethodSource("dev.clayers.backend.TestDevices#contractIds")
    void im2colAndCol2imMatchReference(String id) {
        try (Backend be = TestDevices.open(id); CpuBackend ref = new CpuBackend()) {
            for (int[] c : cases(id)) {
                ConvGeometry g = geometry(c);
                int n = c[0], rows = n * g.positions();
                float[] x = random(n * g.imageSize(), 1);
                float[] dcol = random(rows * g.patchSize(), 2);
                String what = id + " " + n + "x" + g.describe();
                try (Matrix xr = ref.upload(x, n, g.imageSize()); Matrix colr = ref.alloc(rows, g.patchSize());
                     Matrix dcr = ref.upload(dcol, rows, g.patchSize()); Matrix dxr = ref.alloc(n, g.imageSize());
                     Matrix xd = be.upload(x, n, g.imageSize()); Matrix cold = be.alloc(rows, g.patchSize());
                     Matrix dcd = be.upload(dcol, rows, g.patchSize()); Matrix dxd = be.upload(random(n * g.imageSize(), 3), n,
                        g.imageSize())) {
                    ref.im2col(xr, g, colr);
                    be.im2col(xd, g, cold);
                    assertArrayEquals(ref.download(colr), be.download(cold), 0f, what + " im2col");
                    ref.col2im(dcr, g, dxr);
                    be.col2im(dcd, g, dxd);   // dxd held garbage: col2im must overwrite every pixel
                    assertClose(ref.download(dxr), be.download(dxd), what + " col2im");
                }
            }
        }
    }

    @ParameterizedTest
    @MethodSource("dev.clayers.backend.TestDevices#contractIds")
    void maxPoolingMatchesReference(String id) {
        try (Backend be = TestDevices.open(id); CpuBackend ref = new CpuBackend()) {
            for (int[] c : cases(id)) {
                ConvGeometry g = geometry(c);
                int n = c[0], pooled = g.channels() * g.positions();
                float[] x = random(n * g.imageSize(), 4);
                // Coarse values make ties common, so the first-maximum rule is exercised.
                for (int i = 0; i < x.length; i++) x[i] = Math.round(x[i] * 2) / 2f;
                float[] dout = random(n * pooled, 5);
                String what = id + " " + n + "x" + g.describe();
                try (Matrix xr = ref.upload(x, n, g.imageSize()); Matrix outr = ref.alloc(n, pooled);
                     IntVector amr = ref.allocInts(n * pooled); Matrix dor = ref.upload(dout, n, pooled);
                     Matrix dxr = ref.alloc(n, g.imageSize());
                     Matrix xd = be.upload(x, n, g.imageSize()); Matrix outd = be.alloc(n, pooled);
                     IntVector amd = be.allocInts(n * pooled); Matrix dod = be.upload(dout, n, pooled);
                     Matrix dxd = be.upload(random(n * g.imageSize(), 6), n, g.imageSize())) {
                    ref.maxPoolForward(xr, g, outr, amr);
                    be.maxPoolForward(xd, g, outd, amd);
                    assertArrayEquals(ref.download(outr), be.download(outd), 0f, what + " max");
                    assertArrayEquals(ref.downloadInts(amr), be.downloadInts(amd), what + " argmax");
                    ref.maxPoolBackward(dor, amr, g, dxr);
                    be.maxPoolBackward(dod, amd, g, dxd);
                    assertClose(ref.download(dxr), be.download(dxd), what + " backward");
                }
            }
        }
    }

    @ParameterizedTest
    @MethodSource("dev.clayers.backend.TestDevices#contractIds")
    void averagePoolingMatchesReference(String id) {
        try (Backend be = TestDevices.open(id); CpuBackend ref = new CpuBackend()) {
            for (int[] c : cases(id)) {
                ConvGeometry g = new ConvGeometry(c[1], c[2], c[3], c[4], c[5], 0);
                int n = c[0], pooled = g.channels() * g.positions();
                float[] x = random(n * g.imageSize(), 14);
                float[] dout = random(n * pooled, 15);
                String what = id + " " + n + "x" + g.describe();
                try (Matrix xr = ref.upload(x, n, g.imageSize()); Matrix outr = ref.alloc(n, pooled);
                     Matrix dor = ref.upload(dout, n, pooled); Matrix dxr = ref.alloc(n, g.imageSize());
                     Matrix xd = be.upload(x, n, g.imageSize()); Matrix outd = be.upload(random(n * pooled, 16), n, pooled);
                     Matrix dod = be.upload(dout, n, pooled); Matrix dxd = be.upload(random(n * g.imageSize(), 17), n,
                        g.imageSize())) {
                    ref.avgPoolForward(xr, g, outr);
                    be.avgPoolForward(xd, g, outd);   // outd held garbage: every output must be written
                    assertClose(ref.download(outr), be.download(outd), what + " average");
                    ref.avgPoolBackward(dor, g, dxr);
                    be.avgPoolBackward(dod, g, dxd);   // dxd held garbage: every pixel, covered or not, must be written
                    assertClose(ref.download(dxr), be.download(dxd), what + " average backward");
                }
            }
        }
    }

    /**
     * Hand values: 2x2 windows at stride 1 over a 3x3 image overlap (the centre pixel is in all
     * four); at stride 2 over a 3x5 image the floor-sized output drops the last row and column,
     * whose pixels get no gradient.
     */
    @ParameterizedTest
    @MethodSource("dev.clayers.backend.TestDevices#contractIds")
    void averagePoolingByHand(String id) {
        ConvGeometry g = new ConvGeometry(1, 3, 3, 2, 1, 0);
        try (Backend be = TestDevices.open(id); Matrix x = be.upload(new float[] {1, 2, 3, 4, 5, 6, 7, 8, 9}, 1, 9);
             Matrix out = be.alloc(1, 4); Matrix dout = be.upload(new float[] {4, 8, 12, 16}, 1, 4); Matrix dx = be.alloc(1, 9)) {
            be.avgPoolForward(x, g, out);
            assertArrayEquals(new float[] {3, 4, 6, 7}, be.download(out), 0f);
            be.avgPoolBackward(dout, g, dx);
            assertArrayEquals(new float[] {1, 3, 2, 4, 10, 6, 3, 7, 4}, be.download(dx), 0f);
        }
        ConvGeometry d = new ConvGeometry(1, 3, 5, 2, 2, 0);
        try (Backend be = TestDevices.open(id);
             Matrix x = be.upload(new float[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15}, 1, 15);
             Matrix out = be.alloc(1, 2); Matrix dout = be.upload(new float[] {4, 8}, 1, 2); Matrix dx = be.upload(new float[15], 1, 15)) {
            be.fill(dx, 99f);
            be.avgPoolForward(x, d, out);
            assertArrayEquals(new float[] {4, 6}, be.download(out), 0f);
            be.avgPoolBackward(dout, d, dx);
            assertArrayEquals(new float[] {1, 1, 2, 2, 0, 1, 1, 2, 2, 0, 0, 0, 0, 0, 0}, be.download(dx), 0f);
        }
    }

    @ParameterizedTest
    @MethodSource("dev.clayers.backend.TestDevices#contractIds")
    void transposeBlocksMatchesReference(String id) {
        int blocks = 3, rows = 7, cols = 5;
        float[] src = random(blocks * rows * cols, 7);
        try (Backend be = TestDevices.open(id); Matrix s = be.upload(src, blocks * rows, cols);
             Matrix d = be.alloc(blocks, rows * cols)) {
            be.transposeBlocks(s, rows, cols, d);
            float[] got = be.download(d);
            for (int b = 0; b < blocks; b++) {
                for (int i = 0; i < rows; i++) {
                    for (int j = 0; j < cols; j++) {
                        assertEquals(src[b * rows * cols + i * cols + j], got[b * rows * cols + j * rows + i], 0f);
                    }
                }
            }
        }
    }

    /** Hand values: a 3x3 image, 2x2 windows, stride 1: four windows of four pixels. */
    @ParameterizedTest
    @MethodSource("dev.clayers.backend.TestDevices#contractIds")
    void tinyCasesByHand(String id) {
        ConvGeometry g = new ConvGeometry(1, 3, 3, 2, 1, 0);
        try (Backend be = TestDevices.open(id); Matrix x = be.upload(new float[] {1, 2, 3, 4, 5, 6, 7, 8, 9}, 1, 9);
             Matrix col = be.alloc(4, 4); Matrix dx = be.alloc(1, 9); Matrix out = be.alloc(1, 4);
             IntVector am = be.allocInts(4); Matrix dout = be.upload(new float[] {1, 10, 100, 1000}, 1, 4)) {
            be.im2col(x, g, col);
            assertArrayEquals(new float[] {1, 2, 4, 5, 2, 3, 5, 6, 4, 5, 7, 8, 5, 6, 8, 9}, be.download(col), 0f);
            // col2im of all ones counts how many windows cover each pixel.
            be.fill(col, 1f);
            be.col2im(col, g, dx);
            assertArrayEquals(new float[] {1, 2, 1, 2, 4, 2, 1, 2, 1}, be.download(dx), 0f);
            be.maxPoolForward(x, g, out, am);
            assertArrayEquals(new float[] {5, 6, 8, 9}, be.download(out), 0f);
            assertArrayEquals(new int[] {4, 5, 7, 8}, be.downloadInts(am));
            be.maxPoolBackward(dout, am, g, dx);
            assertArrayEquals(new float[] {0, 0, 0, 0, 1, 10, 0, 100, 1000}, be.download(dx), 0f);
        }
        // Ties go to the first pixel of the window in row-major order; padding (stride 2, pad 1) is never chosen.
        ConvGeometry p = new ConvGeometry(1, 2, 2, 2, 2, 1);
        try (Backend be = TestDevices.open(id); Matrix x = be.upload(new float[] {-3, -3, -3, -3}, 1, 4);
             Matrix out = be.alloc(1, 4); IntVector am = be.allocInts(4); Matrix dout = be.upload(new float[] {1, 2, 3, 4}, 1, 4);
             Matrix dx = be.alloc(1, 4)) {
            be.maxPoolForward(x, p, out, am);
            assertArrayEquals(new float[] {-3, -3, -3, -3}, be.download(out), 0f);
            assertArrayEquals(new int[] {0, 1, 2, 3}, be.downloadInts(am));
            be.maxPoolBackward(dout, am, p, dx);
            assertArrayEquals(new float[] {1, 2, 3, 4}, be.download(dx), 0f);
        }
        ConvGeometry t = new ConvGeometry(1, 2, 3, 2, 1, 0);
        try (Backend be = TestDevices.open(id); Matrix x = be.upload(new float[] {7, 7, 1, 7, 7, 1}, 1, 6);
             Matrix out = be.alloc(1, 2); IntVector am = be.allocInts(2)) {
            be.maxPoolForward(x, t, out, am);
            assertArrayEquals(new int[] {0, 1}, be.downloadInts(am), "first maximum of each window");
        }
    }

    /** col2im is the adjoint of im2col: {@code <im2col(x), c> = <x, col2im(c)>}, a check of the reference itself. */
    @Test
    void col2imIsTheAdjointOfIm2col() {
        try (CpuBackend be = new CpuBackend()) {
            for (int[] c : CASES) {
                ConvGeometry g = geometry(c);
                int n = c[0], rows = n * g.positions();
                float[] x = random(n * g.imageSize(), 8), d = random(rows * g.patchSize(), 9);
                try (Matrix xm = be.upload(x, n, g.imageSize()); Matrix col = be.alloc(rows, g.patchSize());
                     Matrix dm = be.upload(d, rows, g.patchSize()); Matrix dx = be.alloc(n, g.imageSize())) {
                    be.im2col(xm, g, col);
                    be.col2im(dm, g, dx);
                    double left = dot(be.download(col), d), right = dot(x, be.download(dx));
                    assertEquals(left, right, 1e-4 * Math.max(1, Math.abs(left)), g.describe());
                }
            }
        }
    }

    private static double dot(float[] a, float[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) s += (double) a[i] * b[i];
        return s;
    }

    @Test
    void shapesAreCheckedWithBothNamed() {
        ConvGeometry g = new ConvGeometry(3, 5, 5, 3, 1, 0);
        try (CpuBackend be = new CpuBackend(); Matrix x = be.alloc(2, 75); Matrix col = be.alloc(18, 27);
             Matrix wrong = be.alloc(2, 74)) {
            be.im2col(x, g, col);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> be.im2col(wrong, g, col));
            assertEquals(true, e.getMessage().contains("2x74"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> be.im2col(x, g, wrong));
            assertThrows(IllegalArgumentException.class, () -> new ConvGeometry(1, 2, 2, 5, 1, 0));
            ConvGeometry padded = new ConvGeometry(3, 5, 5, 3, 1, 1);
            try (Matrix pooled = be.alloc(2, 75)) {
                e = assertThrows(IllegalArgumentException.class, () -> be.avgPoolForward(x, padded, pooled));
                assertEquals(true, e.getMessage().contains("no padding"), e.getMessage());
            }
            try (Matrix small = be.alloc(2, 3 * 9 - 1)) {
                ConvGeometry p = new ConvGeometry(3, 5, 5, 3, 1, 0);
                e = assertThrows(IllegalArgumentException.class, () -> be.avgPoolForward(x, p, small));
                assertEquals(true, e.getMessage().contains("2x27"), e.getMessage());
                assertThrows(IllegalArgumentException.class, () -> be.avgPoolBackward(small, p, x));
            }
            assertThrows(IllegalArgumentException.class, () -> new ConvGeometry(1, 8, 8, 3, 1, 3));
        }
    }
}
