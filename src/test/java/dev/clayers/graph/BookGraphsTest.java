package dev.clayers.graph;

import dev.clayers.backend.Backend;
import dev.clayers.backend.IntVector;
import dev.clayers.backend.Matrix;
import dev.clayers.backend.TestDevices;
import dev.clayers.layer.Sigmoid;
import dev.clayers.layer.SoftmaxWithLoss;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The book's figures, as the engine computes them: against the book, the fused layers and central differences. */
class BookGraphsTest {
    private static double grad(Graph g, String name) {
        return g.variable(name).grad().scalarValue();
    }

    @Test
    void appleMatchesTheBooksFigure() {
        Graph g = BookGraphs.apple(100, 2, 1.1);
        assertEquals(220, g.output().value().scalarValue(), 1e-9);
        assertEquals(200, g.variable("apple_price").value().scalarValue(), 1e-9);
        assertEquals(1, g.output().grad().scalarValue());
        assertEquals(1.1, grad(g, "apple_price"), 1e-12);
        assertEquals(2.2, grad(g, "apple"), 1e-12);
        assertEquals(110, grad(g, "apple_num"), 1e-9);
        assertEquals(200, grad(g, "tax"), 1e-9);
    }

    @Test
    void appleOrangeMatchesTheBooksFigure() {
        Graph g = BookGraphs.appleOrange(100, 2, 150, 3, 1.1);
        assertEquals(715, g.output().value().scalarValue(), 1e-9);
        assertEquals(650, g.variable("all_price").value().scalarValue(), 1e-9);
        assertEquals(2.2, grad(g, "apple"), 1e-12);
        assertEquals(110, grad(g, "apple_num"), 1e-9);
        assertEquals(3.3, grad(g, "orange"), 1e-12);
        assertEquals(165, grad(g, "orange_num"), 1e-9);
        assertEquals(650, grad(g, "tax"), 1e-9);
    }

    /** Node by node the sigmoid's backward is -1/x², then exp(-x), then -1; together y(1 - y). */
    @Test
    void sigmoidBackwardCollapsesToYTimesOneMinusY() {
        for (double x : new double[] {-3, -0.5, 0, 1, 4}) {
            Graph g = BookGraphs.sigmoid(x);
            double y = 1 / (1 + Math.exp(-x));
            assertEquals(y, g.output().value().scalarValue(), 1e-15);
            assertEquals(y * (1 - y), grad(g, "x"), 1e-15);
            assertEquals(-y * y, grad(g, "1+exp(-x)"), 1e-15);
        }
    }

    /** dX = dY . Wᵀ, dW = Xᵀ . dY, dB = column sums of dY, with dY = 1, written out by hand. */
    @Test
    void affineGradientsAreTheBooksFormulas() {
        Graph g = BookGraphs.affine();
        Value x = g.variable("X").value(), w = g.variable("W").value();
        assertArrayEquals(new int[] {2, 2}, x.shape());
        assertArrayEquals(new int[] {2, 3}, g.output().value().shape());
        assertArrayEquals(new int[] {3}, g.variable("B").grad().shape());
        // Y row 0 = [1, 0.5] . W + B = [0.1+0.2, 0.2+0.25, 0.3+0.3] + [0.1, 0.2, 0.3]
        assertArrayEquals(new double[] {0.4, 0.65, 0.9}, row(g.output().value(), 0), 1e-12);
        // dX[i][k] = Σ_j W[k][j]; dW[k][j] = Σ_i X[i][k]; dB[j] = N
        for (int i = 0; i < 2; i++) assertArrayEquals(new double[] {0.6, 1.5}, row(g.variable("X").grad(), i), 1e-12);
        assertArrayEquals(new double[] {0.5, 0.5, 0.5}, row(g.variable("W").grad(), 0), 1e-12);
        assertArrayEquals(new double[] {2.5, 2.5, 2.5}, row(g.variable("W").grad(), 1), 1e-12);
        assertArrayEquals(new double[] {2, 2, 2}, g.variable("B").grad().data(), 1e-12);
        assertEquals(w.transpose().transpose(), w);
    }

    private static double[] row(Value m, int r) {
        double[] out = new double[m.cols()];
        for (int c = 0; c < out.length; c++) out[c] = m.get(r, c);
        return out;
    }

    @Test
    void softmaxLossBackwardIsYMinusT() {
        double[] a = {0.3, 2.9, 4.0};
        Graph g = BookGraphs.softmaxLoss(a, 2);
        double s = 0;
        for (double v : a) s += Math.exp(v);
        assertEquals(-Math.log(Math.exp(4.0) / s), g.output().value().scalarValue(), 1e-12);
        for (int k = 0; k < 3; k++) {
            double y = Math.exp(a[k]) / s;
            assertEquals(y, g.variable("y" + (k + 1)).value().scalarValue(), 1e-15);
            assertEquals(y - (k == 2 ? 1 : 0), grad(g, "a" + (k + 1)), 1e-12);
        }
        assertThrows(IllegalArgumentException.class, () -> BookGraphs.softmaxLoss(a, 3));
    }

    /** A graph that uses every op, so each backward rule meets central differences. */
    static Graph everyOp() {
        Graph g = new Graph();
        Graph.Variable x = g.input("X", Value.matrix(2, 3, 0.5, -1, 2, 0.25, 1.5, -0.75));
        Graph.Variable w = g.input("W", Value.matrix(2, 2, 0.3, -0.2, 0.1, 0.4));
        Graph.Variable b = g.input("b", Value.vector(0.1, -0.3));
        Graph.Variable xt = g.apply("transpose", new Op.Transpose(), "Xᵀ", x);
        Graph.Variable z = g.apply("dot", new Op.Dot(), "XᵀW", xt, w);
        Graph.Variable zb = g.apply("bias", new Op.Add(), "XᵀW+b", z, b);
        Graph.Variable e = g.apply("exp", new Op.Exp(), null, g.apply("half", new Op.Scale(0.5), null, zb));
        Graph.Variable r = g.apply("recip", new Op.Reciprocal(), null, g.apply("shift", new Op.Shift(2), null, e));
        Graph.Variable l = g.apply("log", new Op.Log(), null, g.apply("times", new Op.Mul(), null, r, e));
        g.apply("sum", new Op.Sum(), "L", l);
        return g.forward().backward();
    }

    static Stream<Graph> everyFigure() {
        return Stream.of(everyOp(), BookGraphs.apple(100, 2, 1.1), BookGraphs.appleOrange(100, 2, 150, 3, 1.1),
                BookGraphs.sigmoid(0.7), BookGraphs.affine(), BookGraphs.softmaxLoss(),
                BookGraphs.softmaxLoss(new double[] {-1, 0.5, 2, 0}, 1));
    }

    /** Every input's backprop gradient against central differences of the output's sum. */
    @ParameterizedTest
    @MethodSource("everyFigure")
    void backwardMatchesCentralDifferences(Graph g) {
        for (Graph.Variable in : g.inputs()) {
            Value backprop = in.grad();
            Value numerical = g.numericalGradient(in, 1e-5);
            double scale = Math.max(1, Math.abs(in.value().sum()));
            assertArrayEquals(numerical.data(), backprop.data(), 1e-6 * scale * 100, in.name());
        }
    }

    /** The sigmoid graph's dL/dx equals the fused Sigmoid layer's backward with dout = 1, on every device. */
    @ParameterizedTest
    @MethodSource("dev.clayers.backend.TestDevices#ids")
    void sigmoidGraphMatchesTheSigmoidLayer(String id) {
        float[] xs = {-6, -2.5f, -0.5f, 0, 0.3f, 1, 3.75f, 8};
        float[] ones = new float[xs.length];
        java.util.Arrays.fill(ones, 1);
        try (Backend be = TestDevices.open(id); Sigmoid layer = new Sigmoid(be, "sigmoid");
             Matrix x = be.upload(xs, 1, xs.length); Matrix dout = be.upload(ones, 1, xs.length)) {
            float[] y = be.download(layer.forward(x));
            float[] dx = be.download(layer.backward(dout));
            for (int i = 0; i < xs.length; i++) {
                Graph g = BookGraphs.sigmoid(xs[i]);
                assertEquals(g.output().value().scalarValue(), y[i], 1e-6, "y at x = " + xs[i]);
                assertEquals(grad(g, "x"), dx[i], 1e-6, "dx at x = " + xs[i]);
            }
        }
    }

    /** The softmax-loss graph's dL/da equals SoftmaxWithLoss's y - t (dout = 1, N = 1), on every device. */
    @ParameterizedTest
    @MethodSource("dev.clayers.backend.TestDevices#ids")
    void softmaxLossGraphMatchesTheFusedLayer(String id) {
        float[][] cases = {{0.3f, 2.9f, 4.0f}, {1, 1, 1}, {-2, 5, 0.5f}};
        try (Backend be = TestDevices.open(id); SoftmaxWithLoss layer = new SoftmaxWithLoss(be)) {
            for (float[] a : cases) {
                for (int label = 0; label < 3; label++) {
                    try (Matrix x = be.upload(a, 1, 3); IntVector t = be.uploadInts(new int[] {label})) {
                        float loss = layer.forward(x, t);
                        float[] dx = be.download(layer.backward(1f));
                        Graph g = BookGraphs.softmaxLoss(new double[] {a[0], a[1], a[2]}, label);
                        assertEquals(g.output().value().scalarValue(), loss, 1e-5, "loss");
                        for (int k = 0; k < 3; k++) assertEquals(grad(g, "a" + (k + 1)), dx[k], 1e-6, "da" + (k + 1));
                    }
                }
            }
        }
    }

    @Test
    void branchGradientsAddUp() {
        Graph g = new Graph();
        Graph.Variable x = g.input("x", Value.scalar(3));
        Graph.Variable sq = g.apply("square", new Op.Mul(), "x²", x, x);
        g.apply("plus", new Op.Add(), "out", sq, x);
        g.forward().backward();
        assertEquals(12, sq.value().scalarValue() + x.value().scalarValue());
        assertEquals(2 * 3 + 1, x.grad().scalarValue());
        assertEquals(3, g.nodes().get(0).inputGrad(0).scalarValue());
        assertEquals(List.of(g.nodes().get(0), g.nodes().get(0), g.nodes().get(1)), x.consumers());
    }

    @Test
    void misuseFailsWithMessages() {
        Graph g = new Graph();
        Graph.Variable x = g.input("x", Value.scalar(1));
        assertThrows(IllegalArgumentException.class, () -> g.apply("m", new Op.Mul(), null, x));
        Graph other = new Graph();
        assertThrows(IllegalArgumentException.class, () -> other.apply("e", new Op.Exp(), null, x));
        assertThrows(IllegalArgumentException.class, () -> x.set(Value.vector(1, 2)));
        assertThrows(IllegalArgumentException.class, () -> Value.matrix(2, 2, 1, 2, 3));
        assertThrows(IllegalArgumentException.class, () -> Value.matrix(2, 3, new double[6]).dot(Value.matrix(2, 3, new double[6])));
        g.apply("e", new Op.Exp(), "y", x);
        assertThrows(IllegalStateException.class, g::backward);
    }
}
