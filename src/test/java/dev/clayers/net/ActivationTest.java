package dev.clayers.net;

import dev.clayers.backend.Backend;
import dev.clayers.backend.TestDevices;
import dev.clayers.layer.Layer;
import org.junit.jupiter.api.Test;

import java.util.Locale;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ActivationTest {
    /** Each constant builds its own layer class, and its name reads back as the same constant. */
    @Test
    void everyActivationBuildsTheLayerItNames() {
        try (Backend be = TestDevices.open("cpu")) {
            for (Activation a : Activation.values()) {
                try (Layer l = a.newLayer(be, a.id() + "1")) {
                    assertEquals(a.id(), l.getClass().getSimpleName().toLowerCase(Locale.ROOT));
                    assertEquals(a.id() + "1", l.name());
                }
                assertEquals(a, Activation.parse(a.id().toUpperCase(Locale.ROOT)));
                assertEquals(new ActivationSpec(a), LayerSpec.parse(a.id()));
            }
        }
        String all = String.join(", ", Activation.ids());
        assertTrue(all.startsWith("relu, sigmoid"), all);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Activation.parse("swish"));
        assertTrue(e.getMessage().contains("valid: " + all), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> LayerSpec.parse("lstm(3)"));
        assertEquals("unknown layer 'lstm(3)'; valid: affine(IN,OUT), conv(CxHxW,FILTERS,K,STRIDE,PAD), maxpool(CxHxW,WINDOW,STRIDE),"
                + " avgpool(CxHxW,WINDOW,STRIDE), batchnorm(C[,POSITIONS][,eps=E]), dropout(RATIO) or " + all, e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> LayerSpec.parse("conv(3)"));
        assertEquals("cannot read layer 'conv(3)': conv needs input,filters,kernel,stride,pad", e.getMessage());
    }
}
