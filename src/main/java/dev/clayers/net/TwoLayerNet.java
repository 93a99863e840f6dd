package dev.clayers.net;

import dev.clayers.backend.Backend;

/** The book's network: Affine -> ReLU -> Affine -> SoftmaxWithLoss. */
public final class TwoLayerNet {
    private TwoLayerNet() {}

    /** {@code TwoLayerNet(inputSize, hiddenSize, outputSize, weightInitStd)} as in the book, weights drawn from {@code seed}. */
    public static Sequential create(Backend backend, int inputSize, int hiddenSize, int outputSize,
                                    double weightInitStd, long seed) {
        return Sequential.create(backend, new Architecture(inputSize, new int[] {hiddenSize}, outputSize, Activation.RELU),
                new WeightInit("std", weightInitStd), seed);
    }
}
