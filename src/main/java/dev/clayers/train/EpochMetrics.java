package dev.clayers.train;

/**
 * What one epoch achieved. Accuracies are over the whole training and validation sets after the
 * epoch; {@code trainLoss} is the mean of the batch losses seen during the epoch. Without a
 * validation set the validation figures are NaN. (The components keep their first names,
 * {@code testLoss} and {@code testAccuracy}, so checkpoints written before stay readable; read them as
 * {@link #validationLoss()} and {@link #validationAccuracy()}.)
 */
public record EpochMetrics(int epoch, long iterations, double trainLoss, double trainAccuracy, double testLoss,
                           double testAccuracy, double samplesPerSecond, double seconds, double evalSeconds) {

    /** Mean loss on the validation set after the epoch; NaN without one. */
    public double validationLoss() { return testLoss; }

    /** Accuracy on the validation set after the epoch; NaN without one. */
    public double validationAccuracy() { return testAccuracy; }

    /** @deprecated the validation set's loss: use {@link #validationLoss()} */
    @Deprecated
    @Override
    public double testLoss() { return testLoss; }

    /** @deprecated the validation set's accuracy: use {@link #validationAccuracy()} */
    @Deprecated
    @Override
    public double testAccuracy() { return testAccuracy; }
}
