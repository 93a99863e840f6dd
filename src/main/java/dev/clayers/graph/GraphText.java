package dev.clayers.graph;

import java.util.ArrayList;
import java.util.List;

/** A run {@link Graph} as text: each node forward, then each node backward, then dL/d(every input). */
public final class GraphText {
    private GraphText() {}

    public static String describe(Graph g, String title) {
        StringBuilder sb = new StringBuilder("== ").append(title).append('\n').append("forward:\n");
        int w = g.nodes().stream().mapToInt(n -> n.name().length()).max().orElse(4) + 2;
        for (Graph.Node n : g.nodes()) {
            List<String> ins = new ArrayList<>();
            for (Graph.Variable v : n.inputs()) ins.add(named(v, v.value()));
            sb.append(String.format("  %-" + w + "s %-4s %s -> %s%n", n.name(), n.op().label(), String.join(", ", ins),
                    named(n.output(), n.output().value())));
        }
        sb.append("backward (dL/d").append(g.output()).append(" = 1):\n");
        for (int i = g.nodes().size() - 1; i >= 0; i--) {
            Graph.Node n = g.nodes().get(i);
            List<String> ds = new ArrayList<>();
            for (int k = 0; k < n.inputs().size(); k++) ds.add("d " + named(n.inputs().get(k), n.inputGrad(k)));
            sb.append(String.format("  %-" + w + "s %-4s d %s -> %s%n", n.name(), n.op().label(),
                    named(n.output(), n.output().grad()), String.join(", ", ds)));
        }
        sb.append("output: ").append(named(g.output(), g.output().value())).append('\n');
        List<String> gs = new ArrayList<>();
        for (Graph.Variable v : g.inputs()) gs.add("d " + named(v, v.grad()));
        sb.append("gradients: ").append(String.join(", ", gs)).append('\n');
        return sb.toString();
    }

    private static String named(Graph.Variable v, Value value) {
        return v + " " + (value.isScalar() ? value.toString() : value.shapeText() + " " + String.join(" ", value.lines()));
    }
}
