package dev.clayers.net;

import dev.clayers.backend.Backend;
import dev.clayers.backend.IntVector;
import dev.clayers.backend.Matrix;
import dev.clayers.layer.Param;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Compares backpropagation with central differences, as the book's gradient_check does, using
 * the five-point stencil {@code (8(L(p+h) - L(p-h)) - (L(p+2h) - L(p-2h))) / 12h}.
 *
 * <p>The numerical side evaluates the loss on the host in double precision from the downloaded
 * logits: a float32 loss near ln(10) carries rounding of about 1e-7, which divided by 2h would
 * swamp gradients of order 1e-4. Float32 logits still limit agreement to about 1e-6 absolute.
 */
public final class GradientCheck {
    private GradientCheck() {}

    /** Mean |backprop - numerical| at most this (float32 forward pass; the book's float64 gets 1e-10). */
    public static final double MEAN_ABS_TOLERANCE = 1e-5;
    /** Max relative error at most this; see {@link #relativeError}. */
    public static final double MAX_REL_TOLERANCE = 2e-2;
    /** Offsets of the five-point stencil, in units of h (the centre term has weight 0). */
    private static final double[] STEPS = {1, -1, 2, -2};

    /**
     * Result for one parameter tensor.
     *
     * @param name        the parameter ({@code affine1.W})
     * @param entries     values in the tensor
     * @param checked     entries compared
     * @param kinks       entries skipped because the stencil crossed a kink (a ReLU or max-pool switch), where the
     *                    numerical gradient means nothing
     * @param meanAbsDiff mean |backprop - numerical| over the checked entries
     * @param maxRelError largest relative error over the checked entries (see {@link GradientCheck#relativeError})
     * @param maxAbsGrad  largest |backprop gradient| in the tensor, the scale of the relative error's floor
     */
    public record ParamResult(String name, int entries, int checked, int kinks, double meanAbsDiff, double maxRelError,
                              double maxAbsGrad) {
        /**
         * Whether the tensor passes: mean absolute difference at most {@link GradientCheck#MEAN_ABS_TOLERANCE} and
         * largest relative error at most {@link GradientCheck#MAX_REL_TOLERANCE}.
         */
        public boolean pass() {
            return meanAbsDiff <= MEAN_ABS_TOLERANCE && maxRelError <= MAX_REL_TOLERANCE;
        }
    }

    /**
     * The result of {@link GradientCheck#run}.
     *
     * @param device the id of the backend checked
     * @param batch rows in the batch the loss was taken over
     * @param h the finite-difference step
     * @param params one result per parameter tensor, in the network's order
     */
    public record Report(String device, int batch, double h, List<ParamResult> params) {
        /** Whether every parameter tensor passed. */
        public boolean pass() { return params.stream().allMatch(ParamResult::pass); }
    }

    /**
     * Relative error {@code |a - n| / max(|a| + |n|, floor)}. The floor, a hundredth of the
     * tensor's largest gradient, keeps entries whose true gradient is about zero from dividing
     * float32 noise by noise.
     */
    public static double relativeError(double a, double n, double floor) {
        return Math.abs(a - n) / Math.max(Math.abs(a) + Math.abs(n), floor);
    }

    /**
     * Checks every parameter of {@code net} on the batch ({@code x}, {@code labels}).
     *
     * @param maxEntries entries checked per parameter: all when the tensor is no larger, else a
     *                   seeded random sample of this many (0 means all)
     */
    public static Report run(Sequential net, Matrix x, int[] labels, int maxEntries, double h, long seed) {
        Backend backend = net.backend();
        List<ParamResult> results = new ArrayList<>();
        Random rng = new Random(seed);
        try (IntVector t = backend.uploadInts(labels)) {
            net.gradient(x, t);
            for (Param p : net.params()) {
                float[] analytic = backend.download(p.grad());
                int[] entries = pick(analytic.length, maxEntries, rng);
                double[] numeric = numericalGradient(net, p, x, labels, entries, h);
                double maxGrad = 0;
                for (float a : analytic) maxGrad = Math.max(maxGrad, Math.abs(a));
                double sumAbs = 0, maxRel = 0;
                int checked = 0, kinks = 0;
                for (int i = 0; i < entries.length; i++) {
                    if (Double.isNaN(numeric[i])) {
                        kinks++;
                        continue;
                    }
                    double a = analytic[entries[i]];
                    sumAbs += Math.abs(a - numeric[i]);
                    maxRel = Math.max(maxRel, relativeError(a, numeric[i], 1e-2 * maxGrad));
                    checked++;
                }
                results.add(new ParamResult(p.name(), analytic.length, checked, kinks,
                        checked == 0 ? 0 : sumAbs / checked, maxRel, maxGrad));
            }
        }
        return new Report(backend.id(), x.rows(), h, results);
    }

    /**
     * Central differences of the batch loss with respect to the chosen entries of one parameter.
     * The parameter is restored exactly afterwards. An entry whose +h or -h step flips a ReLU
     * (moves a unit across its kink at 0) gets NaN: the loss is not differentiable along that
     * step, so the difference quotient says nothing about the gradient there; so does a step that
     * moves a max-pooling window's maximum to another pixel.
     */
    public static double[] numericalGradient(Sequential net, Param p, Matrix x, int[] labels, int[] entries, double h) {
        Backend backend = net.backend();
        // The loss backprop differentiated is the training-mode one: batch norm with the batch's
        // statistics, dropout with seed 0's masks (what gradient(x, t) used).
        net.setTraining(true, 0);
        net.predict(x);
        List<float[]> masks = reluMasks(net);
        float[] value = backend.download(p.value());
        double[] grad = new double[entries.length];
        try {
            for (int i = 0; i < entries.length; i++) {
                int e = entries[i];
                float orig = value[e];
                double[] loss = new double[4];
                boolean kink = false;
                for (int s = 0; s < 4; s++) {
                    value[e] = (float) (orig + STEPS[s] * h);
                    backend.write(p.value(), value);
                    loss[s] = hostLoss(net, x, labels);
                    kink |= !sameMasks(masks, reluMasks(net));
                }
                value[e] = orig;
                // Five-point stencil: the h^2 error term of the plain central difference cancels,
                // which matters for sigmoid nets where h must stay large for float32.
                grad[i] = kink ? Double.NaN : (8 * (loss[0] - loss[1]) - (loss[2] - loss[3])) / (12 * h);
            }
        } finally {
            backend.write(p.value(), value);
            net.setTraining(false, 0);
        }
        return grad;
    }

    /** Every layer's non-differentiable choices (ReLU masks, pooling argmaxes) after the last forward pass. */
    private static List<float[]> reluMasks(Sequential net) {
        List<float[]> masks = new ArrayList<>();
        for (var layer : net.layers()) {
            float[] c = layer.choices();
            if (c != null) masks.add(c);
        }
        return masks;
    }

    private static boolean sameMasks(List<float[]> a, List<float[]> b) {
        for (int i = 0; i < a.size(); i++) if (!java.util.Arrays.equals(a.get(i), b.get(i))) return false;
        return true;
    }

    /** Mean cross-entropy of the batch in double precision, from the network's logits. */
    static double hostLoss(Sequential net, Matrix x, int[] labels) {
        Matrix logits = net.predict(x);
        float[] z = net.backend().download(logits);
        int cols = logits.cols();
        double total = 0;
        for (int i = 0; i < logits.rows(); i++) {
            double max = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < cols; j++) max = Math.max(max, z[i * cols + j]);
            double sum = 0;
            for (int j = 0; j < cols; j++) sum += Math.exp(z[i * cols + j] - max);
            total += Math.log(sum) - (z[i * cols + labels[i]] - max);
        }
        return total / logits.rows();
    }

    private static int[] pick(int n, int max, Random rng) {
        if (max <= 0 || n <= max) {
            int[] all = new int[n];
            for (int i = 0; i < n; i++) all[i] = i;
            return all;
        }
        // Partial Fisher-Yates: a sample without repeats, sorted for readable output.
        int[] idx = new int[n];
        for (int i = 0; i < n; i++) idx[i] = i;
        for (int i = 0; i < max; i++) {
            int j = i + rng.nextInt(n - i);
            int tmp = idx[i];
            idx[i] = idx[j];
            idx[j] = tmp;
        }
        int[] out = java.util.Arrays.copyOf(idx, max);
        java.util.Arrays.sort(out);
        return out;
    }
}
