package dev.clayers.backend;

import dev.clayers.backend.cpu.ElementFunctions;

import java.util.List;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import static dev.clayers.backend.Op.Accuracy.ARITH;
import static dev.clayers.backend.Op.Accuracy.POLY_EXP;
import static dev.clayers.backend.Op.Accuracy.TRANSCENDENTAL;
import static dev.clayers.backend.Op.Input.MASK;
import static dev.clayers.backend.Op.Input.SPREAD;
import static dev.clayers.backend.Op.Input.UNIFORM;
import static dev.clayers.backend.Op.Input.UNIT;
import static dev.clayers.backend.Op.Input.WIDE;

/**
 * The element-wise ops of the {@link Op} catalogue: activations forward and backward, and the
 * element-wise product. Each constant is the whole of an op: its arguments (all matrices of one
 * shape, in call order), its Java reference over a range of elements, and the OpenCL kernel
 * that computes it; {@link Backend#elementwise} runs it on any backend, so a new activation is a
 * constant here, its Java function and its kernels, and no new Backend method. {@code clayers
 * bench} times them on a batch of activations (batch x 100).
 *
 * <p>Every kernel takes {@code (int n, buffer per argument in this order)} and computes
 * element i from element i of each argument only, so an output may be the same matrix as an
 * input; two outputs must be distinct.
 */
public enum ElementOp implements Op {
    /** ReLU: {@code mask = x > 0 ? 1 : 0}, {@code out = x * mask} (NaN and -0 give 0). */
    RELU_FORWARD("reluForward", "activations.cl", "relu_forward", ARITH, ElementFunctions::reluForward,
            in("x", UNIFORM), out("out"), out("mask")),
    /** ReLU backward: {@code dx = dout * mask}. */
    RELU_BACKWARD("reluBackward", "activations.cl", "relu_backward", ARITH, ElementFunctions::reluBackward,
            in("dout", UNIFORM), in("mask", MASK), out("dx")),
    /** Sigmoid {@code out = 1 / (1 + exp(-x))}, evaluated without overflow for large |x|. */
    SIGMOID_FORWARD("sigmoidForward", "activations.cl", "sigmoid_forward", TRANSCENDENTAL, ElementFunctions::sigmoidForward,
            in("x", WIDE), out("out")),
    /** Sigmoid backward from the forward output y: {@code dx = dout * y * (1 - y)}. */
    SIGMOID_BACKWARD("sigmoidBackward", "activations.cl", "sigmoid_backward", ARITH, ElementFunctions::sigmoidBackward,
            in("dout", UNIFORM), forwardOutput("y", UNIT), out("dx")),
    /**
     * {@code out = tanh(x) = (1 - e^-2x) / (1 + e^-2x)}, evaluated without overflow for large |x|
     * (saturating to +-1) and without cancellation for small |x|.
     */
    TANH_FORWARD("tanhForward", "activations.cl", "tanh_forward", TRANSCENDENTAL, ElementFunctions::tanhForward,
            in("x", WIDE), out("out")),
    /** Tanh backward from the forward output y in [-1, 1]: {@code dx = dout * (1 - y * y)}. */
    TANH_BACKWARD("tanhBackward", "activations.cl", "tanh_backward", ARITH, ElementFunctions::tanhBackward,
            in("dout", UNIFORM), forwardOutput("y", UNIFORM), out("dx")),
    /**
     * GELU, the tanh approximation exactly as PyTorch's {@code GELU(approximate='tanh')}:
     * {@code out = 0.5 x (1 + tanh(u))}, {@code u = sqrt(2/pi) (x + 0.044715 x^3)}, evaluated as
     * {@code x / (1 + exp(-2u))} (the same function; no 1 + tanh cancellation for negative x), and
     * past |x| = 10 the limits x and 0, so a huge x^3 gives no inf/inf.
     */
    GELU_FORWARD("geluForward", "activations.cl", "gelu_forward", POLY_EXP, ElementFunctions::geluForward,
            in("x", SPREAD), out("out")),
    /**
     * GELU backward from the forward input x: {@code dx = dout * gelu'(x)},
     * {@code gelu'(x) = s + 2 x s (1 - s) sqrt(2/pi) (1 + 3 * 0.044715 x^2)} with
     * {@code s = 1 / (1 + exp(-2u))} (PyTorch's 0.5 (1 + tanh u) + 0.5 x (1 - tanh^2 u) u'), and 1 and 0
     * past x = 10 and x = -10.
     */
    GELU_BACKWARD("geluBackward", "activations.cl", "gelu_backward", POLY_EXP, ElementFunctions::geluBackward,
            in("dout", UNIFORM), forwardInput("x", SPREAD), out("dx")),
    /** Element-wise product {@code out = a * b} (dropout forward and backward). */
    MULTIPLY("multiply", "random.cl", "multiply", ARITH, ElementFunctions::multiply,
            in("a", UNIFORM), in("b", UNIFORM), out("out"));

    /**
     * An op's Java reference over elements {@code [from, to)}: {@code args[k]} is argument k's
     * data (row-major), in {@link #args()} order. Each element must be computed the same way
     * whatever range it falls in, so results do not depend on how the work is split.
     */
    @FunctionalInterface
    public interface JavaKernel {
        /** Computes elements {@code [from, to)} of the op's outputs from its inputs, all in {@code args}. */
        void apply(float[][] args, int from, int to);
    }

    /** What an argument is to the op and to the layer that calls it. */
    public enum Role {
        /** Read only. */
        IN,
        /** Written (its old contents are ignored). */
        OUT,
        /** Read by a backward op: the input of the forward op it differentiates, which the layer keeps. */
        FORWARD_INPUT,
        /** Read by a backward op: the output of the forward op it differentiates, which the layer keeps. */
        FORWARD_OUTPUT
    }

    /**
     * One matrix argument: its name (for messages), the data a check or bench gives it, and its role.
     *
     * @param name the argument's name in messages and reports
     * @param data the values a check or benchmark fills it with
     * @param role whether the op reads or writes it
     */
    public record Arg(String name, Op.Input data, Role role) {}

    private static Arg in(String name, Op.Input data) { return new Arg(name, data, Role.IN); }
    private static Arg out(String name) { return new Arg(name, UNIFORM, Role.OUT); }   // old contents: garbage it must ignore
    private static Arg forwardInput(String name, Op.Input data) { return new Arg(name, data, Role.FORWARD_INPUT); }
    private static Arg forwardOutput(String name, Op.Input data) { return new Arg(name, data, Role.FORWARD_OUTPUT); }

    private final String id;
    private final String kernelFile;
    private final String kernel;
    private final Op.Accuracy accuracy;
    private final JavaKernel java;
    private final List<Arg> args;

    ElementOp(String id, String kernelFile, String kernel, Op.Accuracy accuracy, JavaKernel java, Arg... args) {
        this.id = id;
        this.kernelFile = kernelFile;
        this.kernel = kernel;
        this.accuracy = accuracy;
        this.java = java;
        this.args = List.of(args);
    }

    /** The arguments in call order. */
    public List<Arg> args() { return args; }

    /** The Java reference ({@code CpuBackend} runs it, split over cores). */
    public JavaKernel java() { return java; }

    /** The file under {@code kernels/} that defines {@link #kernel()}. */
    public String kernelFile() { return kernelFile; }

    /** The OpenCL kernel: {@code (int n, one buffer per argument in call order)}. */
    public String kernel() { return kernel; }

    /** Positions in {@link #args()} of the argument with {@code role}, in order. */
    public List<Integer> positions(Role role) {
        return IntStream.range(0, args.size()).filter(k -> args.get(k).role() == role).boxed().toList();
    }

    /** The catalogue name ({@code reluForward}, ...): bench case names and verify lines. */
    @Override public String id() { return id; }
    @Override public List<Op.Input> inputs() { return args.stream().map(Arg::data).toList(); }
    @Override public List<Integer> outputs() { return positions(Role.OUT); }
    @Override public Op.Accuracy accuracy() { return accuracy; }
    /** Each argument is read or written once per element. */
    @Override public int touched() { return args.size(); }

    @Override
    public void run(Backend b, List<Matrix> m, float rate) {
        b.elementwise(this, m.toArray(Matrix[]::new));
    }

    /** Every kernel file the catalogue's kernels live in. */
    public static List<String> kernelFiles() {
        return Stream.of(values()).map(ElementOp::kernelFile).distinct().toList();
    }
}
