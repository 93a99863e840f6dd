package dev.clayers.net;

import dev.clayers.io.Safetensors;
import dev.clayers.io.SafetensorsFormatException;
import dev.clayers.io.Tensor;

import dev.clayers.backend.Backend;
import dev.clayers.backend.TestDevices;
import dev.clayers.net.Activation;
import dev.clayers.net.Architecture;
import dev.clayers.net.Sequential;
import dev.clayers.net.WeightInit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ModelFileTest {

    /** Save on a device, load, rebuild on the same device: identical weights and architecture. */
    @ParameterizedTest
    @MethodSource("dev.clayers.backend.TestDevices#ids")
    void roundTripOnEveryDevice(String id, @TempDir Path dir) throws Exception {
        Architecture arch = new Architecture(33, new int[] {7, 5}, 10, Activation.SIGMOID);
        Path f = dir.resolve("m.safetensors");
        try (Backend be = TestDevices.open(id); Sequential net = Sequential.create(be, arch, WeightInit.parse("xavier"), 3)) {
            ModelFile.save(f, net, Map.of("note", "x"));
            ModelFile.Model m = ModelFile.load(f);
            assertEquals(arch, m.architecture());
            assertEquals("x", m.metadata().get("note"));
            try (Sequential back = m.build(be)) {
                for (var e : net.weights().entrySet()) {
                    assertArrayEquals(e.getValue(), back.weights().get(e.getKey()), 0f, e.getKey());
                }
            }
        }
    }

    /** Every activation's network saves, loads as the same activation, and predicts the same logits. */
    @Test
    void everyActivationLoadsAndPredictsAlike(@TempDir Path dir) throws Exception {
        float[] xs = new float[4 * 33];
        for (int i = 0; i < xs.length; i++) xs[i] = (i % 17) / 17f;
        for (Activation a : Activation.values()) {
            Architecture arch = new Architecture(33, new int[] {7, 5}, 10, a);
            Path f = dir.resolve(a.id() + ".safetensors");
            try (Backend be = TestDevices.open("cpu"); Sequential net = Sequential.create(be, arch, WeightInit.parse("xavier"), 3);
                 var x = be.upload(xs, 4, 33)) {
                ModelFile.save(f, net, Map.of());
                ModelFile.Model m = ModelFile.load(f);
                assertEquals(a, m.architecture().activation());
                float[] before = be.download(net.predict(x));
                try (Sequential back = m.build(be)) {
                    assertArrayEquals(before, be.download(back.predict(x)), 0f, a.id());
                }
            }
        }
    }

    /** A file written elsewhere: no metadata, rank-1 biases. Loads as a relu network. */
    @Test
    void foreignFileWithVectorBiasesLoads(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("foreign.safetensors");
        Safetensors.write(f, null, List.of(
                new Tensor("affine1.W", new int[] {4, 3}, new float[12]),
                new Tensor("affine1.b", new int[] {3}, new float[] {1, 2, 3}),
                new Tensor("affine2.W", new int[] {3, 2}, new float[6]),
                new Tensor("affine2.b", new int[] {2}, new float[2])));
        ModelFile.Model m = ModelFile.load(f);
        assertEquals("4-3-2", m.architecture().describe());
        assertEquals(Activation.RELU, m.architecture().activation());
        assertArrayEquals(new float[] {1, 2, 3}, m.weights().get("affine1.b"));
    }

    @Test
    void shapesThatDoNotFitAreNamed(@TempDir Path dir) throws Exception {
        Path chain = dir.resolve("chain.safetensors");
        Safetensors.write(chain, null, List.of(Tensor.matrix("affine1.W", 4, 3, new float[12]), Tensor.matrix("affine1.b", 1, 3, new float[3]),
                Tensor.matrix("affine2.W", 5, 2, new float[10]), Tensor.matrix("affine2.b", 1, 2, new float[2])));
        assertProblem(chain, "do not chain");

        Path bias = dir.resolve("bias.safetensors");
        Safetensors.write(bias, null, List.of(Tensor.matrix("affine1.W", 4, 3, new float[12]), Tensor.matrix("affine1.b", 1, 4, new float[4])));
        assertProblem(bias, "affine1.b has shape [1, 4]");

        Path missing = dir.resolve("missing.safetensors");
        Safetensors.write(missing, null, List.of(Tensor.matrix("affine1.W", 4, 3, new float[12])));
        assertProblem(missing, "missing tensor affine1.b");

        Path lying = dir.resolve("lying.safetensors");
        Safetensors.write(lying, Map.of("architecture", "4-9-3"), List.of(Tensor.matrix("affine1.W", 4, 3, new float[12]),
                Tensor.matrix("affine1.b", 1, 3, new float[3])));
        assertProblem(lying, "metadata says architecture 4-9-3");

        Path none = dir.resolve("none.safetensors");
        Safetensors.write(none, null, List.of(Tensor.matrix("dense.weight", 4, 3, new float[12])));
        assertProblem(none, "no tensor named affine1.W");
    }

    private static void assertProblem(Path f, String needle) {
        SafetensorsFormatException e = assertThrows(SafetensorsFormatException.class, () -> ModelFile.load(f));
        assertTrue(e.getMessage().contains(needle) && e.getMessage().contains(f.getFileName().toString()), e.getMessage());
    }
}
