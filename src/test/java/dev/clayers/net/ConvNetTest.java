package dev.clayers.net;

import dev.clayers.backend.Backend;
import dev.clayers.backend.IntVector;
import dev.clayers.backend.Matrix;
import dev.clayers.backend.TestDevices;
import dev.clayers.layer.Convolution;
import dev.clayers.layer.MaxPooling;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static dev.clayers.net.LayerSpec.activation;
import static dev.clayers.net.LayerSpec.affine;
import static dev.clayers.net.LayerSpec.avgPool;
import static dev.clayers.net.LayerSpec.conv;
import static dev.clayers.net.LayerSpec.maxPool;
import static dev.clayers.net.LayerSpec.relu;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Convolution and pooling layers in networks: hand values, shape chaining, and numerical gradient checks on every device. */
class ConvNetTest {

    private static float[] randomInputs(Random rng, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) rng.nextGaussian();
        return x;
    }

    /** conv -> relu -> pool -> affine: the book's simple conv net in miniature (2 channels, 3 filters, padding 1). */
    static List<LayerSpec> smallConvNet() {
        ConvSpec c = conv(new ImageShape(2, 7, 7), 3, 3, 1, 1);
        MaxPoolSpec p = maxPool(c.output(), 2, 2);
        return List.of(c, relu(), p, affine(p.output().size(), 4));
    }

    /** Two convs (the second with stride 2, so the first's input gradient goes through col2im) and overlapping pooling. */
    static List<LayerSpec> deeperConvNet() {
        ConvSpec c1 = conv(new ImageShape(2, 7, 7), 3, 3, 1, 1);
        ConvSpec c2 = conv(c1.output(), 4, 3, 2, 0);
        MaxPoolSpec p = maxPool(c2.output(), 2, 1);
        return List.of(c1, relu(), c2, relu(), p, affine(p.output().size(), 5), relu(), affine(5, 3));
    }

    /**
     * Every entry of every parameter, central differences against backprop. A conv weight moves
     * every position of every image at once, so a step of h flips some ReLU or pooling choice far
     * more often than an affine weight does (GradientCheck skips those entries as kinks); the test
     * asks for at least 8 differentiable entries per weight tensor (and one per bias, whose three
     * entries each move a whole channel) instead of a majority. The relative error is the
     * check that matters (its floor keeps near-zero entries from dividing noise by noise); the
     * mean absolute difference is float32 rounding of the logits over as few as one entry, and a
     * conv bias sums 98 positions, so it is allowed 5e-5 here instead of the perceptron's 1e-5.
     */
    private static void gradientCheck(String id, List<LayerSpec> layers, int classes, long seed) {
        Random rng = new Random(seed);
        int batch = 2;
        try (Backend be = TestDevices.open(id);
             Sequential net = Sequential.of(be, WeightInit.HE, seed, layers);
             Matrix x = be.upload(randomInputs(rng, batch * net.inputs()), batch, net.inputs())) {
            int[] t = new int[batch];
            for (int i = 0; i < batch; i++) t[i] = rng.nextInt(classes);
            GradientCheck.Report r = GradientCheck.run(net, x, t, 0, 1e-2, seed);
            for (GradientCheck.ParamResult p : r.params()) {
                assertTrue(p.maxRelError() <= GradientCheck.MAX_REL_TOLERANCE, id + " " + p);
                assertTrue(p.meanAbsDiff() <= 5e-5, id + " " + p);
                int needed = p.name().endsWith(".W") ? Math.min(8, p.entries()) : 1;
                assertTrue(p.checked() >= needed, "too few differentiable entries checked: " + p);
            }
        }
    }

    // Gradient checks run on the real devices only (TestDevices#ids): each checked entry costs four
    // full forward passes, hours under Oclgrind; the kernels they use run under Oclgrind in
    // ConvContractTest and convolutionByHand.

    @ParameterizedTest
    @MethodSource("dev.clayers.backend.TestDevices#ids")
    void convReluPoolAffineGradientCheck(String id) {
        gradientCheck(id, smallConvNet(), 4, 11);
    }

    @ParameterizedTest
    @MethodSource("dev.clayers.backend.TestDevices#ids")
    void twoConvsAndOverlappingPoolingGradientCheck(String id) {
        gradientCheck(id, deeperConvNet(), 3, 12);
    }

    /** conv -> GELU -> average pooling (overlapping, stride 1) -> affine -> GELU -> affine: the two new pieces in a net. */
    static List<LayerSpec> avgPoolGeluNet() {
        ConvSpec c = conv(new ImageShape(2, 7, 7), 3, 3, 1, 1);
        AvgPoolSpec p = avgPool(c.output(), 3, 2);
        AvgPoolSpec q = avgPool(p.output(), 2, 1);
        return List.of(c, activation(Activation.GELU), p, q, affine(q.output().size(), 5), activation(Activation.GELU),
                affine(5, 3));
    }

    @ParameterizedTest
    @MethodSource("dev.clayers.backend.TestDevices#ids")
    void averagePoolingAndGeluGradientCheck(String id) {
        gradientCheck(id, avgPoolGeluNet(), 3, 13);
    }

    /** The new kinds read back from their notation and a model file, and predict the same on every device. */
    @ParameterizedTest
    @MethodSource("dev.clayers.backend.TestDevices#ids")
    void averagePoolingAndGeluRoundTrip(String id, @TempDir Path dir) throws Exception {
        List<LayerSpec> layers = avgPoolGeluNet();
        assertEquals(layers, LayerSpec.parseList(LayerSpec.describe(layers)));
        float[][] x = new float[3][98];
        Random rng = new Random(5);
        for (float[] row : x) for (int i = 0; i < row.length; i++) row[i] = (float) rng.nextGaussian();
        Path f = dir.resolve("avg.safetensors");
        double[][] reference;
        try (Backend cpu = TestDevices.open("cpu"); Sequential net = Sequential.of(cpu, WeightInit.HE, 3, layers)) {
            reference = net.predictProbabilities(x);
            ModelFile.save(f, net, Map.of());
        }
        try (Backend be = TestDevices.open(id); Sequential net = ModelFile.load(f).build(be)) {
            double[][] p = net.predictProbabilities(x);
            for (int i = 0; i < x.length; i++) assertArrayEquals(reference[i], p[i], 1e-5, id);
        }
    }

    /** Hand values: one 3x3 image, two 2x2 filters; the output is one 2x2 image per filter. */
    @ParameterizedTest
    @MethodSource("dev.clayers.backend.TestDevices#contractIds")
    void convolutionByHand(String id) {
        ConvSpec spec = conv(new ImageShape(1, 3, 3), 2, 2, 1, 0);
        try (Backend be = TestDevices.open(id)) {
            Matrix w = be.upload(new float[] {1, 0, 0, 1, /* filter 2 */ 0, 1, -1, 0}, 2, 4);
            Matrix b = be.upload(new float[] {0.5f, -1}, 1, 2);
            try (Convolution c = new Convolution(be, "conv1", spec.geometry(), w, b, true);
                 Matrix x = be.upload(new float[] {1, 2, 3, 4, 5, 6, 7, 8, 9}, 1, 9);
                 Matrix dout = be.upload(new float[] {1, 0, 0, 0, /* filter 2 */ 0, 0, 0, 1}, 1, 8)) {
                // filter 1: x[y][x] + x[y+1][x+1] + 0.5; filter 2: x[y][x+1] - x[y+1][x] - 1
                assertArrayEquals(new float[] {6.5f, 8.5f, 12.5f, 14.5f, -3, -3, -3, -3}, be.download(c.forward(x)), 0f);
                Matrix dx = c.backward(dout);
                // Filter 1 at window (0,0) touches pixels 0 and 4; filter 2 at window (1,1) adds +1 at pixel 5, -1 at 7.
                assertArrayEquals(new float[] {1, 0, 0, 0, 1, 1, 0, -1, 0}, be.download(dx), 0f);
                // dW[f] = sum over windows of dout[f, window] * window's pixels
                assertArrayEquals(new float[] {1, 2, 4, 5, 5, 6, 8, 9}, be.download(c.params().get(0).grad()), 0f);
                assertArrayEquals(new float[] {1, 1}, be.download(c.params().get(1).grad()), 0f);
            }
        }
    }

    @Test
    void firstConvSkipsInputGradientAndPoolingRoutesToTheMax() {
        try (Backend be = TestDevices.open("cpu"); Sequential net = Sequential.of(be, smallConvNet().toArray(LayerSpec[]::new));
             Matrix x = be.upload(randomInputs(new Random(4), 2 * 98), 2, 98); IntVector t = be.uploadInts(new int[] {1, 3});
             Matrix dout = be.alloc(2, 3 * 49)) {
            net.gradient(x, t);
            assertNull(net.layers().get(0).backward(dout), "the first conv's input is the data");
            MaxPooling pool = (MaxPooling) net.layers().get(2);
            assertEquals(2 * 3 * 9, pool.argmax().length());
        }
    }

    @Test
    void shapesChainAndShowInTheSummary() {
        ConvSpec c = conv(new ImageShape(1, 28, 28), 30, 5, 1, 0);
        MaxPoolSpec p = maxPool(c.output(), 2, 2);
        assertEquals(new ImageShape(30, 24, 24), c.output());
        assertEquals(new ImageShape(30, 12, 12), p.output());
        List<LayerSpec> book = List.of(c, relu(), p, affine(4320, 100), relu(), affine(100, 10));
        assertEquals("conv(1x28x28,30,5,1,0) relu maxpool(30x24x24,2,2) affine(4320,100) relu affine(100,10)",
                LayerSpec.describe(book));
        assertEquals(book, LayerSpec.parseList(LayerSpec.describe(book)));
        try (Backend be = TestDevices.open("cpu"); Sequential net = Sequential.of(be, book.toArray(LayerSpec[]::new))) {
            assertEquals(784, net.inputs());
            assertEquals(10, net.outputs());
            String s = net.summary();
            assertTrue(s.lines().anyMatch(l -> l.startsWith("conv1") && l.contains("[N, 30, 24, 24]") && l.endsWith(" 780")), s);
            assertTrue(s.lines().anyMatch(l -> l.startsWith("pool1") && l.contains("[N, 30, 12, 12]")), s);
            assertTrue(s.lines().anyMatch(l -> l.startsWith("affine1") && l.contains("[N, 100]") && l.endsWith("432,100")), s);
            assertTrue(s.lines().anyMatch(l -> l.startsWith("total") && l.endsWith("433,890")), s);
            assertTrue(net.architecture().isEmpty());
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Sequential.outputShapes(List.of(c, relu(), maxPool(new ImageShape(20, 24, 24), 2, 2), affine(2880, 10))));
        assertEquals("layer 3 maxpool(20x24x24,2,2) takes images of 20x24x24 but the layer before it gives [N, 30, 24, 24]",
                e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Sequential.outputShapes(List.of(c, relu(), p, affine(4000, 10))));
        assertTrue(e.getMessage().contains("takes 4000 inputs but the layer before it gives 4320"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> conv(new ImageShape(1, 4, 4), 3, 5, 1, 0));
        assertThrows(IllegalArgumentException.class, () -> LayerSpec.parse("conv(1x28,30,5,1,0)"));
    }
}
