package dev.clayers.graph.render;

import dev.clayers.graph.Graph;
import dev.clayers.graph.Numbers;
import dev.clayers.graph.Value;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;

/**
 * What a picture of a graph shows, before layout: boxes (operation nodes, drawn as circles, and
 * input points) and wires (one per variable, from the box that makes it to every box that reads
 * it, or off to the right for the output), with text above each wire (its value) and below it
 * (its gradient). Plain data, so a layer list can be drawn as well as a {@link Graph}.
 *
 * @param boxes in an order where every wire's source comes before its targets
 * @param wires in the order their readers take them: a box's inputs are the wires into it, in list order
 */
public record Diagram(String title, List<Box> boxes, List<Wire> wires) {
    public Diagram {
        boxes = List.copyOf(boxes);
        wires = List.copyOf(wires);
        for (Wire w : wires) {
            for (int t : w.to()) {
                if (t <= w.from() || t >= boxes.size()) {
                    throw new IllegalArgumentException("wire from box " + w.from() + " to " + t + ": boxes must come before the boxes they feed");
                }
            }
        }
    }

    /**
     * A node (a circle saying {@code label}, with optional caption lines under it) or an input point
     * ({@code point}: no circle, its wire's text names it).
     */
    public record Box(String label, List<String> caption, boolean point) {
        public Box {
            caption = List.copyOf(caption);
        }

        public static Box node(String label, String... caption) { return new Box(label, List.of(caption), false); }
        public static Box input() { return new Box("", List.of(), true); }
    }

    /** A variable: from one box to others (none: the graph's output), text lines above and below. */
    public record Wire(int from, List<Integer> to, List<String> above, List<String> below) {
        public Wire {
            to = List.copyOf(new LinkedHashSet<>(to));
            above = List.copyOf(above);
            below = List.copyOf(below);
        }
    }

    /**
     * A run {@link Graph}: each input a point, each node a circle with its operation; above each
     * wire the variable's name and value (a matrix as its shape and rows), below it dL/d(variable),
     * the total of its edges' gradients.
     */
    public static Diagram of(Graph g, String title) {
        return of(g, title, Map.of());
    }

    /**
     * {@link #of(Graph, String)} with a formula written over the gradient of some variables
     * ({@code "X" -> "dL/dY·Wᵀ"} draws {@code = dL/dY·Wᵀ} above X's gradient numbers).
     */
    public static Diagram of(Graph g, String title, Map<String, String> gradientRules) {
        List<Box> boxes = new ArrayList<>();
        Map<Object, Integer> index = new HashMap<>();
        for (Graph.Variable v : g.inputs()) {
            index.put(v, boxes.size());
            boxes.add(Box.input());
        }
        for (Graph.Node n : g.nodes()) {
            index.put(n, boxes.size());
            boxes.add(Box.node(n.op().label()));
        }
        List<Wire> wires = new ArrayList<>();
        // Wires in the order the nodes read them, so each node's inputs come in its own order (the
        // layout puts a node's first input on its row and the next ones below).
        LinkedHashSet<Graph.Variable> vars = new LinkedHashSet<>();
        for (Graph.Node n : g.nodes()) {
            vars.addAll(n.inputs());
            vars.add(n.output());
        }
        vars.addAll(g.inputs());
        for (Graph.Variable v : vars) {
            int from = index.get(v.isInput() ? v : v.producer());
            List<Integer> to = v.consumers().stream().map(index::get).toList();
            List<String> below = new ArrayList<>(gradLines(v.grad()));
            String rule = v.name() == null ? null : gradientRules.get(v.name());
            if (rule != null && !below.isEmpty()) below.add(0, "dL/d" + v.name() + " = " + rule);
            wires.add(new Wire(from, to, valueLines(v.name(), v.value()), below));
        }
        return new Diagram(title, boxes, wires);
    }

    private static List<String> valueLines(String name, Value v) {
        if (v == null) return List.of(name == null ? "" : name);
        List<String> out = new ArrayList<>();
        if (v.isScalar()) {
            out.add((name == null ? "" : name + " = ") + Numbers.brief(v.scalarValue()));
        } else {
            out.add((name == null ? "" : name + " ") + v.shapeText());
            out.addAll(List.of(v.lines(Numbers::brief)));
        }
        return out;
    }

    private static List<String> gradLines(Value g) {
        if (g == null) return List.of();
        return List.of(g.lines(Numbers::brief));
    }
}
