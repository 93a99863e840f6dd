package dev.clayers.train;

/**
 * What one epoch achieved. Accuracies are over the whole train and test (validation) sets after
 * the epoch; {@code trainLoss} is the mean of the batch losses seen during the epoch. Without a
 * validation set {@code testLoss} and {@code testAccuracy} are NaN.
 */
public record EpochMetrics(int epoch, long iterations, double trainLoss, double trainAccuracy, double testLoss,
                           double testAccuracy, double samplesPerSecond, double seconds, double evalSeconds) {
}
