package dev.clayers.graph;

import java.util.List;

/**
 * A node's operation in a {@link Graph}, written the book's way: {@code forward} caches what
 * {@code backward} needs, and {@code backward(dout)} returns one gradient per input, in input order.
 * An instance belongs to one node (it holds that node's cache).
 */
public sealed interface Op {
    /** What the node's circle says: {@code ×}, {@code +}, {@code exp}, {@code /}. */
    String label();

    /** How many inputs it takes; -1 for any number (at least one). */
    int arity();

    Value forward(List<Value> in);

    List<Value> backward(Value dout);

    /** {@code out = x1 + x2 + ...}; a vector added to a matrix is broadcast over its rows (the Affine bias). */
    final class Add implements Op {
        private List<Value> in;

        @Override public String label() { return "+"; }
        @Override public int arity() { return -1; }

        @Override
        public Value forward(List<Value> in) {
            this.in = in;
            Value out = in.get(0);
            for (Value v : in.subList(1, in.size())) out = broadcastAdd(out, v);
            return out;
        }

        /** dout passes through unchanged; a broadcast input gets the column sums (it was used once per row). */
        @Override
        public List<Value> backward(Value dout) {
            return in.stream().map(v -> v.sameShape(dout) ? dout : dout.sumRows()).toList();
        }

        private static Value broadcastAdd(Value a, Value b) {
            if (a.sameShape(b)) return a.zip(b, Double::sum);
            Value m = a.rank() == 2 ? a : b, v = a.rank() == 2 ? b : a;
            if (m.rank() != 2 || v.rank() != 1 || v.size() != m.cols()) {
                throw new IllegalArgumentException("+ cannot add shapes " + a.shapeText() + " and " + b.shapeText());
            }
            double[] out = m.data();
            for (int i = 0; i < out.length; i++) out[i] += v.get(i % m.cols());
            return new Value(m.shape(), out);
        }
    }

    /** {@code out = x * y} element by element; backward swaps the inputs: {@code dx = dout * y}, {@code dy = dout * x}. */
    final class Mul implements Op {
        private Value x, y;

        @Override public String label() { return "×"; }
        @Override public int arity() { return 2; }

        @Override
        public Value forward(List<Value> in) {
            x = in.get(0);
            y = in.get(1);
            return x.zip(y, (a, b) -> a * b);
        }

        @Override
        public List<Value> backward(Value dout) {
            return List.of(dout.zip(y, (d, b) -> d * b), dout.zip(x, (d, a) -> d * a));
        }
    }

    /** {@code out = c * x} for a constant c (the sigmoid's "× -1"); {@code dx = c * dout}. */
    record Scale(double c) implements Op {
        @Override public String label() { return "×" + Numbers.format(c); }
        @Override public int arity() { return 1; }
        @Override public Value forward(List<Value> in) { return in.get(0).map(v -> c * v); }
        @Override public List<Value> backward(Value dout) { return List.of(dout.map(d -> c * d)); }
    }

    /** {@code out = x + c} for a constant c (the sigmoid's "+1"); dout passes through. */
    record Shift(double c) implements Op {
        @Override public String label() { return (c < 0 ? "" : "+") + Numbers.format(c); }
        @Override public int arity() { return 1; }
        @Override public Value forward(List<Value> in) { return in.get(0).map(v -> v + c); }
        @Override public List<Value> backward(Value dout) { return List.of(dout); }
    }

    /** {@code out = exp(x)}; {@code dx = dout * exp(x)}, the output itself. */
    final class Exp implements Op {
        private Value out;

        @Override public String label() { return "exp"; }
        @Override public int arity() { return 1; }
        @Override public Value forward(List<Value> in) { return out = in.get(0).map(Math::exp); }
        @Override public List<Value> backward(Value dout) { return List.of(dout.zip(out, (d, y) -> d * y)); }
    }

    /** {@code out = 1 / x} (the book's "/" node); {@code dx = -dout / x² = -dout * out²}. */
    final class Reciprocal implements Op {
        private Value out;

        @Override public String label() { return "/"; }
        @Override public int arity() { return 1; }
        @Override public Value forward(List<Value> in) { return out = in.get(0).map(v -> 1 / v); }
        @Override public List<Value> backward(Value dout) { return List.of(dout.zip(out, (d, y) -> -d * y * y)); }
    }

    /** {@code out = log(x)}, natural; {@code dx = dout / x}. */
    final class Log implements Op {
        private Value x;

        @Override public String label() { return "log"; }
        @Override public int arity() { return 1; }
        @Override public Value forward(List<Value> in) { return (x = in.get(0)).map(Math::log); }
        @Override public List<Value> backward(Value dout) { return List.of(dout.zip(x, (d, v) -> d / v)); }
    }

    /** {@code out = sum of every element of x}, a scalar; each element gets dout. */
    final class Sum implements Op {
        private int[] shape;

        @Override public String label() { return "Σ"; }
        @Override public int arity() { return 1; }

        @Override
        public Value forward(List<Value> in) {
            shape = in.get(0).shape();
            return Value.scalar(in.get(0).sum());
        }

        @Override public List<Value> backward(Value dout) { return List.of(Value.ones(shape).map(o -> o * dout.scalarValue())); }
    }

    /** {@code out = X . W}; {@code dX = dout . Wᵀ}, {@code dW = Xᵀ . dout} (the shapes tell which way round). */
    final class Dot implements Op {
        private Value x, w;

        @Override public String label() { return "dot"; }
        @Override public int arity() { return 2; }

        @Override
        public Value forward(List<Value> in) {
            x = in.get(0);
            w = in.get(1);
            return x.dot(w);
        }

        @Override public List<Value> backward(Value dout) { return List.of(dout.dot(w.transpose()), x.transpose().dot(dout)); }
    }

    /** {@code out = Xᵀ}; {@code dX = doutᵀ}. */
    record Transpose() implements Op {
        @Override public String label() { return "T"; }
        @Override public int arity() { return 1; }
        @Override public Value forward(List<Value> in) { return in.get(0).transpose(); }
        @Override public List<Value> backward(Value dout) { return List.of(dout.transpose()); }
    }
}
