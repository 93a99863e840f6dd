package dev.clayers.train;

import java.util.Locale;

/**
 * How the learning rate changes over the epochs of a run: epoch {@code e} (1-based) of {@code E}
 * trains at {@link #rate rate(lr, e, E)}, set at the start of the epoch. The CLI names
 * ({@code --schedule}) are {@link #id()}s; any lambda works from Java:
 *
 * <pre>{@code
 * Schedule.COSINE
 * Schedule.step(10, 0.5f)                      // halve every 10 epochs
 * Schedule.exponential(0.95f)                  // times 0.95 each epoch
 * Schedule.warmup(3, Schedule.COSINE)          // linear warm-up over 3 epochs, then cosine over the rest
 * Schedule.of("mine", (lr, e, n) -> e <= 5 ? lr : lr / 10)
 * }</pre>
 */
@FunctionalInterface
public interface Schedule {

    /** The learning rate of epoch {@code epoch} (1-based) of {@code epochs}, starting from {@code lr}. */
    float rate(float lr, int epoch, int epochs);

    /** The name that {@link #parse} reads back ({@code cosine}, {@code step:10:0.5}, ...). */
    default String id() { return "custom"; }

    /** The same rate every epoch. */
    Schedule CONSTANT = named("constant", (lr, e, n) -> lr);

    /**
     * Cosine decay towards 0: epoch e of E trains at {@code lr * (1 + cos(pi (e-1) / E)) / 2}, so the
     * last epochs take small, steady steps instead of ending wherever a large step left the weights.
     */
    Schedule COSINE = named("cosine", (lr, e, n) -> (float) (lr * 0.5 * (1 + Math.cos(Math.PI * (e - 1) / n))));

    /** Multiplies the rate by {@code factor} every {@code every} epochs ({@code step:EVERY:FACTOR}). */
    static Schedule step(int every, float factor) {
        if (every <= 0) throw new InvalidOptionException("schedule", "step needs a positive epoch count, got " + every);
        checkFactor(factor);
        return named("step:" + every + ":" + factor, (lr, e, n) -> (float) (lr * Math.pow(factor, (e - 1) / every)));
    }

    /** Multiplies the rate by {@code gamma} every epoch ({@code exp:GAMMA}). */
    static Schedule exponential(float gamma) {
        checkFactor(gamma);
        return named("exp:" + gamma, (lr, e, n) -> (float) (lr * Math.pow(gamma, e - 1)));
    }

    /**
     * A linear warm-up over the first {@code epochs} epochs (epoch w of W at {@code lr * w / (W + 1)}),
     * then {@code then} over the remaining epochs as if they were the whole run
     * ({@code warmup:EPOCHS+THEN}).
     */
    static Schedule warmup(int epochs, Schedule then) {
        if (epochs <= 0) throw new InvalidOptionException("schedule", "warm-up needs a positive epoch count, got " + epochs);
        if (then == null) throw new InvalidOptionException("schedule", "warm-up needs the schedule that follows it");
        return named("warmup:" + epochs + "+" + then.id(), (lr, e, n) -> e <= epochs ? lr * e / (epochs + 1)
                : then.rate(lr, e - epochs, Math.max(n - epochs, 1)));
    }

    /** Any function of (lr, epoch, epochs), under a name for logs and saved settings. */
    static Schedule of(String name, Schedule rate) {
        if (name == null || name.isBlank()) throw new InvalidOptionException("schedule", "needs a name");
        return named("custom:" + name, rate);
    }

    private static void checkFactor(float f) {
        if (!(f > 0f && f <= 1f)) throw new InvalidOptionException("schedule", "factor must be in (0, 1], got " + f);
    }

    private static Schedule named(String id, Schedule rate) {
        return new Schedule() {
            @Override public float rate(float lr, int epoch, int epochs) { return rate.rate(lr, epoch, epochs); }
            @Override public String id() { return id; }
            @Override public String toString() { return id; }
        };
    }

    /** What {@link #parse} reads, for help texts and messages. */
    String SYNTAX = "constant, cosine, step:EVERY:FACTOR, exp:GAMMA, or warmup:EPOCHS+SCHEDULE";

    /** Parses an {@link #id()}, naming the valid forms when it is none. */
    static Schedule parse(String s) {
        String t = s == null ? "" : s.trim().toLowerCase(Locale.ROOT);
        try {
            if (t.equals("constant")) return CONSTANT;
            if (t.equals("cosine")) return COSINE;
            String[] p = t.split(":", -1);
            if (p[0].equals("step") && p.length == 3) return step(Integer.parseInt(p[1]), Float.parseFloat(p[2]));
            if (p[0].equals("exp") && p.length == 2) return exponential(Float.parseFloat(p[1]));
            if (t.startsWith("warmup:") && t.indexOf('+') > 7) {
                return warmup(Integer.parseInt(t.substring(7, t.indexOf('+'))), parse(t.substring(t.indexOf('+') + 1)));
            }
            if (t.startsWith("custom:")) {
                // A Java lambda cannot be saved: a checkpoint that names one must be resumed with it.
                String name = t.substring(7);
                return named(t, (lr, e, n) -> {
                    throw new InvalidOptionException("schedule", "the run used the Java schedule '" + name
                            + "', which a file cannot hold; resume with FitOptions that set it again");
                });
            }
        } catch (NumberFormatException e) {
            // falls through to the message below
        } catch (InvalidOptionException e) {
            throw new InvalidOptionException("schedule", "'" + s + "': " + e.getMessage());
        }
        throw new InvalidOptionException("schedule", "must be " + SYNTAX + "; got '" + s + "'");
    }
}
