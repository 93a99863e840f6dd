package dev.clayers.net;

/** The shape rules shared by several layer kinds: images in, and what cannot come first. */
final class ShapeRules {
    private ShapeRules() {}

    /**
     * A conv or pooling layer reads an image of its declared shape, or any row of that many values
     * as the first layer or after an affine layer; fails, naming the layer, otherwise.
     */
    static void requireImage(LayerSpec layer, ImageShape in, int[] input, int position) {
        boolean fits = input == null
                || (input.length == 3 ? input[0] == in.channels() && input[1] == in.height() && input[2] == in.width()
                : LayerSpec.width(input) == in.size());
        if (!fits) {
            throw new IllegalArgumentException("layer " + position + " " + layer.id() + " takes images of " + in.id()
                    + " but the layer before it gives " + LayerSpec.describeShape(input));
        }
    }

    static IllegalArgumentException cannotComeFirst(LayerSpec layer, int position) {
        return new IllegalArgumentException("layer " + position + " " + layer.id() + " cannot come first: the input size"
                + " is set by the first affine, conv or pooling layer");
    }

    static int[] dims(ImageShape s) { return new int[] {s.channels(), s.height(), s.width()}; }
}
