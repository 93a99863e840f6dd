package dev.clayers.onnx;

import dev.clayers.net.Activation;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A run of element-wise ONNX nodes computing y = f(x) from one tensor x and scalar constants, such
 * as the ops PyTorch writes for {@code GELU(approximate='tanh')} at opsets below 20
 * ({@code 0.5 * x * (1 + Tanh(sqrt(2/pi) * (x + 0.044715 * Pow(x, 3))))}). Exporters spell the same
 * function in many ways, so instead of matching one spelling the run is evaluated, in double, at
 * {@link #PROBES} points over [-12, 12] and a few far ones, and compared with each activation clayers
 * has: a run that agrees with one everywhere within {@link #TOLERANCE} (relative, plus the same
 * absolute) is that activation. Every input but x is a one-element constant, so f acts on each
 * value alone and the probes see all of it; an unknown function is refused, never approximated.
 */
final class ElementwiseFunction {
    /** The ops a run may hold: unary and binary arithmetic, and tanh (GELU's). */
    static final Set<String> OPS = Set.of("Add", "Sub", "Mul", "Div", "Pow", "Sqrt", "Erf", "Neg", "Tanh");

    /** Agreement asked for: float32 constants (sqrt(2/pi) rounded to float) move f by about 1e-8 relative. */
    static final double TOLERANCE = 1e-6;

    /** The x values f is evaluated at. */
    static final double[] PROBES = probes();

    private static double[] probes() {
        List<Double> xs = new ArrayList<>();
        for (int i = -192; i <= 192; i++) xs.add(i / 16.0);
        for (double far : new double[] {15, 20, 30, 50, 100}) {
            xs.add(far);
            xs.add(-far);
        }
        return xs.stream().mapToDouble(Double::doubleValue).toArray();
    }

    /** One node of a run: op, inputs (value names), output (value name). */
    record Step(String op, List<String> inputs, String output) {}

    private ElementwiseFunction() {}

    /**
     * Which activation the run computes, from input value {@code x} through {@code steps} (in graph
     * order) to {@code y}, with {@code scalars} the one-element constants by name; empty when none matches.
     */
    static Optional<Activation> identify(String x, List<Step> steps, String y, Map<String, Double> scalars) {
        double[] f = evaluate(x, steps, y, scalars);
        for (Activation a : Activation.values()) {
            if (matches(f, a)) return Optional.of(a);
        }
        return Optional.empty();
    }

    /** Whether the run computes GELU's erf form (PyTorch's default), which clayers does not have: for the message. */
    static boolean isErfGelu(String x, List<Step> steps, String y, Map<String, Double> scalars) {
        double[] f = evaluate(x, steps, y, scalars);
        for (int i = 0; i < PROBES.length; i++) {
            double ref = 0.5 * PROBES[i] * (1 + erf(PROBES[i] / Math.sqrt(2)));
            if (!(Math.abs(f[i] - ref) <= 1e-5 * (1 + Math.abs(ref)))) return false;
        }
        return true;
    }

    private static boolean matches(double[] f, Activation a) {
        for (int i = 0; i < PROBES.length; i++) {
            double ref = reference(a, PROBES[i]);
            if (!(Math.abs(f[i] - ref) <= TOLERANCE * (1 + Math.abs(ref)))) return false;
        }
        return true;
    }

    /** Each activation's formula in double, as its layer computes it. */
    static double reference(Activation a, double x) {
        return switch (a) {
            case RELU -> Math.max(0, x);
            case SIGMOID -> 1 / (1 + Math.exp(-x));
            case TANH -> Math.tanh(x);
            case GELU -> 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x)));
        };
    }

    /** f at every probe; NaN where the run is undefined (a square root of a negative number, say). */
    private static double[] evaluate(String x, List<Step> steps, String y, Map<String, Double> scalars) {
        double[] out = new double[PROBES.length];
        Map<String, Double> v = new HashMap<>();
        for (int i = 0; i < PROBES.length; i++) {
            v.clear();
            v.putAll(scalars);
            v.put(x, PROBES[i]);
            for (Step s : steps) v.put(s.output(), apply(s, v));
            out[i] = v.get(y);
        }
        return out;
    }

    private static double apply(Step s, Map<String, Double> v) {
        double a = v.get(s.inputs().get(0));
        double b = s.inputs().size() > 1 ? v.get(s.inputs().get(1)) : Double.NaN;
        return switch (s.op()) {
            case "Add" -> a + b;
            case "Sub" -> a - b;
            case "Mul" -> a * b;
            case "Div" -> a / b;
            case "Pow" -> Math.pow(a, b);
            case "Sqrt" -> Math.sqrt(a);
            case "Erf" -> erf(a);
            case "Neg" -> -a;
            case "Tanh" -> Math.tanh(a);
            default -> throw new IllegalStateException("not an element-wise op: " + s.op());
        };
    }

    /**
     * erf to about 1e-7 (Abramowitz and Stegun 7.1.26), enough to tell GELU's erf form from its tanh
     * approximation, which differ by up to 5e-4: only used to explain a refusal.
     */
    static double erf(double x) {
        double t = 1 / (1 + 0.3275911 * Math.abs(x));
        double poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
        double r = 1 - poly * Math.exp(-x * x);
        return x >= 0 ? r : -r;
    }
}
