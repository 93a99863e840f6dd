package dev.clayers.net;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code --net} reads every character or refuses the spec, naming the step and the syntax. */
class NetSpecStrictTest {
    private static final ImageShape MNIST = new ImageShape(1, 28, 28);

    private static List<LayerSpec> parse(String spec) {
        return NetSpec.parse(spec, MNIST, 10, Activation.RELU, 0f);
    }

    @ParameterizedTest
    @ValueSource(strings = {"-", "---", "conv8k5-", "-conv8k5", "conv8k5--pool2", "conv8k5- -100", " - "})
    void emptyStepsAreRefused(String spec) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> parse(spec));
        assertTrue(e.getMessage().contains("empty step") && e.getMessage().contains(NetSpec.SYNTAX), e.getMessage());
        assertEquals(1, e.getMessage().lines().count());
    }

    @Test
    void aStrideGivenTwiceIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> parse("conv8k5s2p1s3"));
        assertTrue(e.getMessage().contains("'conv8k5s2p1s3'") && e.getMessage().contains("stride is given twice"), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"conv8k5x", "conv8k5-pool2s", "100bnbn", "conv8k5s2p1bn1", "pool2p1", "conv8k5 pool2", "100;rm"})
    void trailingGarbageIsRefused(String spec) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> parse(spec));
        assertTrue(e.getMessage().contains("cannot read") && e.getMessage().contains(NetSpec.SYNTAX), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"conv99999999999k5", "conv8k99999999999", "99999999999", "pool99999999999", "conv8k5s99999999999"})
    void aNumberPastIntIsNamed(String spec) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> parse(spec));
        assertTrue(e.getMessage().contains("99999999999 is too large"), e.getMessage());
        assertTrue(!e.getMessage().contains("For input string"), e.getMessage());
    }

    @Test
    void theDocumentedFormsStillParse() {
        assertEquals(parse("conv8k5s2p1").size(), parse("conv8k5p1s2").size());
        assertEquals(parse("conv30k5-pool2-100").size(), 6);
        assertEquals(parse(" Conv8K3P1BN - pool2 - 50bn ").size(), parse("conv8k3p1bn-pool2-50bn").size());
    }

    @Test
    void averagePoolingHasAStep() {
        List<LayerSpec> l = parse("conv8k5-avgpool2-50");
        assertEquals(new AvgPoolSpec(new ImageShape(8, 24, 24), 2, 2), l.get(2));
        assertEquals(new AvgPoolSpec(new ImageShape(8, 24, 24), 3, 1), parse("conv8k5-avgpool3s1").get(2));
        assertThrows(IllegalArgumentException.class, () -> parse("avgpool"));
        assertThrows(IllegalArgumentException.class, () -> parse("avgpool2x"));
    }
}
