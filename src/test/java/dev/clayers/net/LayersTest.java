package dev.clayers.net;

import dev.clayers.backend.Backend;
import dev.clayers.backend.cpu.CpuBackend;
import org.junit.jupiter.api.Test;

import java.util.List;

import static dev.clayers.net.LayerSpec.affine;
import static dev.clayers.net.LayerSpec.batchNorm;
import static dev.clayers.net.LayerSpec.conv;
import static dev.clayers.net.LayerSpec.maxPool;
import static dev.clayers.net.LayerSpec.relu;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Networks declared from the input shape and layer choices, each size from the layer before. */
class LayersTest {

    @Test
    void aCnnFromItsInputShapeEqualsTheExplicitForm() {
        Layers inferred = Layers.input(1, 28, 28).conv(8, 5).batchNorm().relu().maxPool(2).dense(32).relu().dense(10);
        ConvSpec c = conv(new ImageShape(1, 28, 28), 8, 5, 1, 0);
        MaxPoolSpec p = maxPool(c.output(), 2, 2);
        List<LayerSpec> explicit = List.of(c, batchNorm(c.output()), relu(), p, affine(p.output().size(), 32), relu(), affine(32, 10));
        assertEquals(explicit, inferred.list());
        assertArrayEquals(new int[] {10}, inferred.outputShape());
        try (Backend be = new CpuBackend(); Sequential a = Sequential.of(be, inferred);
             Sequential b = Sequential.of(be, explicit.toArray(LayerSpec[]::new))) {
            assertEquals(a.summary(), b.summary());
        }
    }

    @Test
    void everyKindInfersItsSizes() {
        Layers l = Layers.input(3, 32, 32).conv(16, 3, 1, 1).gelu().avgPool(2).conv(8, 3, 2, 0).tanh().maxPool(3, 2)
                .dense(50).batchNorm(1e-5f).sigmoid().dropout(0.25f).dense(4);
        assertEquals(11, l.list().size());
        assertEquals("conv(3x32x32,16,3,1,1)", l.list().get(0).id());
        assertEquals("avgpool(16x32x32,2,2)", l.list().get(2).id());
        assertEquals("conv(16x16x16,8,3,2,0)", l.list().get(3).id());
        assertEquals("maxpool(8x7x7,3,2)", l.list().get(5).id());
        assertEquals("affine(72,50)", l.list().get(6).id());
        assertEquals(new BatchNormSpec(50, 1, 1e-5f), l.list().get(7));
        assertEquals(List.of(relu()), Layers.input(4).dense(3).relu().list().subList(1, 2));
        assertEquals(affine(4, 3), Layers.input(4).dense(3).list().get(0));
    }

    @Test
    void stepsThatCannotReadTheirInputFailAtOnce() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Layers.input(10).conv(3, 3));
        assertTrue(e.getMessage().contains("conv needs images"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Layers.input(1, 4, 4).conv(2, 5));
        assertThrows(IllegalArgumentException.class, () -> Layers.input(1, 28, 28).relu());
        assertThrows(IllegalStateException.class, () -> Layers.input(1, 28, 28).list());
        assertThrows(IllegalArgumentException.class, () -> Layers.input(0));
        Layers base = Layers.input(2);
        base.dense(3);
        assertEquals("input [N, 2]", base.toString(), "a step returns a new list and leaves its receiver alone");
    }
}
