package dev.clayers.train;

/**
 * What one epoch achieved. Accuracies are over the whole training and validation sets after the
 * epoch; {@code trainLoss} is the mean of the batch losses seen during the epoch. Without a
 * validation set the validation figures are NaN. (The components keep their first names,
 * {@code testLoss} and {@code testAccuracy}, so checkpoints written before stay readable; read them as
 * {@link #validationLoss()} and {@link #validationAccuracy()}.)
 *
 * @param epoch            the epoch, 1-based
 * @param iterations       optimizer updates since the run began, this epoch's included
 * @param trainLoss        mean of the epoch's batch losses
 * @param trainAccuracy    accuracy over the training set after the epoch, in [0, 1]
 * @param testLoss         loss on the validation set after the epoch; NaN without one
 * @param testAccuracy     accuracy on the validation set after the epoch, in [0, 1]; NaN without one
 * @param samplesPerSecond training rows per second of the epoch's updates
 * @param seconds          wall time of the epoch's updates
 * @param evalSeconds      wall time of the evaluation after the epoch
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
