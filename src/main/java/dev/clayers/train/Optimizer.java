package dev.clayers.train;

import dev.clayers.backend.Backend;
import dev.clayers.backend.Matrix;
import dev.clayers.layer.Param;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Updates parameters in place on their device from their gradients. The per-parameter state
 * (velocity, squared-gradient sums, moments) lives on the device too, named after the parameter
 * ({@code affine1.W.v}) so checkpoints can save and restore it.
 */
public abstract sealed class Optimizer implements AutoCloseable
        permits Optimizer.Sgd, Optimizer.Momentum, Optimizer.AdaGrad, Optimizer.RmsProp, Optimizer.Adam {

    /** The backend the parameters and the optimizer's state live on. */
    protected final Backend backend;
    /** The current step size, positive; {@link #setLearningRate} changes it. */
    protected float lr;
    /** Updates applied so far (Adam's bias correction needs it; checkpoints keep it). */
    protected long steps;
    private final Map<String, Matrix> state = new LinkedHashMap<>();

    /**
     * For subclasses: an optimizer on {@code backend} with step size {@code lr}.
     *
     * @throws IllegalArgumentException when lr is not a positive number
     */
    protected Optimizer(Backend backend, float lr) {
        if (!(lr > 0) || !Float.isFinite(lr)) {
            throw new IllegalArgumentException("learning rate must be a positive number, got " + lr);
        }
        this.backend = backend;
        this.lr = lr;
    }

    /**
     * The optimizers, each with the book's defaults for its other settings (momentum 0.9; RMSprop's
     * decay 0.99; Adam's beta1 0.9, beta2 0.999). The one place a name becomes an optimizer.
     */
    public enum Kind {
        /** Plain SGD. */
        SGD {
            @Override public Optimizer create(Backend backend, float lr) { return new Sgd(backend, lr); }
        },
        /** SGD with momentum 0.9. */
        MOMENTUM {
            @Override public Optimizer create(Backend backend, float lr) { return new Momentum(backend, lr, 0.9f); }
        },
        /** AdaGrad. */
        ADAGRAD {
            @Override public Optimizer create(Backend backend, float lr) { return new AdaGrad(backend, lr); }
        },
        /** RMSprop with decay 0.99. */
        RMSPROP {
            @Override public Optimizer create(Backend backend, float lr) { return new RmsProp(backend, lr, 0.99f); }
        },
        /** Adam with beta1 0.9 and beta2 0.999. */
        ADAM {
            @Override public Optimizer create(Backend backend, float lr) { return new Adam(backend, lr, 0.9f, 0.999f); }
        };

        /** A new optimizer of this kind with step size {@code lr}; close it when done (it holds device state). */
        public abstract Optimizer create(Backend backend, float lr);

        /** {@code sgd}, {@code momentum}, {@code adagrad}, {@code rmsprop}, {@code adam}. */
        public String id() { return name().toLowerCase(Locale.ROOT); }

        /** Parses an {@link #id()} (case-insensitive), naming the valid ones when it is none. */
        public static Kind parse(String s) {
            for (Kind k : values()) if (k.id().equals(s.trim().toLowerCase(Locale.ROOT))) return k;
            throw new IllegalArgumentException("unknown optimizer '" + s + "'; valid: " + String.join(", ", KINDS));
        }
    }

    /** The optimizer names {@link Kind#parse} accepts. */
    public static final List<String> KINDS = java.util.Arrays.stream(Kind.values()).map(Kind::id).toList();

    /** Creates an optimizer by its {@link Kind#id()} with the book's defaults for the rest. */
    public static Optimizer create(String kind, Backend backend, float lr) {
        return Kind.parse(kind).create(backend, lr);
    }

    /** {@code sgd}, {@code momentum}, ... */
    public abstract String kind();

    /** The current step size. */
    public float learningRate() { return lr; }

    /** Changes the step size from the next update on (learning-rate schedules). */
    public void setLearningRate(float lr) {
        if (!(lr > 0) || !Float.isFinite(lr)) {
            throw new IllegalArgumentException("learning rate must be a positive number, got " + lr);
        }
        this.lr = lr;
    }
    /** Updates applied so far ({@link #step} calls, counted across a resumed checkpoint). */
    public long steps() { return steps; }

    /**
     * Applies one update to every parameter from its current gradient, through the backend's list
     * forms: one launch per four parameters on OpenCL.
     */
    public final void step(List<Param> params) {
        steps++;
        update(params);
    }

    /** Applies one update to every parameter; {@link #step} has already counted it. */
    protected abstract void update(List<Param> params);

    /** The value matrices of {@code params}, in order. */
    protected static List<Matrix> values(List<Param> params) { return params.stream().map(Param::value).toList(); }

    /** The gradient matrices of {@code params}, in order. */
    protected static List<Matrix> grads(List<Param> params) { return params.stream().map(Param::grad).toList(); }

    /** The state buffers {@code <param>.<suffix>} of these parameters, created on first use. */
    protected final List<Matrix> states(List<Param> params, String suffix) {
        return params.stream().map(p -> state(p, suffix)).toList();
    }

    /** Zero-initialised state buffer {@code <param>.<suffix>}, created on first use. */
    protected final Matrix state(Param p, String suffix) {
        return state.computeIfAbsent(p.name() + "." + suffix, k -> backend.alloc(p.value().rows(), p.value().cols()));
    }

    /** How many buffers the size of a parameter this optimizer keeps per parameter (for memory estimates). */
    public final int stateBuffersPerParam() { return stateSuffixes().size(); }

    /** Names of the state buffers this optimizer keeps for a parameter. */
    protected abstract List<String> stateSuffixes();

    /** The state buffers that hold sums or averages of squares, which are never negative. */
    protected List<String> squaredSuffixes() { return List.of(); }

    /**
     * Checks saved values for the state buffer {@code name} ({@code affine1.W.v}) before they are
     * written back: the buffer's length, finite numbers, and no negative sum of squares (its
     * square root would be NaN and poison every later step). Names the buffer and index.
     */
    public final void checkState(String name, Matrix buffer, float[] values) {
        if (values.length != buffer.size()) {
            throw new IllegalArgumentException("optimizer state " + name + " has " + values.length + " values but its"
                    + " parameter has " + buffer.size());
        }
        boolean squares = squaredSuffixes().stream().anyMatch(sfx -> name.endsWith("." + sfx));
        for (int i = 0; i < values.length; i++) {
            if (!Float.isFinite(values[i]) || (squares && values[i] < 0f)) {
                throw new IllegalArgumentException("optimizer state " + name + " holds " + values[i] + " at index " + i
                        + (squares ? "; a sum of squares must be a finite number >= 0" : "; it must be a finite number")
                        + " (a checkpoint from a diverged run, or a damaged file)");
            }
        }
    }

    /**
     * Every state buffer for these parameters, created if needed, by name. Checkpoints download
     * them and write them back on resume.
     */
    public final Map<String, Matrix> state(List<Param> params) {
        Map<String, Matrix> out = new LinkedHashMap<>();
        for (Param p : params) {
            for (String s : stateSuffixes()) out.put(p.name() + "." + s, state(p, s));
        }
        return out;
    }

    /** Restores the step count (from a checkpoint). */
    public final void setSteps(long steps) {
        if (steps < 0) throw new IllegalArgumentException("steps must be >= 0, got " + steps);
        this.steps = steps;
    }

    @Override
    public void close() {
        state.values().forEach(Matrix::close);
        state.clear();
    }

    /** Plain SGD: {@code p -= lr * g}. */
    public static final class Sgd extends Optimizer {
        /** SGD with step size {@code lr} on {@code backend}. */
        public Sgd(Backend backend, float lr) { super(backend, lr); }
        @Override public String kind() { return "sgd"; }
        @Override protected List<String> stateSuffixes() { return List.of(); }
        @Override protected void update(List<Param> ps) { backend.axpy(-lr, grads(ps), values(ps)); }
    }

    /** Momentum: {@code v = m v - lr g; p += v}. */
    public static final class Momentum extends Optimizer {
        private final float momentum;
        /** Momentum with step size {@code lr} and momentum {@code momentum} (the book's 0.9). */
        public Momentum(Backend backend, float lr, float momentum) {
            super(backend, lr);
            this.momentum = momentum;
        }
        @Override public String kind() { return "momentum"; }
        @Override protected List<String> stateSuffixes() { return List.of("v"); }
        @Override protected void update(List<Param> ps) {
            backend.momentumStep(values(ps), grads(ps), states(ps, "v"), lr, momentum);
        }
    }

    /** AdaGrad: the step shrinks per parameter with the sum of its squared gradients. */
    public static final class AdaGrad extends Optimizer {
        /** Keeps the first division finite when h is still zero (the book's 1e-7). */
        private static final float EPS = 1e-7f;
        /** AdaGrad with step size {@code lr}. */
        public AdaGrad(Backend backend, float lr) { super(backend, lr); }
        @Override public String kind() { return "adagrad"; }
        @Override protected List<String> stateSuffixes() { return List.of("h"); }
        @Override protected List<String> squaredSuffixes() { return List.of("h"); }
        @Override protected void update(List<Param> ps) {
            backend.adagradStep(values(ps), grads(ps), states(ps, "h"), lr, EPS);
        }
    }

    /**
     * RMSprop: like AdaGrad, but h is a moving average of squared gradients (weight {@code decay}
     * on the past), so old gradients are forgotten and the step does not shrink towards zero.
     */
    public static final class RmsProp extends Optimizer {
        /** Keeps the first division finite when h is still zero (the book's 1e-7). */
        private static final float EPS = 1e-7f;
        private final float decay;
        /** RMSprop with step size {@code lr} and decay {@code decay} of the squared-gradient average (the book's 0.99). */
        public RmsProp(Backend backend, float lr, float decay) {
            super(backend, lr);
            if (!(decay >= 0f && decay < 1f)) throw new IllegalArgumentException("RMSprop decay must be in [0, 1), got " + decay);
            this.decay = decay;
        }
        @Override public String kind() { return "rmsprop"; }
        @Override protected List<String> stateSuffixes() { return List.of("h"); }
        @Override protected List<String> squaredSuffixes() { return List.of("h"); }
        @Override protected void update(List<Param> ps) {
            backend.rmspropStep(values(ps), grads(ps), states(ps, "h"), lr, decay, EPS);
        }
    }

    /** Adam as in the book: bias correction folded into the step size lr_t. */
    public static final class Adam extends Optimizer {
        private static final float EPS = 1e-7f;
        private final float beta1;
        private final float beta2;
        /**
         * Adam with step size {@code lr} and decays {@code beta1}, {@code beta2} of the gradient's first and second
         * moment averages (the book's 0.9 and 0.999).
         */
        public Adam(Backend backend, float lr, float beta1, float beta2) {
            super(backend, lr);
            this.beta1 = beta1;
            this.beta2 = beta2;
        }
        @Override public String kind() { return "adam"; }
        @Override protected List<String> stateSuffixes() { return List.of("m", "v"); }
        @Override protected List<String> squaredSuffixes() { return List.of("v"); }
        @Override protected void update(List<Param> ps) {
            double lrT = lr * Math.sqrt(1 - Math.pow(beta2, steps)) / (1 - Math.pow(beta1, steps));
            backend.adamStep(values(ps), grads(ps), states(ps, "m"), states(ps, "v"), (float) lrT, beta1, beta2, EPS);
        }
    }
}
