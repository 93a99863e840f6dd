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
     */
    void setTraining(boolean training, int seed);
}
