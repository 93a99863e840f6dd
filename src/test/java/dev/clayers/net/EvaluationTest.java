package dev.clayers.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

import java.util.List;

/** Per-class scores, averages, top-k and the report, against values worked out by hand. */
class EvaluationTest {
    /**
     * 10 rows, 3 classes (rows: true class, columns: predicted):
     * <pre>
     *        0  1  2
     *   0    3  1  0     support 4
     *   1    1  2  1     support 4
     *   2    0  0  2     support 2
     * </pre>
     * precision: 3/4, 2/3, 2/3; recall: 3/4, 2/4, 2/2;
     * F1: 0.75, 2(2/3)(1/2)/(7/6) = 4/7, 2(2/3)(1)/(5/3) = 4/5.
     */
    private static final long[][] CM = {{3, 1, 0}, {1, 2, 1}, {0, 0, 2}};
    /** 7 labels ranked first, 2 second, 1 third. */
    private static final Evaluation EV = new Evaluation(0.5, 7, 10, CM, new long[] {7, 2, 1});

    @Test
    void perClassScores() {
        List<Evaluation.ClassScores> cs = EV.classScores();
        assertEquals(3, cs.size());
        assertEquals(new Evaluation.ClassScores(0, 0.75, 0.75, 0.75, 4), cs.get(0));
        assertEquals(2.0 / 3, cs.get(1).precision(), 1e-15);
        assertEquals(0.5, cs.get(1).recall(), 1e-15);
        assertEquals(4.0 / 7, cs.get(1).f1(), 1e-15);
        assertEquals(2.0 / 3, cs.get(2).precision(), 1e-15);
        assertEquals(1.0, cs.get(2).recall(), 1e-15);
        assertEquals(0.8, cs.get(2).f1(), 1e-15);
        assertEquals(2, cs.get(2).support());
    }

    @Test
    void macroAndWeightedAverages() {
        Evaluation.ClassScores macro = EV.macroAverage();
        assertEquals((0.75 + 2.0 / 3 + 2.0 / 3) / 3, macro.precision(), 1e-15);
        assertEquals((0.75 + 0.5 + 1.0) / 3, macro.recall(), 1e-15);
        assertEquals((0.75 + 4.0 / 7 + 0.8) / 3, macro.f1(), 1e-15);
        assertEquals(10, macro.support());
        Evaluation.ClassScores w = EV.weightedAverage();
        assertEquals((4 * 0.75 + 4 * 2.0 / 3 + 2 * 2.0 / 3) / 10, w.precision(), 1e-15);
        assertEquals(0.7, w.recall(), 1e-15, "the weighted recall is the accuracy");
        assertEquals((4 * 0.75 + 4 * 4.0 / 7 + 2 * 0.8) / 10, w.f1(), 1e-15);
    }

    @Test
    void topK() {
        assertEquals(0.7, EV.topKAccuracy(1), 1e-15);
        assertEquals(0.9, EV.topKAccuracy(2), 1e-15);
        assertEquals(1.0, EV.topKAccuracy(3), 1e-15);
        assertEquals(1.0, EV.topKAccuracy(10), 1e-15);
        assertThrows(IllegalArgumentException.class, () -> EV.topKAccuracy(0));
        assertThrows(IllegalStateException.class, () -> new Evaluation(0.5, 7, 10, CM).topKAccuracy(1));
    }

    @Test
    void zeroDivisionIsZeroAndAbsentClassesAreLeftOut() {
        // Class 1 is never predicted (precision 0/0 -> 0); class 2 neither occurs nor is predicted.
        long[][] cm = {{2, 0, 0}, {1, 0, 0}, {0, 0, 0}};
        Evaluation ev = new Evaluation(1, 2, 3, cm);
        List<Evaluation.ClassScores> cs = ev.classScores();
        assertEquals(2, cs.size());
        assertEquals(new Evaluation.ClassScores(1, 0, 0, 0, 1), cs.get(1));
        assertEquals(2.0 / 3, cs.get(0).precision(), 1e-15);
        assertEquals((2.0 / 3 + 0) / 2, ev.macroAverage().precision(), 1e-15);
    }

    @Test
    void checksItsCounts() {
        assertThrows(IllegalArgumentException.class, () -> new Evaluation(0, 11, 10, null));
        assertThrows(IllegalArgumentException.class, () -> new Evaluation(0, 7, 10, new long[][] {{1}}));
        assertThrows(IllegalArgumentException.class, () -> new Evaluation(0, 7, 10, CM, new long[] {7, 2}));
    }

    @Test
    void reportReadsLikeScikitLearns() {
        String expected = """
                           precision    recall  f1-score   support

                        0     0.7500    0.7500    0.7500         4
                        1     0.6667    0.5000    0.5714         4
                        2     0.6667    1.0000    0.8000         2

                 accuracy                         0.7000        10
                macro avg     0.6944    0.7500    0.7071        10
             weighted avg     0.7000    0.7000    0.6886        10

             top-k accuracy: top-1 0.7000 top-2 0.9000
             confusion matrix (rows: true class, columns: predicted):
                        0     1     2
                  0     3     1     0
                  1     1     2     1
                  2     0     0     2
             """;
        assertEquals(expected, EV.report());
        String named = EV.report(List.of("cat", "dog", "a-very-long-class-name"));
        assertEquals(true, named.contains("\n                   cat     0.7500"), named);
        assertEquals(true, named.contains("\na-very-long-class-name     0.6667    1.0000"), named);
    }
}
