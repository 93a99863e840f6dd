package dev.clayers.data;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A NaN or infinite feature is refused where a dataset is made, naming its row and column: one NaN
 * among 2,000 rows used to train silently to chance accuracy (ReLU maps the NaN activations to 0,
 * so the loss stays finite and the NaN-loss guard never fires).
 */
class NonFiniteInputTest {
    private static float[][] rows(int n, int features) {
        float[][] x = new float[n][features];
        java.util.Random r = new java.util.Random(1);
        for (float[] row : x) for (int j = 0; j < features; j++) row[j] = r.nextFloat();
        return x;
    }

    private static void refusedAt(IllegalArgumentException e, String value, int row, int col) {
        assertTrue(e.getMessage().contains("row " + row + ", column " + col) && e.getMessage().contains(value), e.getMessage());
    }

    @Test
    void oneNanAmongTwoThousandRowsIsRefused() {
        float[][] x = rows(2000, 4);
        int[] y = new int[2000];
        y[1] = 1;
        x[1234][3] = Float.NaN;
        refusedAt(assertThrows(IllegalArgumentException.class, () -> Dataset.of(x, y)), "NaN", 1234, 3);
        refusedAt(assertThrows(IllegalArgumentException.class, () -> Dataset.of("t", x, y, 2)), "NaN", 1234, 3);
    }

    @Test
    void infinitiesAreRefusedByEveryConstructor() {
        float[] flat = new float[6 * 5];
        int[] y = {0, 1, 0, 1, 0, 1};
        flat[2 * 5 + 4] = Float.POSITIVE_INFINITY;
        refusedAt(assertThrows(IllegalArgumentException.class, () -> Dataset.of(flat, 5, y)), "Infinity", 2, 4);
        float[] image = new float[2 * 3 * 3];
        image[9 + 4] = Float.NEGATIVE_INFINITY;
        refusedAt(assertThrows(IllegalArgumentException.class, () -> new Dataset("img", image, new int[] {0, 1}, 3, 3, 2)),
                "-Infinity", 1, 4);
    }

    @Test
    void theCheckIsReusableForRowsToPredict() {
        float[] ok = {0f, 1f, -3e38f, 3e38f};
        assertDoesNotThrow(() -> Dataset.requireFinite(ok, 2, 2, "rows"));
        float[] bad = {0f, 1f, 2f, Float.NaN};
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Dataset.requireFinite(bad, 2, 2, "the rows to predict"));
        refusedAt(e, "NaN", 1, 1);
        assertTrue(e.getMessage().startsWith("the rows to predict"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Dataset.requireFinite(ok, 3, 2, "rows"));
        // A chunk starting at row 1000 of the caller's rows names the row as the caller numbers it.
        refusedAt(assertThrows(IllegalArgumentException.class, () -> Dataset.requireFinite(bad, 2, 2, 1000, "rows")), "NaN", 1001, 1);
    }

    @Test
    void nullRowsAndLabelsAreNamedNotNpe() {
        float[][] x = rows(3, 2);
        x[2] = null;
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Dataset.of(x, new int[] {0, 1, 0}));
        assertTrue(e.getMessage().contains("row 2 is null"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Dataset.of(rows(2, 2), null));
        assertThrows(IllegalArgumentException.class, () -> Dataset.of(new float[][] {{}, {}}, new int[] {0, 1}));
    }
}
