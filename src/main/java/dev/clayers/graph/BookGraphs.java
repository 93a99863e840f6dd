package dev.clayers.graph;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The book's computational-graph figures (chapter 5 and appendix A), built on {@link Graph} and
 * run forward and backward: the numbers on their edges come from the engine.
 */
public final class BookGraphs {
    private BookGraphs() {}

    /** Apples at {@code apple} each, {@code appleNum} of them, times {@code tax}: the book's 100, 2, 1.1 give 220. */
    public static Graph apple(double apple, double appleNum, double tax) {
        Graph g = new Graph();
        Graph.Variable a = g.input("apple", Value.scalar(apple));
        Graph.Variable n = g.input("apple_num", Value.scalar(appleNum));
        Graph.Variable applePrice = g.apply("mul_apple", new Op.Mul(), "apple_price", a, n);
        Graph.Variable t = g.input("tax", Value.scalar(tax));
        g.apply("mul_tax", new Op.Mul(), "price", applePrice, t);
        return g.forward().backward();
    }

    /** Apples and oranges, summed, times tax: the book's 100 x 2 and 150 x 3 at 1.1 give 715. */
    public static Graph appleOrange(double apple, double appleNum, double orange, double orangeNum, double tax) {
        Graph g = new Graph();
        Graph.Variable a = g.input("apple", Value.scalar(apple));
        Graph.Variable an = g.input("apple_num", Value.scalar(appleNum));
        Graph.Variable o = g.input("orange", Value.scalar(orange));
        Graph.Variable on = g.input("orange_num", Value.scalar(orangeNum));
        Graph.Variable applePrice = g.apply("mul_apple", new Op.Mul(), "apple_price", a, an);
        Graph.Variable orangePrice = g.apply("mul_orange", new Op.Mul(), "orange_price", o, on);
        Graph.Variable all = g.apply("add_apple_orange", new Op.Add(), "all_price", applePrice, orangePrice);
        Graph.Variable t = g.input("tax", Value.scalar(tax));
        g.apply("mul_tax", new Op.Mul(), "price", all, t);
        return g.forward().backward();
    }

    /**
     * The sigmoid {@code y = 1 / (1 + exp(-x))} decomposed into the book's four nodes; backward
     * through them gives {@code dL/dx = dL/dy * y * (1 - y)}.
     */
    public static Graph sigmoid(double x) {
        Graph g = new Graph();
        Graph.Variable in = g.input("x", Value.scalar(x));
        Graph.Variable neg = g.apply("mul_minus_one", new Op.Scale(-1), "-x", in);
        Graph.Variable e = g.apply("exp", new Op.Exp(), "exp(-x)", neg);
        Graph.Variable d = g.apply("add_one", new Op.Shift(1), "1+exp(-x)", e);
        g.apply("divide", new Op.Reciprocal(), "y", d);
        return g.forward().backward();
    }

    /** The book's formulas for the sigmoid figure's input gradient, to write beside the number the graph computed. */
    public static final Map<String, String> SIGMOID_RULES = Map.of("x", "dL/dy·y(1-y)");

    /** The book's formulas for the Affine figure's gradients. */
    public static final Map<String, String> AFFINE_RULES = Map.of("X", "dL/dY·Wᵀ", "W", "Xᵀ·dL/dY", "B", "Σ rows of dL/dY");

    /** The softmax-with-loss figure's input gradients are {@code y_k - t_k}. */
    public static Map<String, String> softmaxLossRules(int classes) {
        Map<String, String> rules = new LinkedHashMap<>();
        for (int k = 1; k <= classes; k++) rules.put("a" + k, "y" + k + " - t" + k);
        return rules;
    }

    /** The book's batch for the Affine figure: N = 2 rows of 2 features, 3 outputs. */
    public static Graph affine() {
        return affine(Value.matrix(2, 2, 1.0, 0.5, -0.5, 2.0),
                Value.matrix(2, 3, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6),
                Value.vector(0.1, 0.2, 0.3));
    }

    /**
     * The batched Affine layer {@code Y = X . W + B}: X (N, k), W (k, m), B (m), the bias broadcast
     * over the N rows. Backward from dL/dY = 1 gives {@code dX = dY . Wᵀ}, {@code dW = Xᵀ . dY} and
     * {@code dB} = the column sums of dY.
     */
    public static Graph affine(Value x, Value w, Value b) {
        Graph g = new Graph();
        Graph.Variable xv = g.input("X", x);
        Graph.Variable wv = g.input("W", w);
        Graph.Variable xw = g.apply("dot", new Op.Dot(), "X·W", xv, wv);
        Graph.Variable bv = g.input("B", b);
        g.apply("add", new Op.Add(), "Y", xw, bv);
        return g.forward().backward();
    }

    /**
     * Most scores {@link #softmaxLoss(double[], int)} takes: each adds a chain of five nodes, and
     * the picture grows with the square of their number (100 scores: 4090 x 8285 pixels and 5 s;
     * 10,000 ran 49 s and then failed in AWT). The graph is for reading, not for a real layer.
     */
    public static final int MAX_SOFTMAX_SCORES = 100;

    /** The book's scores (0.3, 2.9, 4.0) with the label on the last class. */
    public static Graph softmaxLoss() {
        return softmaxLoss(new double[] {0.3, 2.9, 4.0}, 2);
    }

    /**
     * Softmax then cross-entropy for one example, node by node as in the book's appendix:
     * {@code y_k = exp(a_k) / Σ exp(a_i)}, {@code L = -Σ t_k log y_k} with t one-hot at
     * {@code label}; backward gives {@code dL/da_k = y_k - t_k}. Each {@code × t_k} multiplies by a
     * constant, because the label is data, not something to differentiate.
     */
    public static Graph softmaxLoss(double[] scores, int label) {
        if (scores.length < 2) throw new IllegalArgumentException("softmax needs at least 2 scores, got " + scores.length);
        if (scores.length > MAX_SOFTMAX_SCORES) {
            throw new IllegalArgumentException("the softmax-loss graph draws at most " + MAX_SOFTMAX_SCORES + " scores, got "
                    + scores.length + "; the node-by-node graph is for reading a few");
        }
        if (label < 0 || label >= scores.length) {
            throw new IllegalArgumentException("label must be 0 to " + (scores.length - 1) + ", got " + label);
        }
        int n = scores.length;
        Graph g = new Graph();
        List<Graph.Variable> exps = new ArrayList<>();
        for (int k = 0; k < n; k++) {
            Graph.Variable a = g.input("a" + (k + 1), Value.scalar(scores[k]));
            exps.add(g.apply("exp" + (k + 1), new Op.Exp(), "exp(a" + (k + 1) + ")", a));
        }
        Graph.Variable s = g.apply("sum_exp", new Op.Add(), "S", exps.toArray(Graph.Variable[]::new));
        Graph.Variable inv = g.apply("divide", new Op.Reciprocal(), "1/S", s);
        List<Graph.Variable> terms = new ArrayList<>();
        for (int k = 0; k < n; k++) {
            Graph.Variable y = g.apply("mul_y" + (k + 1), new Op.Mul(), "y" + (k + 1), exps.get(k), inv);
            Graph.Variable log = g.apply("log" + (k + 1), new Op.Log(), "log y" + (k + 1), y);
            terms.add(g.apply("mul_t" + (k + 1), new Op.Scale(k == label ? 1 : 0), "t" + (k + 1) + " log y" + (k + 1), log));
        }
        Graph.Variable sum = g.apply("sum_terms", new Op.Add(), "Σ t log y", terms.toArray(Graph.Variable[]::new));
        g.apply("negate", new Op.Scale(-1), "L", sum);
        return g.forward().backward();
    }
}
