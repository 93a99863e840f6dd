package dev.clayers.net;

import java.util.Locale;

/**
 * How weights are drawn: N(0, std^2) with std fixed (the book's 0.01), He (sqrt(2 / fan-in),
 * suited to ReLU) or Xavier (sqrt(1 / fan-in), suited to sigmoid). Biases start at zero.
 *
 * @param kind  {@code std}, {@code he} or {@code xavier}
 * @param value the fixed std when kind is {@code std}
 */
public record WeightInit(String kind, double value) {
    /** The book's fixed std 0.01 for every layer. */
    public static final WeightInit BOOK = new WeightInit("std", 0.01);
    /** He: std sqrt(2 / fan-in), for ReLU networks; the default of {@link Sequential#of(dev.clayers.backend.Backend, LayerSpec...)}. */
    public static final WeightInit HE = new WeightInit("he", 0);
    /** Xavier: std sqrt(1 / fan-in), for sigmoid networks. */
    public static final WeightInit XAVIER = new WeightInit("xavier", 0);

    /**
     * Checks the components.
     *
     * @throws IllegalArgumentException for a kind other than {@code std}, {@code he} or {@code xavier}, or a {@code std}
     *         that is not a positive number
     */
    public WeightInit {
        if (!kind.equals("std") && !kind.equals("he") && !kind.equals("xavier")) {
            throw new IllegalArgumentException("unknown weight init '" + kind + "'");
        }
        if (kind.equals("std") && !(value > 0 && Double.isFinite(value))) {
            throw new IllegalArgumentException("weight init std must be a positive number, got " + value);
        }
    }

    /** Parses {@code he}, {@code xavier} or a number such as {@code 0.01}. */
    public static WeightInit parse(String s) {
        String t = s.trim().toLowerCase(Locale.ROOT);
        if (t.equals("he") || t.equals("xavier")) return new WeightInit(t, 0);
        try {
            return new WeightInit("std", Double.parseDouble(t));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("unknown weight init '" + s + "'; valid: he, xavier, or a std such as 0.01");
        }
    }

    /** Standard deviation for a layer with {@code fanIn} inputs. */
    public double std(int fanIn) {
        return switch (kind) {
            case "he" -> Math.sqrt(2.0 / fanIn);
            case "xavier" -> Math.sqrt(1.0 / fanIn);
            default -> value;
        };
    }

    @Override
    public String toString() { return kind.equals("std") ? Double.toString(value) : kind; }
}
