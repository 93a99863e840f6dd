package dev.clayers.train;

/**
 * When {@link Training#fit} stops before its last epoch: the monitored figure has not improved by
 * more than {@code minDelta} for {@code patience} epochs. With {@code restoreBest} the network ends
 * with the weights of its best epoch instead of its last.
 *
 * <pre>{@code
 * EarlyStopping.on(EarlyStopping.Monitor.VALIDATION_ACCURACY, 3).minDelta(0.001).restoringBest()
 * }</pre>
 *
 * @param monitor     the figure watched after every epoch
 * @param patience    epochs without improvement before the run stops (at least 1)
 * @param minDelta    the smallest change that counts as an improvement (>= 0)
 * @param restoreBest whether the weights of the best epoch are put back when the run ends
 */
public record EarlyStopping(Monitor monitor, int patience, double minDelta, boolean restoreBest) {

    /** What early stopping watches; losses should fall, accuracies rise. */
    public enum Monitor {
        /** The validation loss, or the training loss when there is no validation set (the default). */
        LOSS(false),
        /** The loss on the validation set. */
        VALIDATION_LOSS(false),
        /** The accuracy on the validation set. */
        VALIDATION_ACCURACY(true),
        /** The loss on the training set. */
        TRAIN_LOSS(false),
        /** The accuracy on the training set. */
        TRAIN_ACCURACY(true);

        private final boolean higherIsBetter;

        Monitor(boolean higherIsBetter) { this.higherIsBetter = higherIsBetter; }

        /** Whether a larger figure is better (accuracies) rather than a smaller one (losses). */
        public boolean higherIsBetter() { return higherIsBetter; }

        /** The figure in an epoch's metrics; NaN where a validation figure is asked without a validation set. */
        public double of(EpochMetrics m, boolean hasValidation) {
            return switch (this) {
                case LOSS -> hasValidation ? m.validationLoss() : m.trainLoss();
                case VALIDATION_LOSS -> m.validationLoss();
                case VALIDATION_ACCURACY -> m.validationAccuracy();
                case TRAIN_LOSS -> m.trainLoss();
                case TRAIN_ACCURACY -> m.trainAccuracy();
            };
        }

        /** {@code validation loss}, for logs. */
        public String describe(boolean hasValidation) {
            return this == LOSS ? (hasValidation ? "validation" : "training") + " loss"
                    : name().toLowerCase(java.util.Locale.ROOT).replace('_', ' ');
        }
    }

    /**
     * Checks the components.
     *
     * @throws InvalidOptionException when the monitor is null, patience is below 1 or minDelta is not a number
     *         {@code >= 0}
     */
    public EarlyStopping {
        if (monitor == null) throw new InvalidOptionException("earlyStopping", "needs a monitor");
        if (patience < 1) throw new InvalidOptionException("earlyStopping", "patience must be >= 1, got " + patience);
        if (!(minDelta >= 0) || !Double.isFinite(minDelta)) {
            throw new InvalidOptionException("earlyStopping", "minDelta must be a number >= 0, got " + minDelta);
        }
    }

    /** Stops after {@code patience} epochs without improvement of {@code monitor}; keeps the last weights. */
    public static EarlyStopping on(Monitor monitor, int patience) { return new EarlyStopping(monitor, patience, 0, false); }

    /** The same with a smallest improvement that counts. */
    public EarlyStopping minDelta(double delta) { return new EarlyStopping(monitor, patience, delta, restoreBest); }

    /** The same, ending with the best epoch's weights. */
    public EarlyStopping restoringBest() { return new EarlyStopping(monitor, patience, minDelta, true); }

    /** Whether {@code value} improves on {@code best} by more than {@link #minDelta}. */
    boolean improves(double value, double best) {
        if (Double.isNaN(value)) return false;
        if (Double.isNaN(best)) return true;
        return monitor.higherIsBetter() ? value > best + minDelta : value < best - minDelta;
    }
}
