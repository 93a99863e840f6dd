package dev.clayers.train;

import java.util.Locale;

/** How the learning rate changes over the epochs of a run. */
public enum Schedule {
    /** The same rate every epoch. */
    CONSTANT {
        @Override public float rate(float lr, int epoch, int epochs) { return lr; }
    },
    /**
     * Cosine decay towards 0: epoch e (1-based) of E trains at {@code lr * (1 + cos(pi (e-1) / E)) / 2},
     * so the last epochs take small, steady steps instead of ending wherever a large step left the weights.
     */
    COSINE {
        @Override public float rate(float lr, int epoch, int epochs) {
            return (float) (lr * 0.5 * (1 + Math.cos(Math.PI * (epoch - 1) / epochs)));
        }
    };

    /** The learning rate of epoch {@code epoch} (1-based) of {@code epochs}, starting from {@code lr}. */
    public abstract float rate(float lr, int epoch, int epochs);

    /** {@code constant}, {@code cosine}. */
    public String id() { return name().toLowerCase(Locale.ROOT); }

    /** Parses an {@link #id()}, naming the valid ones when it is none. */
    public static Schedule parse(String s) {
        for (Schedule v : values()) if (v.id().equals(s.trim().toLowerCase(Locale.ROOT))) return v;
        throw new InvalidOptionException("schedule", "must be constant or cosine, got '" + s + "'");
    }
}
