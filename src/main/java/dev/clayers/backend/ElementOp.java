package dev.clayers.backend;

import java.util.List;

import static dev.clayers.backend.Op.Accuracy.ARITH;
import static dev.clayers.backend.Op.Accuracy.TRANSCENDENTAL;
import static dev.clayers.backend.Op.Input.MASK;
import static dev.clayers.backend.Op.Input.UNIFORM;
import static dev.clayers.backend.Op.Input.UNIT;
import static dev.clayers.backend.Op.Input.WIDE;

/**
 * The activations' forward and backward ops in the {@link Op} catalogue; they run on a batch
 * of activations ({@code clayers bench} times them at batch x 100).
 */
public enum ElementOp implements Op {
    RELU_FORWARD("reluForward", List.of(UNIFORM, UNIFORM, UNIFORM), List.of(1, 2), ARITH, 3) {   // x in; out, mask out
        @Override public void run(Backend b, List<Matrix> m, float rate) { b.reluForward(m.get(0), m.get(1), m.get(2)); }
    },
    RELU_BACKWARD("reluBackward", List.of(UNIFORM, MASK, UNIFORM), List.of(2), ARITH, 3) {       // dout, mask in; dx out
        @Override public void run(Backend b, List<Matrix> m, float rate) { b.reluBackward(m.get(0), m.get(1), m.get(2)); }
    },
    SIGMOID_FORWARD("sigmoidForward", List.of(WIDE, UNIFORM), List.of(1), TRANSCENDENTAL, 2) {  // x in; out out
        @Override public void run(Backend b, List<Matrix> m, float rate) { b.sigmoidForward(m.get(0), m.get(1)); }
    },
    SIGMOID_BACKWARD("sigmoidBackward", List.of(UNIFORM, UNIT, UNIFORM), List.of(2), ARITH, 3) { // dout, y in; dx out
        @Override public void run(Backend b, List<Matrix> m, float rate) { b.sigmoidBackward(m.get(0), m.get(1), m.get(2)); }
    },
    TANH_FORWARD("tanhForward", List.of(WIDE, UNIFORM), List.of(1), TRANSCENDENTAL, 2) {        // x in; out out
        @Override public void run(Backend b, List<Matrix> m, float rate) { b.tanhForward(m.get(0), m.get(1)); }
    },
    TANH_BACKWARD("tanhBackward", List.of(UNIFORM, UNIFORM, UNIFORM), List.of(2), ARITH, 3) {   // dout, y in [-1, 1); dx out
        @Override public void run(Backend b, List<Matrix> m, float rate) { b.tanhBackward(m.get(0), m.get(1), m.get(2)); }
    };

    private final String id;
    private final List<Op.Input> inputs;
    private final List<Integer> outputs;
    private final Op.Accuracy accuracy;
    private final int touched;

    ElementOp(String id, List<Op.Input> inputs, List<Integer> outputs, Op.Accuracy accuracy, int touched) {
        this.id = id;
        this.inputs = inputs;
        this.outputs = outputs;
        this.accuracy = accuracy;
        this.touched = touched;
    }

    @Override public String id() { return id; }
    @Override public List<Op.Input> inputs() { return inputs; }
    @Override public List<Integer> outputs() { return outputs; }
    @Override public Op.Accuracy accuracy() { return accuracy; }
    @Override public int touched() { return touched; }
}
