package dev.clayers.net;

import dev.clayers.backend.Backend;
import dev.clayers.backend.IntVector;
import dev.clayers.backend.Matrix;
import dev.clayers.backend.TestDevices;
import dev.clayers.net.ModelFile;
import dev.clayers.io.Safetensors;
import dev.clayers.layer.BatchNormalization;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static dev.clayers.net.LayerSpec.affine;
import static dev.clayers.net.LayerSpec.batchNorm;
import static dev.clayers.net.LayerSpec.conv;
import static dev.clayers.net.LayerSpec.maxPool;
import static dev.clayers.net.LayerSpec.relu;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Batch normalization in networks: training vs prediction mode, gradient checks, saved running averages. */
class BatchNormNetTest {

    private static float[] randomInputs(Random rng, int n, float offset) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = offset + (float) rng.nextGaussian();
        return x;
    }

    /** Training passes use the batch's statistics and move the running averages 10 %; prediction uses the running averages. */
    @ParameterizedTest
    @MethodSource("dev.clayers.backend.TestDevices#contractIds")
    void trainingAndPredictionModes(String id) {
        try (Backend be = TestDevices.open(id);
             BatchNormalization bn = new BatchNormalization(be, "batchnorm1", 2, be.upload(new float[] {1, 1}, 1, 2),
                     be.upload(new float[] {0, 0}, 1, 2), be.upload(new float[] {0, 0}, 1, 2), be.upload(new float[] {1, 1}, 1, 2));
             Matrix x = be.upload(new float[] {1, 10, 3, 20, 5, 30, 7, 40}, 4, 2)) {
            assertThrows(IllegalStateException.class, () -> bn.backward(x), "no backward before a training pass");
            bn.setTraining(true, 0);
            float[] y = be.download(bn.forward(x));
            // feature 1: mean 4, var 5; feature 2: mean 25, var 125
            double s1 = Math.sqrt(5 + BatchNormalization.EPS), s2 = Math.sqrt(125 + BatchNormalization.EPS);
            assertArrayEquals(new float[] {(float) (-3 / s1), (float) (-15 / s2), (float) (-1 / s1), (float) (-5 / s2),
                    (float) (1 / s1), (float) (5 / s2), (float) (3 / s1), (float) (15 / s2)}, y, 1e-6f);
            assertArrayEquals(new float[] {0.4f, 2.5f}, be.download(bn.state().get("batchnorm1.running_mean")), 1e-6f);
            assertArrayEquals(new float[] {1.4f, 13.4f}, be.download(bn.state().get("batchnorm1.running_var")), 1e-5f);
            bn.setTraining(false, 0);
            float[] p = be.download(bn.forward(x));
            assertEquals((1 - 0.4) / Math.sqrt(1.4 + BatchNormalization.EPS), p[0], 1e-6);
            assertEquals((40 - 2.5) / Math.sqrt(13.4 + BatchNormalization.EPS), p[7], 1e-5);
        }
    }

    private static void gradientCheck(String id, List<LayerSpec> layers, int classes, long seed, String zeroGradient) {
        Random rng = new Random(seed);
        int batch = 4;
        try (Backend be = TestDevices.open(id); Sequential net = Sequential.of(be, WeightInit.HE, seed, layers);
             Matrix x = be.upload(randomInputs(rng, batch * net.inputs(), 0.5f), batch, net.inputs())) {
            int[] t = new int[batch];
            for (int i = 0; i < batch; i++) t[i] = rng.nextInt(classes);
            GradientCheck.Report r = GradientCheck.run(net, x, t, 0, 1e-2, seed);
            for (GradientCheck.ParamResult p : r.params()) {
                if (p.name().equals(zeroGradient)) {
                    // Batch norm subtracts the channel mean, so a bias just before it changes nothing:
                    // both gradients are zero up to rounding, and a relative error means nothing.
                    assertTrue(p.maxAbsGrad() < 1e-5 && p.meanAbsDiff() < 1e-5, id + " " + p);
                    continue;
                }
                // As in ConvNetTest: the relative error is the check; a batch-normalised channel
                // couples every value of the batch, so kinks are common and few entries remain.
                assertTrue(p.maxRelError() <= GradientCheck.MAX_REL_TOLERANCE, id + " " + p);
                assertTrue(p.meanAbsDiff() <= 5e-5, id + " " + p);
                assertTrue(p.checked() >= 1, "nothing differentiable checked: " + p);
            }
            assertTrue(r.params().stream().anyMatch(p -> p.name().equals("batchnorm1.gamma")));
        }
    }

    @ParameterizedTest
    @MethodSource("dev.clayers.backend.TestDevices#ids")
    void affineBatchNormGradientCheck(String id) {
        gradientCheck(id, List.of(affine(6, 5), batchNorm(5), relu(), affine(5, 3)), 3, 21, "affine1.b");
    }

    @ParameterizedTest
    @MethodSource("dev.clayers.backend.TestDevices#ids")
    void convBatchNormGradientCheck(String id) {
        ConvSpec c = conv(new ImageShape(1, 6, 6), 3, 3, 1, 0);
        MaxPoolSpec p = maxPool(c.output(), 2, 2);
        gradientCheck(id, List.of(c, batchNorm(c.output()), relu(), p, affine(p.output().size(), 3)), 3, 22, "conv1.b");
    }

    @Test
    void netSpecAndChainChecks() {
        List<LayerSpec> l = NetSpec.parse("conv8k5bn-pool2-32bn", new ImageShape(1, 28, 28), 10, Activation.RELU, 0f);
        assertEquals("conv(1x28x28,8,5,1,0) batchnorm(8,576) relu maxpool(8x24x24,2,2) affine(1152,32) batchnorm(32) relu"
                + " affine(32,10)", LayerSpec.describe(l));
        assertEquals(l, LayerSpec.parseList(LayerSpec.describe(l)));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Sequential.outputShapes(List.of(affine(4, 5), batchNorm(4), affine(4, 2))));
        assertTrue(e.getMessage().contains("batchnorm(4) normalises 4 channels"), e.getMessage());
    }

    /** The running averages are saved beside gamma and beta and come back: predictions match after a reload. */
    @Test
    void savedRunningAveragesComeBack(@TempDir Path dir) throws Exception {
        List<LayerSpec> layers = NetSpec.parse("conv3k3bn-pool2-8bn", new ImageShape(1, 8, 8), 4, Activation.RELU, 0f);
        Random rng = new Random(5);
        float[] xs = randomInputs(rng, 6 * 64, 0.3f);
        Path f = dir.resolve("bn.safetensors");
        double[][] before;
        try (Backend be = TestDevices.open("cpu"); Sequential net = Sequential.of(be, WeightInit.HE, 3, layers);
             Matrix x = be.upload(xs, 6, 64); IntVector t = be.uploadInts(new int[] {0, 1, 2, 3, 0, 1})) {
            for (int i = 0; i < 3; i++) net.gradient(x, t);   // moves the running averages away from 0 and 1
            before = net.predictProbabilities(xs, 6);
            ModelFile.save(f, net, Map.of());
        }
        var sf = Safetensors.read(f);
        assertArrayEquals(new int[] {3}, sf.tensor("batchnorm1.running_mean").shape());
        assertArrayEquals(new int[] {8}, sf.tensor("batchnorm2.gamma").shape());
        assertTrue(Math.abs(sf.tensor("batchnorm2.running_mean").data()[0]) > 1e-4, "running mean moved");
        ModelFile.Model m = ModelFile.load(f);
        try (Backend be = TestDevices.open("cpu"); Sequential net = m.build(be)) {
            double[][] after = net.predictProbabilities(xs, 6);
            for (int i = 0; i < 6; i++) assertArrayEquals(before[i], after[i], 1e-7);
        }
    }
}
