package dev.clayers.net;

import dev.clayers.Limits;
import dev.clayers.backend.Backend;
import dev.clayers.backend.ConvGeometry;
import dev.clayers.backend.Matrix;
import dev.clayers.layer.Convolution;
import dev.clayers.layer.Layer;

import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * 2-D convolution: {@code filters} square {@code kernel x kernel} filters over all input
 * channels, moved by {@code stride}, on the input zero-padded by {@code pad} on every side; plus
 * one bias per filter. Output {@code filters x OH x OW} with {@code OH = (H + 2 pad - kernel) / stride + 1}.
 * Id: {@code conv(1x28x28,30,5,1,0)} (input, filters, kernel, stride, pad). Stored as PyTorch keeps
 * it: W {@code (filters, channels, kernel, kernel)}, b {@code (filters)}.
 *
 * @param input   the shape of the images coming in
 * @param filters number of filters: the output channels
 * @param kernel  side of each square filter in pixels
 * @param stride  pixels the filter moves per step
 * @param pad     zeros added on every side of the input, less than {@code kernel}
 */
public record ConvSpec(ImageShape input, int filters, int kernel, int stride, int pad) implements ImageLayerSpec {
    /**
     * Checks the components.
     *
     * @throws IllegalArgumentException when input is null, there is no filter, the geometry does not fit the input (see
     *         {@link ConvGeometry}), or the layer exceeds the caps of {@link dev.clayers.Limits}
     */
    public ConvSpec {
        if (input == null) throw new IllegalArgumentException("conv input shape must not be null");
        if (filters <= 0) throw new IllegalArgumentException("conv needs at least one filter, got " + filters);
        if (filters > Limits.MAX_LAYER_WIDTH) {
            throw new IllegalArgumentException("conv with " + Limits.format(filters) + " filters is wider than the limit of "
                    + Limits.format(Limits.MAX_LAYER_WIDTH) + "; " + Limits.howToRaise("clayers.maxLayerWidth"));
        }
        ConvGeometry g = new ConvGeometry(input.channels(), input.height(), input.width(), kernel, stride, pad);
        long weights = (long) filters * g.patchSize();
        if (weights > Limits.MAX_MATRIX_ELEMENTS) {
            throw new IllegalArgumentException("conv " + filters + " filters of " + g.describe() + " has " + Limits.format(weights)
                    + " weights, more than one matrix can hold (" + Limits.format(Limits.MAX_MATRIX_ELEMENTS) + ")");
        }
        new ImageShape(filters, g.outHeight(), g.outWidth());   // the output image within the caps
    }

    static ConvSpec parse(String[] args) {
        if (args.length != 5) throw new IllegalArgumentException("conv needs input,filters,kernel,stride,pad");
        int[] a = LayerSpec.ints(java.util.Arrays.copyOfRange(args, 1, 5), 4, "conv needs input,filters,kernel,stride,pad");
        return new ConvSpec(ImageShape.parse(args[0]), a[0], a[1], a[2], a[3]);
    }

    /** The geometry the backend ops take. */
    public ConvGeometry geometry() {
        return new ConvGeometry(input.channels(), input.height(), input.width(), kernel, stride, pad);
    }

    /** The shape of one output image. */
    public ImageShape output() {
        ConvGeometry g = geometry();
        return new ImageShape(filters, g.outHeight(), g.outWidth());
    }

    @Override public String title() { return "Convolution"; }
    @Override public String detail() {
        return "W (" + filters + ", " + input.channels() + ", " + kernel + ", " + kernel + "), b (" + filters + ")"
                + (stride == 1 ? "" : ", stride " + stride) + (pad == 0 ? "" : ", pad " + pad);
    }
    @Override public long parameterCount() { return (long) filters * input.channels() * kernel * kernel + filters; }
    @Override public String id() { return "conv(" + input.id() + "," + filters + "," + kernel + "," + stride + "," + pad + ")"; }
    @Override public String kind() { return "conv"; }


    @Override
    public List<TensorSpec> tensors(String name) {
        int c = input.channels();
        return List.of(TensorSpec.of(name + ".W", new int[] {filters, c, kernel, kernel}, new int[] {filters, c * kernel * kernel}),
                TensorSpec.of(name + ".b", new int[] {filters}, new int[] {1, filters}));
    }

    @Override
    public void initialise(String name, WeightInit init, Random rng, Map<String, float[]> out) {
        // Fan-in of a filter is every value in its window over all input channels.
        int fanIn = geometry().patchSize();
        AffineSpec.putGaussian(out, name, filters * fanIn, filters, init.std(fanIn), rng);
    }

    @Override public <R> R accept(Visitor<R> visitor) { return visitor.conv(this); }

    @Override
    public Layer bind(Backend backend, String name, Map<String, float[]> weights, boolean paramsBefore) {
        Matrix[] wb = AffineSpec.uploadWeightsAndBias(backend, name, weights, filters, geometry().patchSize(), filters);
        return new Convolution(backend, name, geometry(), wb[0], wb[1], paramsBefore);
    }
}
