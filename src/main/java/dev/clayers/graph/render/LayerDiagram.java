package dev.clayers.graph.render;

import dev.clayers.net.LayerSpec;

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
        int width = inputs(layers);
        int affine = 0;
        for (LayerSpec s : layers) {
            long params = 0;
            String name;
            if (s instanceof LayerSpec.Affine a) {
                width = a.outputs();
                params = (long) a.inputs() * a.outputs() + a.outputs();
                name = "affine" + (++affine);
            } else {
                name = s.id();
            }
            rows.add(new Row(name, "(N, " + width + ")", params));
        }
        rows.add(new Row("softmax-with-loss", "()", 0));
        return rows;
    }

    private static int inputs(List<LayerSpec> layers) {
        for (LayerSpec s : layers) if (s instanceof LayerSpec.Affine a) return a.inputs();
        throw new IllegalArgumentException("a layer list needs an affine layer");
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
            if (s instanceof LayerSpec.Affine a) {
                boxes.add(Diagram.Box.node("Affine", "W (" + a.inputs() + ", " + a.outputs() + "), b (" + a.outputs() + ")",
                        String.format("%,d params", r.params())));
            } else if (s instanceof LayerSpec.Activate act) {
                boxes.add(Diagram.Box.node(act.activation().title()));
            } else if (s instanceof LayerSpec.Dropout d) {
                boxes.add(Diagram.Box.node("Dropout", "ratio " + d.ratio()));
            }
            wires.add(new Diagram.Wire(i + 1, List.of(i + 2), List.of(r.output()), List.of()));
        }
        boxes.add(Diagram.Box.node("Softmax", "with loss", "label t (N)"));
        wires.add(new Diagram.Wire(boxes.size() - 1, List.of(), List.of("L ()"), List.of()));
        long total = rows.stream().mapToLong(Row::params).sum();
        return new Diagram(title + String.format(" (%,d parameters)", total), boxes, wires);
    }
}
