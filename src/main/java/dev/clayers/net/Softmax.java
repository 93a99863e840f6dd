package dev.clayers.net;

/**
 * Softmax on the host, for turning downloaded logits into probabilities. (Training computes it
 * on the device, fused with the loss, in {@link dev.clayers.layer.SoftmaxWithLoss}.)
 */
public final class Softmax {
    private Softmax() {}

    /**
     * {@code p_j = exp(z_j - max z) / sum_k exp(z_k - max z)} of each row of a row-major
     * {@code rows x cols} matrix. Subtracting the row max keeps exp from overflowing and does not
     * change the result; the sums run in double.
     */
    public static double[][] rows(float[] logits, int rows, int cols) {
        if ((long) rows * cols != logits.length) {
            throw new IllegalArgumentException(rows + "x" + cols + " logits need " + (long) rows * cols + " values, got "
                    + logits.length);
        }
        double[][] p = new double[rows][];
        for (int i = 0; i < rows; i++) p[i] = row(logits, i * cols, cols);
        return p;
    }

    /** The softmax of {@code z[base .. base+n)}. */
    public static double[] row(float[] z, int base, int n) {
        double max = Double.NEGATIVE_INFINITY;
        for (int j = 0; j < n; j++) max = Math.max(max, z[base + j]);
        double[] p = new double[n];
        double sum = 0;
        for (int j = 0; j < n; j++) sum += p[j] = Math.exp(z[base + j] - max);
        for (int j = 0; j < n; j++) p[j] /= sum;
        return p;
    }
}
