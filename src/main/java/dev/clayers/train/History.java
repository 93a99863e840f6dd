package dev.clayers.train;

import java.util.List;

/**
 * What a training run did, epoch by epoch (including the epochs of a run it resumed).
 *
 * @param epochs    one entry per finished epoch, in order
 * @param stopped   why the run ended
 * @param bestEpoch the epoch with the best monitored figure ({@link FitOptions#earlyStopping()}'s monitor, else
 *                  the validation loss, or the training loss without a validation set); 0 when none was finite
 */
public record History(List<EpochMetrics> epochs, Stop stopped, int bestEpoch) {
    /** Why {@link Training#fit} returned. */
    public enum Stop {
        /** It trained every epoch asked for. */
        COMPLETED,
        /** The monitored figure did not improve for the early-stopping patience. */
        EARLY_STOPPING,
        /** The listener asked to stop ({@link Trainer.Listener#stopRequested()}). */
        LISTENER,
        /** {@link FitOptions#stopAfterEpoch()} was reached; the checkpoint can be resumed. */
        STOP_AFTER
    }

    /** Copies the epoch list into an unmodifiable one. */
    public History {
        epochs = List.copyOf(epochs);
    }

    /** A history whose best epoch is unknown (0). */
    public History(List<EpochMetrics> epochs, Stop stopped) {
        this(epochs, stopped, 0);
    }

    /** The last epoch's metrics. */
    public EpochMetrics last() {
        if (epochs.isEmpty()) throw new IllegalStateException("no epoch was trained");
        return epochs.get(epochs.size() - 1);
    }
}
