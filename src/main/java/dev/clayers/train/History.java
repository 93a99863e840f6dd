package dev.clayers.train;

import java.util.List;

/**
 * What a training run did, epoch by epoch (including the epochs of a run it resumed).
 *
 * @param epochs  one entry per finished epoch, in order
 * @param stopped why the run ended
 */
public record History(List<EpochMetrics> epochs, Stop stopped) {
    /** Why {@link Training#fit} returned. */
    public enum Stop {
        /** It trained every epoch asked for. */
        COMPLETED,
        /** The monitored loss did not improve for {@link FitOptions#earlyStoppingPatience()} epochs. */
        EARLY_STOPPING,
        /** {@link FitOptions#stopAfterEpoch()} was reached; the checkpoint can be resumed. */
        STOP_AFTER
    }

    public History {
        epochs = List.copyOf(epochs);
    }

    /** The last epoch's metrics. */
    public EpochMetrics last() {
        if (epochs.isEmpty()) throw new IllegalStateException("no epoch was trained");
        return epochs.get(epochs.size() - 1);
    }
}
