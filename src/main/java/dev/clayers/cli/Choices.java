package dev.clayers.cli;

import dev.clayers.net.Activation;
import dev.clayers.train.Optimizer;

import java.util.Iterator;

/**
 * The valid values of options that name a library enum, for picocli's
 * {@code ${COMPLETION-CANDIDATES}} in {@code --help}: the texts follow the enums, so a new
 * activation or optimizer needs no help text edited.
 */
final class Choices {
    private Choices() {}

    /** {@code relu, sigmoid, ...} */
    static final class Activations implements Iterable<String> {
        @Override public Iterator<String> iterator() { return Activation.ids().iterator(); }
    }

    /** {@code sgd, momentum, ...} */
    static final class Optimizers implements Iterable<String> {
        @Override public Iterator<String> iterator() { return Optimizer.KINDS.iterator(); }
    }
}
