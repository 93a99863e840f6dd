package dev.clayers.net;

import java.util.Arrays;
import java.util.List;

/**
 * A tensor a layer keeps: its name ({@code conv1.W}) and the shapes a file may hold it in, the
 * first being the one clayers writes (PyTorch's layout where it has one).
 *
 * @param name   the tensor's name in model files ({@code conv1.W})
 * @param shapes the shapes accepted, the one written first; at least one
 */
public record TensorSpec(String name, List<int[]> shapes) {
    /**
     * Copies the shapes.
     *
     * @throws IllegalArgumentException when there is none
     */
    public TensorSpec {
        if (shapes.isEmpty()) throw new IllegalArgumentException("a tensor needs a shape");
        shapes = shapes.stream().map(int[]::clone).toList();
    }

    static TensorSpec of(String name, int[]... shapes) { return new TensorSpec(name, List.of(shapes)); }

    /** The shape clayers writes. */
    public int[] shape() { return shapes.get(0).clone(); }

    /** Values it holds. */
    public int size() { return (int) LayerSpec.width(shapes.get(0)); }

    /** Whether a file may hold it in {@code shape}. */
    public boolean accepts(int[] shape) { return shapes.stream().anyMatch(s -> Arrays.equals(s, shape)); }
}
