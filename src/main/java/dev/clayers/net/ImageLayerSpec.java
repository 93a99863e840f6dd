package dev.clayers.net;

import java.util.Optional;

/**
 * The kinds that read images of a declared shape (convolution and pooling): what they read, what
 * they put out and the shape rule they share, said once.
 */
sealed interface ImageLayerSpec extends LayerSpec permits ConvSpec, MaxPoolSpec, AvgPoolSpec {

    /** The image shape this layer reads. */
    ImageShape input();

    /** The image shape it puts out. */
    ImageShape output();

    @Override default int inputWidth() { return input().size(); }

    @Override default Optional<ImageShape> inputImage() { return Optional.of(input()); }

    /** An image of {@link #input()}, or as the first layer or after an affine layer any row of that many values. */
    @Override
    default int[] outputShape(int[] in, int position) {
        ShapeRules.requireImage(this, input(), in, position);
        return ShapeRules.dims(output());
    }
}
