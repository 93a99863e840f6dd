package dev.clayers.net;

import dev.clayers.backend.Backend;
import dev.clayers.layer.Dropout;
import dev.clayers.layer.Layer;

import java.util.Map;

/**
 * Inverted dropout in training passes; the identity when predicting. Id {@code dropout(0.2)}.
 *
 * @param ratio the fraction of units dropped, in [0, 1)
 */
public record DropoutSpec(float ratio) implements LayerSpec {
    /**
     * Checks the components.
     *
     * @throws IllegalArgumentException when ratio is outside [0, 1)
     */
    public DropoutSpec {
        if (!(ratio >= 0f && ratio < 1f)) throw new IllegalArgumentException("dropout ratio must be in [0, 1), got " + ratio);
    }

    static DropoutSpec parse(String[] args) {
        if (args.length != 1) throw new IllegalArgumentException("dropout needs one ratio");
        return new DropoutSpec(Float.parseFloat(args[0]));
    }

    @Override public String id() { return "dropout(" + ratio + ")"; }
    @Override public String title() { return "Dropout"; }
    @Override public String detail() { return "ratio " + ratio; }
    @Override public long parameterCount() { return 0; }
    @Override public String kind() { return "dropout"; }

    @Override
    public int[] outputShape(int[] input, int position) {
        if (input == null) throw ShapeRules.cannotComeFirst(this, position);
        return input;
    }

    @Override public <R> R accept(Visitor<R> visitor) { return visitor.dropout(this); }

    @Override
    public Layer bind(Backend backend, String name, Map<String, float[]> weights, boolean paramsBefore) {
        return new Dropout(backend, name, ratio);
    }

    @Override
    public boolean describeTo(Architecture.Reader reader) {
        reader.dropout();
        return true;
    }
}
