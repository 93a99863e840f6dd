package dev.clayers.graph.render;

import java.util.List;

/**
 * A {@link Diagram} as Graphviz text ({@code dot -Tsvg}): left to right, nodes as circles, inputs as
 * points, each wire's value over it and its gradient under it in red.
 */
public final class Dot {
    private Dot() {}

    public static String of(Diagram d) {
        StringBuilder sb = new StringBuilder("digraph G {\n  rankdir=LR;\n");
        if (d.title() != null && !d.title().isEmpty()) sb.append("  label=").append(quote(d.title())).append("; labelloc=t;\n");
        sb.append("  node [shape=circle, fontname=\"Helvetica\", fixedsize=false];\n")
          .append("  edge [fontname=\"Helvetica\", fontsize=11];\n");
        for (int i = 0; i < d.boxes().size(); i++) {
            Diagram.Box b = d.boxes().get(i);
            if (b.point()) {
                sb.append("  n").append(i).append(" [shape=point];\n");
            } else {
                sb.append("  n").append(i).append(" [label=").append(quote(b.label()));
                if (!b.caption().isEmpty()) sb.append(", xlabel=").append(quote(String.join("\n", b.caption())));
                sb.append("];\n");
            }
        }
        int outs = 0;
        for (Diagram.Wire w : d.wires()) {
            String label = html(w);
            if (w.to().isEmpty()) {
                String end = "out" + outs++;
                sb.append("  ").append(end).append(" [shape=none, label=\"\"];\n");
                sb.append("  n").append(w.from()).append(" -> ").append(end).append(" [label=").append(label).append("];\n");
            }
            for (int t : w.to()) sb.append("  n").append(w.from()).append(" -> n").append(t).append(" [label=").append(label).append("];\n");
        }
        return sb.append("}\n").toString();
    }

    private static String html(Diagram.Wire w) {
        StringBuilder sb = new StringBuilder("<");
        sb.append(lines(w.above()));
        if (!w.below().isEmpty()) sb.append("<BR/><FONT COLOR=\"#C0392B\">").append(lines(w.below())).append("</FONT>");
        return sb.append('>').toString();
    }

    private static String lines(List<String> ls) {
        return String.join("<BR/>", ls.stream().map(Dot::escape).toList());
    }

    private static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }

    private static String quote(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n") + "\"";
    }
}
