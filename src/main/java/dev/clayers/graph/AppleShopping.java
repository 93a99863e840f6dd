package dev.clayers.graph;

import java.util.ArrayList;
import java.util.List;

/**
 * The book's two shopping examples, run on {@link Graph} ({@link BookGraphs#apple},
 * {@link BookGraphs#appleOrange}), as the node-by-node lines {@code clayers apple} prints.
 */
public final class AppleShopping {
    private AppleShopping() {}

    /** One line of a pass: which node, what it computed. */
    public record Step(String node, String text) {}

    /** A worked example: its forward steps, backward steps, the price and the named gradients. */
    public record Result(String title, List<Step> forward, List<Step> backward, double price,
                         List<Gradient> gradients) {}

    public record Gradient(String name, double value) {}

    /** 2 apples at 100 with 10% tax. */
    public static Result apples(double apple, double appleNum, double tax) {
        return result("2 apples at 100, 10% tax", BookGraphs.apple(apple, appleNum, tax));
    }

    /** 2 apples at 100 and 3 oranges at 150 with 10% tax. */
    public static Result applesAndOranges(double apple, double appleNum, double orange, double orangeNum, double tax) {
        return result("2 apples at 100 and 3 oranges at 150, 10% tax",
                BookGraphs.appleOrange(apple, appleNum, orange, orangeNum, tax));
    }

    /** The steps of a forward-and-backward-run graph of scalar + and × nodes. */
    static Result result(String title, Graph g) {
        List<Step> fwd = new ArrayList<>();
        for (Graph.Node n : g.nodes()) {
            String op = n.op() instanceof Op.Mul ? " * " : " + ";
            fwd.add(new Step(n.name(), String.join(op, n.inputs().stream().map(v -> fmt(v.value().scalarValue())).toList())
                    + " = " + fmt(n.output().value().scalarValue())));
        }
        List<Step> bwd = new ArrayList<>();
        for (int i = g.nodes().size() - 1; i >= 0; i--) {
            Graph.Node n = g.nodes().get(i);
            List<String> ds = new ArrayList<>();
            for (int k = 0; k < n.inputs().size(); k++) ds.add("d " + n.inputs().get(k).name() + " " + fmt(n.inputGrad(k).scalarValue()));
            bwd.add(new Step(n.name(), "dout " + fmt(n.output().grad().scalarValue()) + " -> " + String.join(", ", ds)));
        }
        List<Gradient> grads = g.inputs().stream().map(v -> new Gradient(v.name(), v.grad().scalarValue())).toList();
        return new Result(title, fwd, bwd, g.output().value().scalarValue(), grads);
    }

    /** {@link Numbers#format}: 220.00000000000003 prints as the book's 220. */
    public static String fmt(double v) {
        return Numbers.format(v);
    }
}
