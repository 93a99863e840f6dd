package dev.clayers.net;

import dev.clayers.backend.Backend;
import dev.clayers.backend.ConvGeometry;
import dev.clayers.layer.Layer;
import dev.clayers.layer.MaxPooling;

import java.util.Map;

/**
 * Max pooling per channel over {@code window x window} windows moved by {@code stride} (no
 * padding). Id: {@code maxpool(30x24x24,2,2)} (input, window, stride).
 */
public record MaxPoolSpec(ImageShape input, int window, int stride) implements ImageLayerSpec {
    /**
     * Checks the components.
     *
     * @throws IllegalArgumentException when input is null or the window and stride do not fit it
     */
    public MaxPoolSpec {
        if (input == null) throw new IllegalArgumentException("pooling input shape must not be null");
        PoolShape.geometry(input, window, stride);
    }

    static MaxPoolSpec parse(String[] args) {
        int[] a = PoolShape.parse(args, "maxpool");
        return new MaxPoolSpec(ImageShape.parse(args[0]), a[0], a[1]);
    }

    /** The windows over the input images, as the backend's pooling ops take them. */
    public ConvGeometry geometry() { return PoolShape.geometry(input, window, stride); }
    /** The pooled image shape: channels unchanged, {@code floor((H - window) / stride) + 1} rows and likewise columns. */
    public ImageShape output() { return PoolShape.output(input, geometry()); }

    @Override public String id() { return "maxpool(" + input.id() + "," + window + "," + stride + ")"; }
    @Override public String title() { return "Pooling"; }
    @Override public String detail() { return "max " + window + "x" + window + ", stride " + stride; }
    @Override public long parameterCount() { return 0; }
    @Override public String kind() { return "pool"; }


    @Override public <R> R accept(Visitor<R> visitor) { return visitor.maxPool(this); }

    @Override
    public Layer bind(Backend backend, String name, Map<String, float[]> weights, boolean paramsBefore) {
        return new MaxPooling(backend, name, geometry());
    }
}
