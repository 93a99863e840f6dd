package dev.clayers.graph.render;

import dev.clayers.net.LayerSpec;
import dev.clayers.net.Sequential;

import java.util.ArrayList;
import java.util.List;

/**
 * A network's layer list as a graph, the way the book draws its two-layer net (Affine, ReLU,
 * Affine, Softmax-with-Loss): one node per layer with its parameter count under it, the shape of
 * the batch that flows written over every wire. No values: a picture of the structure.
 */
public final class LayerDiagram {
    private LayerDiagram() {}

    /** One row of the text form: layer, what it outputs, how many parameters it has. */
    public record Row(String layer, String output, long params) {}

    /** The layers with their output shapes and parameter counts, then the loss and the total. */
    public static List<Row> rows(List<LayerSpec> layers) {
        List<Row> rows = new ArrayList<>();
        List<int[]> shapes = Sequential.outputShapes(layers);
        List<String> names = Sequential.names(layers);
        for (int i = 0; i < layers.size(); i++) {
            LayerSpec s = layers.get(i);
            // A layer with parameters by the name its tensors carry (affine1, conv1), any other by its id.
            String name = s.parameterCount() > 0 ? names.get(i) : s.id();
            rows.add(new Row(name, shape(shapes.get(i)), s.parameterCount()));
        }
        rows.add(new Row("softmax-with-loss", "()", 0));
        return rows;
    }

    /** {@code (N, 100)} or {@code (N, 30, 24, 24)}, as the book writes shapes. */
    private static String shape(int[] dims) {
        StringBuilder sb = new StringBuilder("(N");
        for (int d : dims) sb.append(", ").append(d);
        return sb.append(')').toString();
    }

    /** Features per input row: the first affine layer's inputs, or the first conv or pooling layer's image size. */
    private static int inputs(List<LayerSpec> layers) {
        LayerSpec first = layers.get(0);
        if (first.inputWidth() <= 0) {
            throw new IllegalArgumentException("a layer list starts with an affine, conv or pooling layer, not " + first.id());
        }
        return first.inputWidth();
    }

    /** One box of {@link LayerPainter}'s column: its name, kind, parameters, output shape and parameter count in words. */
    public record Layer(String name, String kind, String detail, String output, String params) {}

    /** A network as {@link LayerPainter} draws it: a column of layers between the input and the loss. */
    public record Stack(String title, String input, List<Layer> layers, String loss) {}

    /** The layers as a column of boxes, with their output shapes and parameter counts. */
    public static Stack stack(List<LayerSpec> layers, String title) {
        List<Row> rows = rows(layers);
        List<String> names = Sequential.names(layers);
        List<Layer> out = new ArrayList<>();
        for (int i = 0; i < layers.size(); i++) {
            LayerSpec s = layers.get(i);
            Row r = rows.get(i);
            out.add(new Layer(s.parameterCount() > 0 ? names.get(i) : "", s.title(), s.detail(), "out " + r.output(),
                    r.params() > 0 ? String.format("%,d params", r.params()) : ""));
        }
        long total = rows.stream().mapToLong(Row::params).sum();
        String input = Sequential.outputShapes(layers).isEmpty() ? "" : "x " + inputShape(layers);
        return new Stack(title + String.format(" (%,d parameters)", total), input, out, "Softmax with loss");
    }

    /** {@code (N, 1, 28, 28)} for an image input, {@code (N, 784)} otherwise. */
    private static String inputShape(List<LayerSpec> layers) {
        return layers.get(0).inputImage().map(im -> "(N, " + im.channels() + ", " + im.height() + ", " + im.width() + ")")
                .orElse("(N, " + inputs(layers) + ")");
    }

    public static Diagram of(List<LayerSpec> layers, String title) {
        List<Diagram.Box> boxes = new ArrayList<>();
        List<Diagram.Wire> wires = new ArrayList<>();
        boxes.add(Diagram.Box.input());
        wires.add(new Diagram.Wire(0, List.of(1), List.of("x (N, " + inputs(layers) + ")"), List.of()));
        List<Row> rows = rows(layers);
        for (int i = 0; i < layers.size(); i++) {
            LayerSpec s = layers.get(i);
            Row r = rows.get(i);
            // Every layer kind names itself (LayerSpec.title/detail), so a new kind cannot be left out of the picture.
            if (r.params() > 0) boxes.add(Diagram.Box.node(s.title(), s.detail(), String.format("%,d params", r.params())));
            else if (!s.detail().isEmpty()) boxes.add(Diagram.Box.node(s.title(), s.detail()));
            else boxes.add(Diagram.Box.node(s.title()));
            wires.add(new Diagram.Wire(i + 1, List.of(i + 2), List.of(r.output()), List.of()));
        }
        boxes.add(Diagram.Box.node("Softmax", "with loss", "label t (N)"));
        wires.add(new Diagram.Wire(boxes.size() - 1, List.of(), List.of("L ()"), List.of()));
        long total = rows.stream().mapToLong(Row::params).sum();
        return new Diagram(title + String.format(" (%,d parameters)", total), boxes, wires);
    }
}
