package dev.clayers.net;

import java.util.Locale;

/** Hidden-layer activation. */
public enum Activation {
    RELU, SIGMOID;

    public static Activation parse(String s) {
        try {
            return valueOf(s.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown activation '" + s + "'; valid: relu, sigmoid");
        }
    }

    public String id() { return name().toLowerCase(Locale.ROOT); }
}
