package dev.clayers.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.Map;

class NormaliserTest {
    /** Feature 0: 1, 2, 3, 6 (mean 3, population std sqrt(3.5)); feature 1: 5 always; feature 2: -2, 0, 2, 0. */
    private static final Dataset TRAIN = Dataset.of("train", new float[][] {{1, 5, -2}, {2, 5, 0}, {3, 5, 2}, {6, 5, 0}},
            new int[] {0, 1, 0, 1}, 2);

    @Test
    void standardiseUsesMeanAndPopulationStdAndLeavesConstantFeaturesUnscaled() {
        Normaliser n = Normaliser.standardise(TRAIN);
        assertEquals(Normaliser.Kind.STANDARDISE, n.kind());
        assertArrayEquals(new float[] {3, 5, 0}, n.center());
        assertArrayEquals(new float[] {(float) Math.sqrt(3.5), 1, (float) Math.sqrt(2)}, n.scale());
        Dataset z = n.apply(TRAIN);
        assertEquals("train", z.name());
        assertSame(TRAIN.labels(), z.labels());
        assertArrayEquals(new float[] {(1 - 3) / (float) Math.sqrt(3.5), 0, -2 / (float) Math.sqrt(2)}, z.row(0));
        assertEquals(1f, TRAIN.images()[0], "the input set is not changed");
        double mean = 0, ss = 0;
        for (int i = 0; i < 4; i++) mean += z.row(i)[0] / 4.0;
        for (int i = 0; i < 4; i++) ss += Math.pow(z.row(i)[0] - mean, 2) / 4;
        assertEquals(0, mean, 1e-6);
        assertEquals(1, ss, 1e-6);
        // A constant feature is only centred: a later 7 becomes 2, not 2 / 1e-6.
        assertArrayEquals(new float[] {0, 2, 0}, n.apply(new float[][] {{3, 7, 0}})[0]);
    }

    @Test
    void minMaxMapsTheTrainingRangeOntoZeroToOne() {
        Normaliser n = Normaliser.minMax(TRAIN);
        assertArrayEquals(new float[] {1, 5, -2}, n.center());
        assertArrayEquals(new float[] {5, 1, 4}, n.scale());
        assertArrayEquals(new float[] {1, 0, 1}, n.apply(new float[][] {{6, 5, 2}})[0]);
        assertArrayEquals(new float[] {0, 0, 0.5f}, n.apply(new float[][] {{1, 5, 0}})[0]);
        assertArrayEquals(new float[] {2, 0, -0.25f}, n.apply(new float[] {11, 5, -3}), "outside the range is allowed");
    }

    @Test
    void applyChecksWidthsAndFiniteness() {
        Normaliser n = Normaliser.standardise(TRAIN);
        IllegalArgumentException wide = assertThrows(IllegalArgumentException.class, () -> n.apply(new float[][] {{1, 2}}));
        assertEquals("row 0 has 2 features but the normaliser takes 3", wide.getMessage());
        IllegalArgumentException nan = assertThrows(IllegalArgumentException.class,
                () -> n.apply(new float[][] {{1, 2, 3}, {1, Float.NaN, 3}}));
        assertEquals("rows: row 1, feature 1 holds NaN; inputs must be finite numbers", nan.getMessage());
        Dataset other = Dataset.of("other", new float[][] {{1, 2}}, new int[] {0}, 1);
        assertThrows(IllegalArgumentException.class, () -> n.apply(other));
        IllegalArgumentException overflow = assertThrows(IllegalArgumentException.class,
                () -> Normaliser.of(Normaliser.Kind.MIN_MAX, new float[] {0}, new float[] {1e-30f}).apply(new float[] {1e10f}));
        assertTrue(overflow.getMessage().contains("normalises to Infinity"), overflow.getMessage());
        // An infinite feature no longer reaches a normaliser: the dataset refuses it (issue 27, cause 5).
        IllegalArgumentException fit = assertThrows(IllegalArgumentException.class,
                () -> Normaliser.standardise(Dataset.of("inf", new float[][] {{1}, {Float.POSITIVE_INFINITY}}, new int[] {0, 0}, 1)));
        assertTrue(fit.getMessage().startsWith("inf: row 1, column 0 is Infinity"), fit.getMessage());
        // Finite values whose spread overflows a float are the normaliser's to refuse.
        Dataset huge = Dataset.of("huge", new float[][] {{3e38f}, {-3e38f}}, new int[] {0, 0}, 1);
        IllegalArgumentException spread = assertThrows(IllegalArgumentException.class, () -> Normaliser.minMax(huge));
        assertTrue(spread.getMessage().startsWith("huge: feature 0 gives a min-max normaliser"), spread.getMessage());
    }

    @Test
    void tensorsRoundTripAndBadOnesAreRefusedByName() {
        Normaliser n = Normaliser.standardise(TRAIN);
        Map<String, float[]> t = n.tensors();
        assertEquals(java.util.List.of("normaliser.mean", "normaliser.std"), java.util.List.copyOf(t.keySet()));
        Map<String, float[]> file = new LinkedHashMap<>(t);
        file.put("affine1.W", new float[6]);
        assertEquals(n, Normaliser.fromTensors(file, 3).orElseThrow());
        assertTrue(Normaliser.fromTensors(Map.of("affine1.W", new float[1]), 3).isEmpty());
        assertEquals("normaliser.std has 3 values but the network takes 4 features",
                assertThrows(IllegalArgumentException.class, () -> Normaliser.fromTensors(t, 4)).getMessage().replace(
                        "normaliser.mean", "normaliser.std"));
        Map<String, float[]> zero = new LinkedHashMap<>(t);
        zero.put("normaliser.std", new float[] {1, 0, 1});
        assertEquals("normaliser.std holds 0.0 at feature 1; it must be a positive finite number",
                assertThrows(IllegalArgumentException.class, () -> Normaliser.fromTensors(zero, 3)).getMessage());
        Map<String, float[]> nan = new LinkedHashMap<>(t);
        nan.put("normaliser.mean", new float[] {1, Float.NaN, 1});
        assertEquals("normaliser.mean holds NaN at feature 1; it must be finite",
                assertThrows(IllegalArgumentException.class, () -> Normaliser.fromTensors(nan, 3)).getMessage());
        IllegalArgumentException half = assertThrows(IllegalArgumentException.class,
                () -> Normaliser.fromTensors(Map.of("normaliser.mean", new float[3]), 3));
        assertTrue(half.getMessage().startsWith("a standardise normaliser is the two tensors normaliser.mean and normaliser.std"),
                half.getMessage());
        IllegalArgumentException mixed = assertThrows(IllegalArgumentException.class,
                () -> Normaliser.fromTensors(Map.of("normaliser.mean", new float[3], "normaliser.std", new float[] {1, 1, 1},
                        "normaliser.min", new float[3]), 3));
        assertTrue(mixed.getMessage().startsWith("a standardise normaliser is the two tensors"), mixed.getMessage());
        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class,
                () -> Normaliser.fromTensors(Map.of("normaliser.median", new float[3]), 3));
        assertTrue(unknown.getMessage().startsWith("tensor normaliser.median is no normaliser tensor"), unknown.getMessage());
    }

    @Test
    void isImmutable() {
        float[] c = {1, 2}, s = {1, 1};
        Normaliser n = Normaliser.of(Normaliser.Kind.STANDARDISE, c, s);
        c[0] = 100;
        n.center()[1] = 100;
        assertArrayEquals(new float[] {1, 2}, n.center());
    }
}
