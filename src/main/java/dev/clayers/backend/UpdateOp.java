package dev.clayers.backend;

import java.util.List;

import static dev.clayers.backend.Op.Accuracy.ARITH;
import static dev.clayers.backend.Op.Input.NON_NEGATIVE;
import static dev.clayers.backend.Op.Input.UNIFORM;

/**
 * The parameter updates in the {@link Op} catalogue: each has a one-tensor form and a list form
 * over many tensors, which must agree exactly. The fixed settings are the book's defaults
 * (momentum 0.9; RMSprop's decay 0.99; Adam's beta1 0.9, beta2 0.999; eps 1e-7); {@code rate} is the step size.
 * {@code clayers bench} times them on a 784x100 (and 784x1000) weight matrix.
 */
public enum UpdateOp implements Op {
    /** {@code y += -rate * x}: SGD and weight decay. */
    AXPY("axpy", List.of(UNIFORM, UNIFORM), List.of(1), 3, 0.37f) {   // x, y in; y out
        @Override public void run(Backend b, List<Matrix> m, float rate) { b.axpy(-rate, m.get(0), m.get(1)); }
        @Override public void runList(Backend b, List<List<Matrix>> m, float rate) { b.axpy(-rate, m.get(0), m.get(1)); }
    },
    /** {@code v = 0.9 v - rate g; p += v}: SGD with momentum. */
    MOMENTUM_STEP("momentumStep", List.of(UNIFORM, UNIFORM, UNIFORM), List.of(0, 2), 5, 0.01f) {   // p, g, v in; p, v out
        @Override public void run(Backend b, List<Matrix> m, float rate) {
            b.momentumStep(m.get(0), m.get(1), m.get(2), rate, 0.9f);
        }
        @Override public void runList(Backend b, List<List<Matrix>> m, float rate) {
            b.momentumStep(m.get(0), m.get(1), m.get(2), rate, 0.9f);
        }
    },
    /** {@code h += g^2; p -= rate g / (sqrt(h) + eps)}: AdaGrad. */
    ADAGRAD_STEP("adagradStep", List.of(UNIFORM, UNIFORM, NON_NEGATIVE), List.of(0, 2), 5, 0.01f) {   // p, g, h in; p, h out
        @Override public void run(Backend b, List<Matrix> m, float rate) {
            b.adagradStep(m.get(0), m.get(1), m.get(2), rate, 1e-7f);
        }
        @Override public void runList(Backend b, List<List<Matrix>> m, float rate) {
            b.adagradStep(m.get(0), m.get(1), m.get(2), rate, 1e-7f);
        }
    },
    /** decay 0.99 as in the book's common/optimizer.py. */
    RMSPROP_STEP("rmspropStep", List.of(UNIFORM, UNIFORM, NON_NEGATIVE), List.of(0, 2), 5, 0.01f) {   // p, g, h in; p, h out
        @Override public void run(Backend b, List<Matrix> m, float rate) {
            b.rmspropStep(m.get(0), m.get(1), m.get(2), rate, 0.99f, 1e-7f);
        }
        @Override public void runList(Backend b, List<List<Matrix>> m, float rate) {
            b.rmspropStep(m.get(0), m.get(1), m.get(2), rate, 0.99f, 1e-7f);
        }
    },
    /** rate is Adam's lrT (the bias correction folded in). */
    ADAM_STEP("adamStep", List.of(UNIFORM, UNIFORM, UNIFORM, NON_NEGATIVE), List.of(0, 2, 3), 7, 0.003f) {   // p, g, m, v in; p, m, v out
        @Override public void run(Backend b, List<Matrix> m, float rate) {
            b.adamStep(m.get(0), m.get(1), m.get(2), m.get(3), rate, 0.9f, 0.999f, 1e-7f);
        }
        @Override public void runList(Backend b, List<List<Matrix>> m, float rate) {
            b.adamStep(m.get(0), m.get(1), m.get(2), m.get(3), rate, 0.9f, 0.999f, 1e-7f);
        }
    };

    private final String id;
    private final List<Op.Input> inputs;
    private final List<Integer> outputs;
    private final int touched;
    private final float checkRate;

    UpdateOp(String id, List<Op.Input> inputs, List<Integer> outputs, int touched, float checkRate) {
        this.id = id;
        this.inputs = inputs;
        this.outputs = outputs;
        this.touched = touched;
        this.checkRate = checkRate;
    }

    /** The list form: {@code m.get(k)} holds argument k of every tensor. */
    public abstract void runList(Backend b, List<List<Matrix>> m, float rate);

    /** The step size {@link Verifier} checks with: large enough that the update shows in every element. */
    public float checkRate() { return checkRate; }

    @Override public String id() { return id; }
    @Override public List<Op.Input> inputs() { return inputs; }
    @Override public List<Integer> outputs() { return outputs; }
    /** + - * / sqrt only. */
    @Override public Op.Accuracy accuracy() { return ARITH; }
    @Override public int touched() { return touched; }
}
