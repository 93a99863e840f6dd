package dev.clayers.layer;

/**
 * A layer that computes something else while training than when predicting: dropout (masks or
 * the identity), batch normalization (batch statistics or the running averages). The network
 * switches every such layer into training mode for the forward pass of a training step and back.
 */
public interface TrainingMode {
    /**
     * @param training whether the next forward passes are training passes
     * @param seed     what a layer that draws at random (dropout) draws from in training passes
     * @param firstRow the row of the whole batch that the next batch's first row is: a device
     *                 training on one share of a batch draws, for its rows, what the whole batch
     *                 draws on one device (0 for a whole batch)
     */
    void setTraining(boolean training, int seed, int firstRow);

    /** {@link #setTraining(boolean, int, int)} for a whole batch. */
    default void setTraining(boolean training, int seed) {
        setTraining(training, seed, 0);
    }
}
