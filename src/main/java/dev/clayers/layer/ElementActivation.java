package dev.clayers.layer;

import dev.clayers.backend.Backend;
import dev.clayers.backend.ElementOp;
import dev.clayers.backend.Matrix;

import java.util.List;

/**
 * An element-wise activation run by two ops of the {@link ElementOp} catalogue: a forward op
 * {@code (x, out)} and a backward op {@code (dout, saved, dx)} whose saved argument is the forward's
 * output (sigmoid: y(1 - y), tanh: 1 - y^2) or its input (GELU), as the backward op's
 * {@link ElementOp.Role} says; the layer keeps that one matrix and nothing else. The buffers, their
 * reuse across steps of one batch size and their release live here once.
 */
abstract class ElementActivation implements Layer {
    /** The backend the layer's buffers live on. */
    protected final Backend backend;
    private final String name;
    private final ElementOp forwardOp;
    private final ElementOp backwardOp;
    /** Whether backward reads the forward's input (else its output). */
    private final boolean keepsInput;
    private Matrix out;
    private Matrix saved;
    private Matrix dx;

    ElementActivation(Backend backend, String name, ElementOp forwardOp, ElementOp backwardOp) {
        List<ElementOp.Role> f = forwardOp.args().stream().map(ElementOp.Arg::role).toList();
        List<ElementOp.Role> b = backwardOp.args().stream().map(ElementOp.Arg::role).toList();
        if (!f.equals(List.of(ElementOp.Role.IN, ElementOp.Role.OUT))
                || b.size() != 3 || b.get(0) != ElementOp.Role.IN || b.get(2) != ElementOp.Role.OUT
                || (b.get(1) != ElementOp.Role.FORWARD_INPUT && b.get(1) != ElementOp.Role.FORWARD_OUTPUT)) {
            throw new IllegalArgumentException(forwardOp.id() + " / " + backwardOp.id() + " are not an activation's pair: need "
                    + "(x, out) forward and (dout, forward input or output, dx) backward");
        }
        this.backend = backend;
        this.name = name;
        this.forwardOp = forwardOp;
        this.backwardOp = backwardOp;
        this.keepsInput = b.get(1) == ElementOp.Role.FORWARD_INPUT;
    }

    @Override public final String name() { return name; }

    @Override
    public final Matrix forward(Matrix x) {
        out = Buffers.reuse(backend, out, x.rows(), x.cols());
        backend.elementwise(forwardOp, x, out);
        saved = keepsInput ? x : out;
        return out;
    }

    @Override
    public final Matrix backward(Matrix dout) {
        if (saved == null) throw new IllegalStateException(name + ": backward before forward");
        dx = Buffers.reuse(backend, dx, dout.rows(), dout.cols());
        backend.elementwise(backwardOp, dout, saved, dx);
        return dx;
    }

    @Override public final void close() { Buffers.close(out, dx); }
}
