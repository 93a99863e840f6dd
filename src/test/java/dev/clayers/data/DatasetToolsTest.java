package dev.clayers.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** Split, subset, shuffle, row access and batches of {@link Dataset}. */
class DatasetToolsTest {
    /** Row i holds {i, 10 i, 100 i}; its label is i mod classes. */
    private static Dataset numbered(int n, int classes) {
        float[][] x = new float[n][];
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            x[i] = new float[] {i, 10 * i, 100 * i};
            y[i] = i % classes;
        }
        return Dataset.of("numbered", x, y, classes);
    }

    @Test
    void namesSayWhatTheyCount() {
        Dataset d = Dataset.of(new float[][] {{1, 2, 3}, {4, 5, 6}}, new int[] {0, 1});
        assertEquals(2, d.size());
        assertEquals(3, d.features());
        assertEquals(1, d.imageHeight());
        assertEquals(3, d.imageWidth());
        assertEquals(1, d.channels());
        Dataset img = new Dataset("rgb", new float[2 * 3 * 4 * 5], new int[] {0, 1}, 3, 4, 5, 2);
        assertEquals(60, img.features());
        assertTrue(img.isImage());
        assertEquals("Dataset[rgb: 2 images of 3x4x5, 2 classes]", img.toString());
        assertFalse(img.sameShape(new Dataset("grey", new float[2 * 4 * 5], new int[] {0, 1}, 4, 5, 2)));
    }

    @Test
    @SuppressWarnings("deprecation")
    void oldNamesStillAnswer() {
        Dataset d = new Dataset("old", new float[2 * 28 * 28], new int[] {0, 1}, 28, 28, 10);
        assertEquals(28, d.rows());
        assertEquals(28, d.cols());
        assertEquals(1, d.channels());
    }

    @Test
    void rowsAndLabelsAreCopies() {
        Dataset d = numbered(5, 2);
        float[] r = d.row(3);
        assertArrayEquals(new float[] {3, 30, 300}, r);
        r[0] = -1;
        assertEquals(3f, d.images()[9], "row() copies");
        assertEquals(1, d.label(3));
        float[][] rows = d.toRows(1, 3);
        assertEquals(2, rows.length);
        assertArrayEquals(new float[] {2, 20, 200}, rows[1]);
        assertEquals(5, d.toRows().length);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> d.row(5));
        assertEquals("numbered: row 5 is outside 0..4", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> d.toRows(3, 2));
    }

    @Test
    void subsetByIndicesAndRange() {
        Dataset d = numbered(6, 3);
        Dataset s = d.subset(4, 0, 4);
        assertEquals(3, s.size());
        assertArrayEquals(new float[] {4, 40, 400}, s.row(0));
        assertArrayEquals(new float[] {0, 0, 0}, s.row(1));
        assertArrayEquals(new int[] {1, 0, 1}, s.labels());
        assertEquals(3, s.classes(), "keeps the class count even when a class is missing");
        Dataset r = d.subset(2, 5);
        assertEquals(3, r.size());
        assertArrayEquals(new float[] {2, 20, 200}, r.row(0));
        assertEquals("numbered[2..5]", r.name());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> d.subset(1, 6, 2));
        assertEquals("numbered: subset index 6 (position 1) is outside 0..5", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> d.subset(3, 3));
        assertThrows(IllegalArgumentException.class, () -> d.subset(new int[0]));
    }

    @Test
    void shuffleIsSeededAndKeepsRowsWithTheirLabels() {
        Dataset d = numbered(50, 5);
        Dataset a = d.shuffle(7), b = d.shuffle(7), c = d.shuffle(8);
        assertArrayEquals(a.images(), b.images());
        assertArrayEquals(a.labels(), b.labels());
        assertFalse(Arrays.equals(a.labels(), c.labels()) && Arrays.equals(a.images(), c.images()));
        Set<Integer> seen = new HashSet<>();
        for (int i = 0; i < a.size(); i++) {
            int original = (int) a.row(i)[0];
            assertEquals(original % 5, a.label(i), "row and label move together");
            seen.add(original);
        }
        assertEquals(50, seen.size(), "a permutation");
        assertFalse(Arrays.equals(d.labels(), a.labels()), "the order changed");
    }

    @Test
    void splitByFractionIsSeededAndDisjoint() {
        Dataset d = numbered(10, 2);
        DataSplit s = d.split(0.8, 3);
        assertEquals(8, s.train().size());
        assertEquals(2, s.test().size());
        assertEquals("numbered[80%]", s.train().name());
        assertEquals("numbered[20%]", s.test().name());
        Set<Integer> all = new HashSet<>();
        for (Dataset part : List.of(s.train(), s.test())) for (int i = 0; i < part.size(); i++) all.add((int) part.row(i)[0]);
        assertEquals(10, all.size(), "every row in exactly one part");
        DataSplit again = d.split(0.8, 3);
        assertArrayEquals(s.test().images(), again.test().images());
        assertEquals(3, d.split(0.25, 1).train().size(), "round(0.25 * 10) = 3 (half up)");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> d.split(0.01, 1));
        assertEquals("numbered: a split of 0.01 of 10 rows leaves the first part empty", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> d.split(0.99, 1));
        assertThrows(IllegalArgumentException.class, () -> d.split(1.0, 1));
        assertThrows(IllegalArgumentException.class, () -> d.split(Double.NaN, 1));
    }

    @Test
    void stratifiedSplitKeepsEachClassShare() {
        // 60 rows of class 0, 30 of class 1, 10 of class 2.
        float[][] x = new float[100][];
        int[] y = new int[100];
        for (int i = 0; i < 100; i++) {
            x[i] = new float[] {i};
            y[i] = i < 60 ? 0 : i < 90 ? 1 : 2;
        }
        Dataset d = Dataset.of("skewed", x, y, 3);
        for (long seed = 0; seed < 5; seed++) {
            DataSplit s = d.stratifiedSplit(0.7, seed);
            assertArrayEquals(new long[] {42, 21, 7}, s.train().classCounts());
            assertArrayEquals(new long[] {18, 9, 3}, s.test().classCounts());
        }
        // 0.75 of {60, 30, 10} is {45, 22.5, 7.5}: 75 rows, the half rows go to the lower class first.
        DataSplit s = d.stratifiedSplit(0.75, 1);
        assertEquals(75, s.train().size());
        assertArrayEquals(new long[] {45, 23, 7}, s.train().classCounts());
        // Different seeds draw different rows within a class.
        assertFalse(Arrays.equals(d.stratifiedSplit(0.7, 1).train().images(), d.stratifiedSplit(0.7, 2).train().images()));
    }

    @Test
    void batchesCoverEveryRowOnceInASeededOrder() {
        Dataset d = numbered(10, 2);
        List<Integer> sizes = new ArrayList<>();
        List<Integer> rows = new ArrayList<>();
        for (Dataset.Batch b : d.batches(4, 11)) {
            sizes.add(b.size());
            for (int k = 0; k < b.size(); k++) {
                int original = (int) b.x()[k * 3];
                assertEquals(b.indices()[k], original);
                assertEquals(original % 2, b.labels()[k]);
                assertArrayEquals(d.row(original), b.toRows()[k]);
                rows.add(original);
            }
        }
        assertEquals(List.of(4, 4, 2), sizes);
        assertEquals(10, new HashSet<>(rows).size());
        List<Integer> again = new ArrayList<>();
        for (Dataset.Batch b : d.batches(4, 11)) for (int i : b.indices()) again.add(i);
        assertEquals(rows, again, "same seed, same order");
        List<Integer> other = new ArrayList<>();
        for (Dataset.Batch b : d.batches(4, 12)) for (int i : b.indices()) other.add(i);
        assertNotEquals(rows, other);
        List<Integer> inOrder = new ArrayList<>();
        for (Dataset.Batch b : d.batches(3)) for (int i : b.indices()) inOrder.add(i);
        assertEquals(List.of(0, 1, 2, 3, 4, 5, 6, 7, 8, 9), inOrder);
        assertThrows(IllegalArgumentException.class, () -> d.batches(0));
    }
}
