package dev.clayers.train;

/**
 * What one epoch achieved. Accuracies are over the whole train and test sets after the epoch;
 * {@code trainLoss} is the mean of the batch losses seen during the epoch.
 */
public record EpochMetrics(int epoch, long iterations, double trainLoss, double trainAccuracy, double testLoss,
                           double testAccuracy, double samplesPerSecond, double seconds, double evalSeconds) {
}
