package dev.clayers.net;

/**
 * How a network did on a labelled dataset.
 *
 * @param loss      mean cross-entropy over all rows
 * @param correct   rows whose highest score is the label
 * @param total     rows evaluated
 * @param confusion counts by [true class][predicted class], or null when not asked for
 */
public record Evaluation(double loss, int correct, int total, long[][] confusion) {
    public double accuracy() { return (double) correct / total; }
}
