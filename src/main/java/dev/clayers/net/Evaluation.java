package dev.clayers.net;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * How a network did on a labelled dataset: loss and accuracy, and, when built with the confusion
 * matrix ({@link Sequential#evaluate}), per-class precision, recall and F1, their macro and
 * weighted averages, top-k accuracy and a printable {@link #report()} in the form of
 * scikit-learn's {@code classification_report}.
 *
 * <p>Definitions, per class {@code c} from the confusion matrix {@code C[true][predicted]}:
 * precision {@code C[c][c] / sum_t C[t][c]} (of the rows predicted {@code c}, the share that are
 * {@code c}), recall {@code C[c][c] / sum_p C[c][p]} (of the rows of class {@code c}, the share
 * found), F1 their harmonic mean {@code 2 p r / (p + r)}, support {@code sum_p C[c][p]}. A ratio
 * with a zero denominator is 0 (scikit-learn's {@code zero_division=0}). The classes reported and
 * averaged are those that occur in the data or in the predictions (as scikit-learn does without
 * {@code labels}); the macro average is their plain mean, the weighted average weights each by
 * its support.
 *
 * <p>Thread rule: a plain value; the arrays are shared, so treat them as read-only.
 *
 * @param loss       mean cross-entropy over all rows
 * @param correct    rows whose highest score is the label
 * @param total      rows evaluated
 * @param confusion  counts by [true class][predicted class], or null when not asked for
 * @param rankCounts {@code rankCounts[r]}: rows whose label had the {@code r}-th highest score
 *                   (0: the top; ties rank by class index, as the argmax takes the first), or null
 *                   when not asked for; one entry per network output
 */
public record Evaluation(double loss, int correct, int total, long[][] confusion, long[] rankCounts) {
    /**
     * Checks the components.
     *
     * @throws IllegalArgumentException when the counts disagree: {@code correct} outside {@code [0, total]}, a confusion
     *         matrix that is not square or does not count {@code total} rows, rank counts that do not add up to {@code total}
     */
    public Evaluation {
        if (total <= 0 || correct < 0 || correct > total) {
            throw new IllegalArgumentException("an evaluation needs 0 <= correct <= total and total > 0, got " + correct
                    + " of " + total);
        }
        if (confusion != null) {
            long sum = 0;
            for (long[] row : confusion) {
                if (row.length != confusion.length) {
                    throw new IllegalArgumentException("the confusion matrix must be square, got a row of " + row.length
                            + " in " + confusion.length);
                }
                for (long v : row) sum += v;
            }
            if (sum != total) throw new IllegalArgumentException("the confusion matrix counts " + sum + " rows, not " + total);
        }
        if (rankCounts != null && Arrays.stream(rankCounts).sum() != total) {
            throw new IllegalArgumentException("the rank counts add up to " + Arrays.stream(rankCounts).sum() + ", not "
                    + total);
        }
    }

    /** Loss, accuracy and the confusion matrix, without ranks (no top-k). */
    public Evaluation(double loss, int correct, int total, long[][] confusion) {
        this(loss, correct, total, confusion, null);
    }

    /** Share of rows whose highest score is the label. */
    public double accuracy() { return (double) correct / total; }

    /**
     * Share of rows whose label is among the {@code k} highest scores; {@code k = 1} is
     * {@link #accuracy()}, and {@code k} at or above the number of outputs is 1.
     *
     * @throws IllegalStateException when the evaluation was made without ranks
     */
    public double topKAccuracy(int k) {
        if (k < 1) throw new IllegalArgumentException("top-k accuracy needs k >= 1, got " + k);
        if (rankCounts == null) {
            throw new IllegalStateException("this evaluation has no ranks; Sequential.evaluate(Dataset) records them");
        }
        long hits = 0;
        for (int r = 0; r < Math.min(k, rankCounts.length); r++) hits += rankCounts[r];
        return (double) hits / total;
    }

    /**
     * The scores of one class.
     *
     * @param label     the class index
     * @param precision of the rows predicted to be this class, the share that are
     * @param recall    of the rows of this class, the share predicted so
     * @param f1        harmonic mean of precision and recall (0 when both are 0)
     * @param support   rows of this class in the data
     */
    public record ClassScores(int label, double precision, double recall, double f1, long support) {}

    /** The scores of each class that occurs in the data or the predictions, by class index. */
    public List<ClassScores> classScores() {
        long[][] cm = requireConfusion();
        List<ClassScores> out = new ArrayList<>();
        for (int c = 0; c < cm.length; c++) {
            long support = 0, predicted = 0;
            for (int j = 0; j < cm.length; j++) {
                support += cm[c][j];
                predicted += cm[j][c];
            }
            if (support == 0 && predicted == 0) continue;
            double p = ratio(cm[c][c], predicted), r = ratio(cm[c][c], support);
            out.add(new ClassScores(c, p, r, p + r == 0 ? 0 : 2 * p * r / (p + r), support));
        }
        return out;
    }

    /** The plain mean of each class's precision, recall and F1 ({@code label} -1, support the total). */
    public ClassScores macroAverage() {
        List<ClassScores> cs = classScores();
        double p = 0, r = 0, f = 0;
        for (ClassScores c : cs) {
            p += c.precision();
            r += c.recall();
            f += c.f1();
        }
        return new ClassScores(-1, p / cs.size(), r / cs.size(), f / cs.size(), total);
    }

    /** The support-weighted mean of each class's precision, recall and F1 ({@code label} -1, support the total). */
    public ClassScores weightedAverage() {
        double p = 0, r = 0, f = 0;
        long n = 0;
        for (ClassScores c : classScores()) {
            p += c.precision() * c.support();
            r += c.recall() * c.support();
            f += c.f1() * c.support();
            n += c.support();
        }
        return new ClassScores(-1, ratio(p, n), ratio(r, n), ratio(f, n), n);
    }

    /** {@link #report(List)} with the class indices as names. */
    public String report() {
        return report(List.of());
    }

    /**
     * A printable report: per class precision, recall, F1 and support, then accuracy, the macro
     * and weighted averages (scikit-learn's {@code classification_report}, 4 digits), the top-k
     * accuracies (k = 1, 2, 3, 5 below the number of outputs) and the confusion matrix:
     * <pre>
     *               precision    recall  f1-score   support
     *
     *            0     0.9821    0.9929    0.9874       980
     *            1     0.9895    0.9921    0.9908      1135
     *          ...
     *     accuracy                         0.9740     10000
     *    macro avg     0.9738    0.9737    0.9737     10000
     * weighted avg     0.9740    0.9740    0.9740     10000
     *
     * top-k accuracy: top-1 0.9740  top-2 0.9915  top-3 0.9958  top-5 0.9991
     * confusion matrix (rows: true class, columns: predicted):
     *            0     1 ...
     *      0   973     0 ...
     * </pre>
     *
     * @param classNames a name per class index (e.g. the sub-folders of a picture folder); empty
     *                   for the indices; a class without a name is shown by its index
     */
    public String report(List<String> classNames) {
        long[][] cm = requireConfusion();
        List<ClassScores> cs = classScores();
        List<String> names = new ArrayList<>();
        for (ClassScores c : cs) names.add(c.label() < classNames.size() ? classNames.get(c.label()) : Integer.toString(c.label()));
        int width = "weighted avg".length();
        for (String n : names) width = Math.max(width, n.length());
        // scikit-learn's layout: the names right-aligned, two spaces, then columns of 9 one space apart.
        String head = "%" + width + "s  %9s %9s %9s %9s%n";
        String row = "%" + width + "s  %9.4f %9.4f %9.4f %9d%n";
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, head, "", "precision", "recall", "f1-score", "support")).append('\n');
        for (int i = 0; i < cs.size(); i++) {
            ClassScores c = cs.get(i);
            sb.append(String.format(Locale.ROOT, row, names.get(i), c.precision(), c.recall(), c.f1(), c.support()));
        }
        sb.append('\n');
        sb.append(String.format(Locale.ROOT, "%" + width + "s  %9s %9s %9.4f %9d%n", "accuracy", "", "", accuracy(), total));
        ClassScores macro = macroAverage(), weighted = weightedAverage();
        sb.append(String.format(Locale.ROOT, row, "macro avg", macro.precision(), macro.recall(), macro.f1(), macro.support()));
        sb.append(String.format(Locale.ROOT, row, "weighted avg", weighted.precision(), weighted.recall(), weighted.f1(),
                weighted.support()));
        if (rankCounts != null) {
            sb.append("\ntop-k accuracy:");
            for (int k : new int[] {1, 2, 3, 5}) {
                if (k == 1 || k < rankCounts.length) sb.append(String.format(Locale.ROOT, " top-%d %.4f", k, topKAccuracy(k)));
            }
            sb.append('\n');
        } else {
            sb.append('\n');
        }
        sb.append(confusionTable(cm));
        return sb.toString();
    }

    /** The confusion matrix as {@code eval} has always printed it: a heading, then one line per true class. */
    static String confusionTable(long[][] cm) {
        StringBuilder sb = new StringBuilder("confusion matrix (rows: true class, columns: predicted):\n");
        StringBuilder head = new StringBuilder("      ");
        for (int j = 0; j < cm.length; j++) head.append(String.format(Locale.ROOT, "%6d", j));
        sb.append(head).append('\n');
        for (int i = 0; i < cm.length; i++) {
            StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "%6d", i));
            for (long v : cm[i]) line.append(String.format(Locale.ROOT, "%6d", v));
            sb.append(line).append('\n');
        }
        return sb.toString();
    }

    private long[][] requireConfusion() {
        if (confusion == null) {
            throw new IllegalStateException("this evaluation has no confusion matrix; Sequential.evaluate(Dataset) builds one");
        }
        return confusion;
    }

    private static double ratio(double num, double den) {
        return den == 0 ? 0 : num / den;
    }
}
