package dev.clayers.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.Arrays;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class BundledMnistTest {
    private static DataSplit data;

    @BeforeAll
    static void load() throws IOException {
        data = MnistDataset.bundled();
    }

    static int[] classCounts(Dataset set) {
        int[] counts = new int[set.classes()];
        for (int label : set.labels()) {
            counts[label]++;
        }
        return counts;
    }

    /** All values in [0, 1], with real ink: MNIST-like images average a grey of roughly 0.1 to 0.4. */
    static void assertPixelsArePlausible(Dataset set) {
        double sum = 0;
        float max = 0;
        float min = 0;
        for (float v : set.images()) {
            sum += v;
            min = Math.min(min, v);
            max = Math.max(max, v);
        }
        assertTrue(min >= 0f && max <= 1f, set.name() + ": pixels span [" + min + ", " + max + "], not within [0, 1]");
        double mean = sum / set.images().length;
        assertEquals(1f, max, set.name() + ": the brightest pixel should be full ink");
        assertTrue(mean > 0.05 && mean < 0.5, set.name() + ": mean pixel " + mean + " is implausible");
    }

    @Test
    void hasEightThousandTrainingAndTwoThousandTestDigitsOf28x28() {
        assertEquals(8000, data.train().size());
        assertEquals(2000, data.test().size());
        for (Dataset set : new Dataset[] {data.train(), data.test()}) {
            assertEquals(28, set.rows());
            assertEquals(28, set.cols());
            assertEquals(784, set.features());
            assertEquals(10, set.classes());
            assertEquals(set.size() * 784, set.images().length);
        }
    }

    @Test
    void everyClassIsPresentInRoughlyItsShareInBothSplits() {
        int[] train = classCounts(data.train());
        int[] test = classCounts(data.test());
        for (int c = 0; c < 10; c++) {
            assertTrue(train[c] >= 650 && train[c] <= 950, "train count of class " + c + ": " + Arrays.toString(train));
            assertTrue(test[c] >= 150 && test[c] <= 250, "test count of class " + c + ": " + Arrays.toString(test));
            // Stratified 80/20: each class's split is within one image of the exact share.
            double share = (double) train[c] / (train[c] + test[c]);
            assertEquals(0.8, share, 1.0 / (train[c] + test[c]), "class " + c + " split");
        }
    }

    @Test
    void pixelsAreInUnitRangeAndNotBlank() {
        assertPixelsArePlausible(data.train());
        assertPixelsArePlausible(data.test());
    }

    @Test
    void classesAreMixedSoEveryBatchSeesManyDigits() {
        for (Dataset set : new Dataset[] {data.train(), data.test()}) {
            int[] firstHundred = Arrays.copyOf(set.labels(), 100);
            long distinct = Arrays.stream(firstHundred).distinct().count();
            assertEquals(10, distinct, set.name() + ": first 100 labels " + Arrays.toString(firstHundred));
        }
    }
}
