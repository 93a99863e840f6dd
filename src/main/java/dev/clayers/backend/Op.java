package dev.clayers.backend;

import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

/**
 * The op catalogue: each element-wise {@link Backend} op described once, with what it takes to
 * check it and to time it ({@link ElementOp}s are run by {@link Backend#elementwise} and nothing
 * else). {@link Verifier} (and so {@code clayers verify} and the contract tests)
 * and {@code clayers bench} iterate over the catalogue instead of naming ops; a new constant must
 * implement {@link #run}, and {@code OpCatalogueTest} fails when a Backend method is in no
 * catalogue and no other check.
 *
 * <p>Every matrix an op takes has the same shape; {@link #inputs()} lists them in call order with
 * the data each one gets, {@link #outputs()} says which of them the op modifies (those are
 * compared), {@link #accuracy()} how closely, and {@link #touched()} how many matrices it reads
 * plus writes per element (the bench's bytes moved).
 */
public sealed interface Op permits ElementOp, UpdateOp {

    /**
     * The op's name: for a parameter update the {@link Backend} method it is ({@code adamStep}),
     * for an element op its catalogue name ({@code reluForward}), run by {@link Backend#elementwise}.
     */
    String id();

    /** The data each matrix argument gets, in call order. */
    List<Input> inputs();

    /** Positions in {@link #inputs()} of the matrices the op modifies. */
    List<Integer> outputs();

    /** How closely an output must match the reference. */
    Accuracy accuracy();

    /** Matrices read plus matrices written per element: {@code 4 * touched} bytes per element. */
    int touched();

    /**
     * Runs the op on matrices laid out as {@link #inputs()}. {@code rate} is the step size of a
     * parameter update (ignored by activations); see {@link UpdateOp#checkRate()}.
     */
    void run(Backend b, List<Matrix> m, float rate);

    /** Every op of the catalogue: activations first, then parameter updates. */
    static List<Op> all() {
        return Stream.concat(Stream.of(ElementOp.values()), Stream.of(UpdateOp.values())).map(Op.class::cast).toList();
    }

    /** What an op's argument holds when checked or timed. */
    enum Input {
        /** Uniform in [-1, 1). */
        UNIFORM,
        /** 0 or 1 (a ReLU mask). */
        MASK,
        /** Uniform in [-120, 120): far into both saturated tails of sigmoid and tanh. */
        WIDE,
        /** Uniform in [0, 1): a valid sigmoid output. */
        UNIT,
        /** Uniform in [-12, 12): GELU's curved middle and, past |x| = 10, a little of both limits. */
        SPREAD,
        /** |uniform|: an accumulator of squares (AdaGrad's h, Adam's v), which is never negative. */
        NON_NEGATIVE;

        /** n seeded values for this input. */
        public float[] draw(Random rnd, int n) {
            float[] x = Verifier.random(rnd, n);
            for (int i = 0; i < n; i++) {
                x[i] = switch (this) {
                    case UNIFORM -> x[i];
                    case MASK -> x[i] > 0 ? 1f : 0f;
                    case WIDE -> x[i] * 120f;
                    case UNIT -> 0.5f * (x[i] + 1f);
                    case SPREAD -> x[i] * 12f;
                    case NON_NEGATIVE -> Math.abs(x[i]);
                };
            }
            return x;
        }
    }

    /** The tolerance classes of {@link Verifier}'s class comment that element-wise ops use. */
    enum Accuracy {
        /** + - * / sqrt: abs 1e-7 * max|ref| + rel 1e-6. */
        ARITH,
        /** exp and friends at 3 ulp against a double reference: abs 1e-7 + rel 2e-6. */
        TRANSCENDENTAL,
        /** exp of a rounded polynomial, and sums of such terms that may cancel (GELU): {@link Verifier#POLY_EXP}. */
        POLY_EXP;

        /** This class's tolerance for an op whose reference output is {@code ref}. */
        public Verifier.Tolerance tolerance(float[] ref) {
            return switch (this) {
                case ARITH -> Verifier.arith(ref);
                case TRANSCENDENTAL -> Verifier.TRANSCENDENTAL;
                case POLY_EXP -> Verifier.POLY_EXP;
            };
        }

        /** This class's tolerance as text, as reports print it. */
        public String text() {
            return this == ARITH ? Verifier.ARITH : tolerance(new float[0]).toString();
        }

        /** Whether the op takes exp (so costs as much per element as one). */
        public boolean transcendental() { return this != ARITH; }
    }
}
