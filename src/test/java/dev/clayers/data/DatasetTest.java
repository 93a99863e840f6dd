package dev.clayers.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class DatasetTest {
    @Test
    void validatesShapeAndLabels() {
        IllegalArgumentException size = assertThrows(IllegalArgumentException.class,
                () -> new Dataset("tiny", new float[7], new int[] {0, 1}, 2, 2, 10));
        assertTrue(size.getMessage().contains("tiny") && size.getMessage().contains("got 7"), size.getMessage());
        IllegalArgumentException label = assertThrows(IllegalArgumentException.class,
                () -> new Dataset("tiny", new float[8], new int[] {0, 10}, 2, 2, 10));
        assertTrue(label.getMessage().contains("label 10 at index 1"), label.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new Dataset("empty", new float[0], new int[0], 2, 2, 10));
    }

    @Test
    void fromIdxScalesBytesByOneOver255AndChecksCounts() {
        Idx.Images images = new Idx.Images(1, 1, 3, new byte[] {0, (byte) 128, (byte) 255});
        Dataset d = Dataset.fromIdx("one", images, new int[] {4}, 10);
        assertEquals(0f, d.images()[0]);
        assertEquals(128 / 255f, d.images()[1]);
        assertEquals(1f, d.images()[2]);
        assertEquals(3, d.features());
        assertThrows(IllegalArgumentException.class, () -> Dataset.fromIdx("two", images, new int[] {4, 5}, 10));
    }

    @Test
    void splitRejectsDifferentImageSizes() {
        Dataset a = new Dataset("a", new float[4], new int[] {0}, 2, 2, 10);
        Dataset b = new Dataset("b", new float[9], new int[] {0}, 3, 3, 10);
        assertThrows(IllegalArgumentException.class, () -> new DataSplit(a, b));
    }

    @Test
    void rowsOfFeaturesFromPlainArrays() {
        Dataset d = Dataset.of(new float[][] {{1, 2, 3}, {4, 5, 6}}, new int[] {0, 2});
        assertEquals(2, d.size());
        assertEquals(3, d.features());
        assertEquals(3, d.classes());
        assertEquals(false, d.isImage());
        assertEquals(6f, d.images()[5]);
        assertEquals("Dataset[data: 2 rows of 3 features, 3 classes]", d.toString());
        Dataset flat = Dataset.of(new float[] {1, 2, 3, 4}, 2, new int[] {1, 0});
        assertEquals(2, flat.features());
        assertEquals(2, flat.classes());
        IllegalArgumentException ragged = assertThrows(IllegalArgumentException.class,
                () -> Dataset.of(new float[][] {{1, 2}, {3}}, new int[] {0, 1}));
        assertEquals("data: row 1 has 1 features but row 0 has 2", ragged.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Dataset.of(new float[][] {{1}}, new int[] {0, 1}));
        assertThrows(IllegalArgumentException.class, () -> Dataset.of(new float[][] {{1}}, new int[] {-1}));
    }
}
