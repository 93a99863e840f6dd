package dev.clayers.graph;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * A computational graph as the book draws it: variables on the edges, operations in the nodes.
 * {@link #forward} runs the nodes in the order they were added (a node can only use variables that
 * already exist, so that order is topological); {@link #backward} runs them in reverse, starting
 * from dL/dout = 1 at the output, and keeps every edge's gradient as well as each variable's total
 * (a variable used twice gets the sum of its edges', the book's branch rule).
 *
 * <pre>{@code
 * Graph g = new Graph();
 * Graph.Variable apple = g.input("apple", Value.scalar(100)), num = g.input("apple_num", Value.scalar(2));
 * Graph.Variable price = g.apply("mul_apple", new Op.Mul(), "apple_price", apple, num);
 * g.forward().backward();
 * apple.grad();   // 2
 * }</pre>
 */
public final class Graph {
    private final List<Variable> inputs = new ArrayList<>();
    private final List<Node> nodes = new ArrayList<>();

    /** An edge's variable: its value after {@link #forward}, its total gradient after {@link #backward}. */
    public final class Variable {
        private final String name;
        private final Node producer;
        private final List<Node> consumers = new ArrayList<>();
        private Value value;
        private Value grad;

        private Variable(String name, Node producer, Value value) {
            this.name = name;
            this.producer = producer;
            this.value = value;
        }

        /** Its name, or null for an unnamed intermediate. */
        public String name() { return name; }
        /** The node that computes it, or null for an input. */
        public Node producer() { return producer; }
        public List<Node> consumers() { return Collections.unmodifiableList(consumers); }
        public boolean isInput() { return producer == null; }
        public Value value() { return value; }
        /** dL/d(this), null before {@link #backward}. */
        public Value grad() { return grad; }

        /** Sets an input's value (the next {@link #forward} uses it): for numerical derivatives and other prices. */
        public void set(Value v) {
            if (!isInput()) throw new IllegalStateException("only an input's value can be set, not " + this);
            if (!v.sameShape(value)) throw new IllegalArgumentException(this + " has shape " + value.shapeText() + ", not " + v.shapeText());
            value = v;
        }

        @Override public String toString() { return name != null ? name : producer.name + " output"; }
    }

    /** A node: its operation, its input variables and its output variable. */
    public final class Node {
        private final String name;
        private final Op op;
        private final List<Variable> in;
        private final Variable out;
        private List<Value> inputGrads;

        private Node(String name, Op op, List<Variable> in, String outName) {
            this.name = name;
            this.op = op;
            this.in = List.copyOf(in);
            this.out = new Variable(outName, this, null);
        }

        public String name() { return name; }
        public Op op() { return op; }
        public List<Variable> inputs() { return in; }
        public Variable output() { return out; }
        /** The gradient sent back along input edge {@code i} by the last {@link #backward}. */
        public Value inputGrad(int i) { return inputGrads == null ? null : inputGrads.get(i); }
        /** This node's depth: 1 + the deepest node it reads from; inputs are at 0. */
        public int depth() {
            int d = 0;
            for (Variable v : in) if (v.producer != null) d = Math.max(d, v.producer.depth());
            return d + 1;
        }

        @Override public String toString() { return name; }
    }

    /** A leaf of the graph: a value the user gives (a price, a weight matrix). */
    public Variable input(String name, Value value) {
        Variable v = new Variable(name, null, value);
        inputs.add(v);
        return v;
    }

    /** Adds a node computing {@code op(in...)}; its output is named {@code outName} (may be null). */
    public Variable apply(String nodeName, Op op, String outName, Variable... in) {
        if (op.arity() >= 0 ? in.length != op.arity() : in.length == 0) {
            throw new IllegalArgumentException(nodeName + ": " + op.label() + " takes " + op.arity() + " inputs, got " + in.length);
        }
        for (Variable v : in) {
            if (v.producer != null && !nodes.contains(v.producer) || v.producer == null && !inputs.contains(v)) {
                throw new IllegalArgumentException(nodeName + ": input " + v + " belongs to another graph");
            }
        }
        Node n = new Node(nodeName, op, List.of(in), outName);
        for (Variable v : in) v.consumers.add(n);
        nodes.add(n);
        return n.out;
    }

    public List<Variable> inputs() { return Collections.unmodifiableList(inputs); }
    public List<Node> nodes() { return Collections.unmodifiableList(nodes); }

    /** The input or node output with this name. */
    public Variable variable(String name) {
        for (Variable v : inputs) if (name.equals(v.name)) return v;
        for (Node n : nodes) if (name.equals(n.out.name)) return n.out;
        throw new IllegalArgumentException("no variable '" + name + "'");
    }

    /** The graph's result: the output of the last node added (nothing may read it). */
    public Variable output() {
        if (nodes.isEmpty()) throw new IllegalStateException("the graph has no nodes");
        Variable out = nodes.get(nodes.size() - 1).out;
        for (Node n : nodes) {
            if (n.out != out && n.out.consumers.isEmpty()) throw new IllegalStateException("node " + n + "'s output is unused: one output per graph");
        }
        return out;
    }

    /** Runs every node in order; clears the gradients of the last backward pass. */
    public Graph forward() {
        for (Variable v : inputs) v.grad = null;
        for (Node n : nodes) {
            n.out.value = n.op.forward(n.in.stream().map(Variable::value).toList());
            n.out.grad = null;
            n.inputGrads = null;
        }
        return this;
    }

    /**
     * Runs every node backward in reverse order from dL/dout = 1 (ones of the output's shape: for a
     * matrix output that is L = the sum of its elements).
     */
    public Graph backward() {
        Variable out = output();
        if (out.value == null) throw new IllegalStateException("backward before forward");
        for (Variable v : inputs) v.grad = null;
        for (Node n : nodes) n.out.grad = null;
        out.grad = Value.ones(out.value.shape());
        for (int i = nodes.size() - 1; i >= 0; i--) {
            Node n = nodes.get(i);
            n.inputGrads = List.copyOf(n.op.backward(n.out.grad));
            for (int k = 0; k < n.in.size(); k++) {
                Variable v = n.in.get(k);
                Value g = n.inputGrads.get(k);
                v.grad = v.grad == null ? g : v.grad.zip(g, Double::sum);
            }
        }
        return this;
    }

    /**
     * dL/d(input) by central differences, {@code (f(x+h) - f(x-h)) / 2h} per element, where f is
     * the sum of the output; leaves the graph run forward and backward at the original values.
     */
    public Value numericalGradient(Variable input, double h) {
        Value x = input.value();
        double[] g = new double[x.size()];
        Function<double[], Double> f = d -> {
            input.set(new Value(x.shape(), d));
            forward();
            return output().value().sum();
        };
        for (int i = 0; i < g.length; i++) {
            double[] d = x.data();
            d[i] = x.get(i) + h;
            double plus = f.apply(d);
            d[i] = x.get(i) - h;
            double minus = f.apply(d);
            g[i] = (plus - minus) / (2 * h);
        }
        input.set(x);
        forward().backward();
        return new Value(x.shape(), g);
    }

    /** Sets inputs by name from a map and runs forward and backward. */
    public Graph run(Map<String, Value> values) {
        values.forEach((k, v) -> variable(k).set(v));
        return forward().backward();
    }
}
