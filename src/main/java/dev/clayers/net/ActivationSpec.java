package dev.clayers.net;

import dev.clayers.backend.Backend;
import dev.clayers.layer.Layer;

import java.util.Map;

/**
 * An element-wise activation; which one is the {@link Activation} constant. Id: its name ({@code relu}).
 *
 * @param activation the function applied to every element
 */
public record ActivationSpec(Activation activation) implements LayerSpec {
    /**
     * Checks the components.
     *
     * @throws IllegalArgumentException when activation is null
     */
    public ActivationSpec {
        if (activation == null) throw new IllegalArgumentException("activation must not be null");
    }

    @Override public String id() { return activation.id(); }
    @Override public String title() { return activation.title(); }
    @Override public String detail() { return ""; }
    @Override public long parameterCount() { return 0; }
    @Override public String kind() { return activation.id(); }

    @Override
    public int[] outputShape(int[] input, int position) {
        if (input == null) throw ShapeRules.cannotComeFirst(this, position);
        return input;
    }

    @Override public <R> R accept(Visitor<R> visitor) { return visitor.activation(this); }

    @Override
    public Layer bind(Backend backend, String name, Map<String, float[]> weights, boolean paramsBefore) {
        return activation.newLayer(backend, name);
    }

    @Override
    public boolean describeTo(Architecture.Reader reader) {
        reader.activation(activation);
        return true;
    }
}
