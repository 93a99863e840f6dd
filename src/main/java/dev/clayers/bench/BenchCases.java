package dev.clayers.bench;

import dev.clayers.Limits;
import dev.clayers.backend.Backend;
import dev.clayers.backend.ElementOp;
import dev.clayers.backend.IntVector;
import dev.clayers.backend.Matrix;
import dev.clayers.backend.Op;
import dev.clayers.backend.UpdateOp;
import dev.clayers.backend.Verifier;
import dev.clayers.net.Activation;
import dev.clayers.net.Architecture;
import dev.clayers.net.NetSpec;
import dev.clayers.net.Sequential;
import dev.clayers.net.WeightInit;
import dev.clayers.train.Optimizer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.regex.Pattern;

/**
 * The cases {@code clayers bench} runs, and factories for single cases (tests use tiny ones).
 * Every case's data is seeded, so each device sees the same numbers.
 */
public final class BenchCases {
    private BenchCases() {}

    /** Square gemm sizes; {@code --quick} drops 2048. */
    static final int[] SQUARE = {256, 512, 1024, 2048};
    /** Batch sizes for the element-wise ops; {@code --quick} drops 10,000. */
    static final int[] OP_BATCHES = {100, 10_000};
    /** Hidden widths of the 784-H-10 train-step networks. */
    static final int[] HIDDEN = {50, 100, 1000};
    /** Train-step batches. */
    static final int[] TRAIN_BATCHES = {100, 1000};
    /** Transfer sizes in bytes; {@code --quick} drops 64 MB. */
    static final int[] TRANSFER_BYTES = {1 << 20, 64 << 20};

    /** What {@code --quick} leaves out, for {@code --help} and the report. */
    public static final String QUICK_DROPS = "gemm 2048, ops at batch 10,000 (and optimizer steps on 784x1000), "
            + "train steps of 784-1000-10 at batch 1,000, and the 64 MB transfers";

    /** Every case of a full run, or of {@code --quick}. */
    public static List<BenchCase> standard(boolean quick) {
        List<BenchCase> train = new ArrayList<>();
        for (int batch : TRAIN_BATCHES) {
            for (int h : HIDDEN) {
                if (quick && h == 1000 && batch == 1000) continue;
                train.add(trainStep(784, h, 10, batch));
            }
        }
        train.add(ConvBenchCases.trainStep(ConvBenchCases.BOOK_NET, 100));
        return standard(quick, train);
    }

    /**
     * The cases of a full run or of {@code --quick} with {@code train} in place of the standard
     * train steps ({@code bench --net/--batch}); the other workloads are unchanged.
     */
    public static List<BenchCase> standard(boolean quick, List<BenchCase> train) {
        for (BenchCase c : train) {
            if (c.workload() != Workload.TRAIN) throw new IllegalArgumentException(c.name() + " is not a train step");
        }
        List<BenchCase> out = new ArrayList<>();
        for (int n : SQUARE) if (!(quick && n == 2048)) out.add(gemm(GemmShape.square(n)));
        // The three products of one 784-100-10 training step at batch 100.
        out.add(gemm(new GemmShape("X*W1 100x784*784x100", 100, 100, 784, false, false)));
        out.add(gemm(new GemmShape("dH*W1^T 100x100*(784x100)^T", 100, 784, 100, false, true)));
        out.add(gemm(new GemmShape("X^T*dH (100x784)^T*100x100", 784, 100, 100, true, false)));

        for (int batch : OP_BATCHES) {
            if (quick && batch > 100) continue;
            out.add(addBias(batch, 100));
            out.add(sumColumns(batch, 784));
            out.add(sumColumns(batch, 100));
            for (ElementOp op : ElementOp.values()) out.add(elementwise(op, batch, 100));
            out.add(softmax(batch, 10));
            out.add(softmaxBackward(batch, 10));
        }
        // Optimizer steps act on parameters, not batches: W1 of 784-100-10, and of 784-1000-10.
        for (UpdateOp op : UpdateOp.values()) out.add(elementwise(op, 784, 100));
        if (!quick) for (UpdateOp op : UpdateOp.values()) out.add(elementwise(op, 784, 1000));

        out.addAll(train);

        for (int bytes : TRANSFER_BYTES) {
            if (quick && bytes > 1 << 20) continue;
            out.add(transfer(true, bytes));
            out.add(transfer(false, bytes));
        }
        return out;
    }

    static float[] data(GemmShape s, boolean first) {
        Random rnd = new Random(31L * s.hashCode() + (first ? 1 : 2));
        return first ? Verifier.random(rnd, s.aRows() * s.aCols()) : Verifier.random(rnd, s.bRows() * s.bCols());
    }

    /** {@code bench --gemm}: how a shape is written. */
    public static final String GEMM_SYNTAX = "MxNxK (C is M x N, the shared dimension K), with tA and/or tB after it for a "
            + "transposed operand: 100x50x784 is a training step's X W1, 784x50x100tA its X^T dA";
    private static final java.util.regex.Pattern GEMM_SPEC = java.util.regex.Pattern.compile("(\\d{1,9})x(\\d{1,9})x(\\d{1,9})(tA)?(tB)?");

    /**
     * The gemm cases {@code bench --gemm} names ({@link #GEMM_SYNTAX}), each once, all checked
     * before any device is opened: sizes positive, no dimension wider than
     * {@link Limits#MAX_LAYER_WIDTH} and no operand past {@link Limits#MAX_MATRIX_ELEMENTS}.
     */
    public static List<BenchCase> gemms(List<String> specs) {
        if (specs.isEmpty()) throw new IllegalArgumentException("--gemm needs at least one shape (" + GEMM_SYNTAX + ")");
        Map<String, BenchCase> out = new LinkedHashMap<>();
        for (String spec : specs) {
            java.util.regex.Matcher mt = GEMM_SPEC.matcher(spec.strip());
            if (!mt.matches()) throw new IllegalArgumentException("--gemm '" + spec + "': expected " + GEMM_SYNTAX);
            int m = Integer.parseInt(mt.group(1)), n = Integer.parseInt(mt.group(2)), k = Integer.parseInt(mt.group(3));
            for (int d : new int[] {m, n, k}) {
                if (d <= 0) throw new IllegalArgumentException("--gemm '" + spec + "': sizes must be positive");
                if (d > Limits.MAX_LAYER_WIDTH) {
                    throw new IllegalArgumentException("--gemm '" + spec + "': " + d + " is more than the limit of "
                            + Limits.format(Limits.MAX_LAYER_WIDTH) + " per dimension");
                }
            }
            for (long elements : new long[] {(long) m * n, (long) m * k, (long) k * n}) {
                if (elements > Limits.MAX_MATRIX_ELEMENTS) {
                    throw new IllegalArgumentException("--gemm '" + spec + "': an operand of " + Limits.format(elements)
                            + " elements is more than one matrix can hold (" + Limits.format(Limits.MAX_MATRIX_ELEMENTS) + ")");
                }
            }
            boolean tA = mt.group(4) != null, tB = mt.group(5) != null;
            String label = m + "x" + n + "x" + k + (tA ? "tA" : "") + (tB ? "tB" : "");
            out.putIfAbsent(label, gemm(new GemmShape(label, m, n, k, tA, tB)));
        }
        return List.copyOf(out.values());
    }

    /** {@code C = op(A) op(B)}, alpha 1, beta 0. */
    public static BenchCase gemm(GemmShape s) {
        return new BenchCase(Workload.GEMM, s.label(), s.flops(), b -> {
            Matrix a = b.upload(data(s, true), s.aRows(), s.aCols());
            Matrix x = b.upload(data(s, false), s.bRows(), s.bCols());
            Matrix c = b.alloc(s.m(), s.n());
            return run(() -> b.gemm(s.transA(), s.transB(), 1f, a, x, 0f, c), a, x, c);
        }, s);
    }

    /** {@code out = x + bias}: reads x and bias, writes out. */
    public static BenchCase addBias(int rows, int cols) {
        return new BenchCase(Workload.OPS, "addBias " + rows + "x" + cols, 4.0 * (2L * rows * cols + cols), b -> {
            Random rnd = new Random(7);
            Matrix x = b.upload(Verifier.random(rnd, rows * cols), rows, cols);
            Matrix bias = b.upload(Verifier.random(rnd, cols), 1, cols);
            Matrix out = b.alloc(rows, cols);
            return run(() -> b.addBias(x, bias, out), x, bias, out);
        });
    }

    /** Column sums: reads x, writes one row. */
    public static BenchCase sumColumns(int rows, int cols) {
        return new BenchCase(Workload.OPS, "sumColumns " + rows + "x" + cols, 4.0 * ((long) rows * cols + cols), b -> {
            Matrix x = b.upload(Verifier.random(new Random(8), rows * cols), rows, cols);
            Matrix out = b.alloc(1, cols);
            return run(() -> b.sumColumns(x, out), x, out);
        });
    }

    /** Step size of timed parameter updates: tiny, so thousands of repeats stay far from overflow. */
    static final float UPDATE_RATE = 1e-6f;

    /** An op of the catalogue; bytes counted as the matrices it reads plus those it writes ({@link Op#touched()}). */
    public static BenchCase elementwise(Op op, int rows, int cols) {
        int n = rows * cols;
        return new BenchCase(Workload.OPS, op.id() + " " + rows + "x" + cols, 4.0 * op.touched() * n, b -> {
            Random rnd = new Random(9);
            List<Matrix> m = new ArrayList<>();
            for (Op.Input input : op.inputs()) m.add(b.upload(input.draw(rnd, n), rows, cols));
            return run(() -> op.run(b, m, UPDATE_RATE), m.toArray(new AutoCloseable[0]));
        });
    }

    /**
     * Softmax with mean cross-entropy: reads x and the labels, writes probs. Each call also
     * reads the loss scalar back, as a training step does, so the figure includes that wait.
     */
    public static BenchCase softmax(int rows, int cols) {
        return new BenchCase(Workload.OPS, "softmaxCrossEntropy " + rows + "x" + cols, 4.0 * (2L * rows * cols + rows), b -> {
            Random rnd = new Random(10);
            Matrix x = b.upload(Verifier.random(rnd, rows * cols), rows, cols);
            IntVector t = b.uploadInts(Verifier.randomInts(rnd, rows, cols));
            Matrix probs = b.alloc(rows, cols);
            return run(() -> b.softmaxCrossEntropy(x, t, probs), x, t, probs);
        });
    }

    /** Its backward: reads probs and labels, writes dx. */
    public static BenchCase softmaxBackward(int rows, int cols) {
        return new BenchCase(Workload.OPS, "softmaxCrossEntropyBackward " + rows + "x" + cols, 4.0 * (2L * rows * cols + rows), b -> {
            Random rnd = new Random(11);
            Matrix x = b.upload(Verifier.random(rnd, rows * cols), rows, cols);
            IntVector t = b.uploadInts(Verifier.randomInts(rnd, rows, cols));
            Matrix probs = b.alloc(rows, cols);
            Matrix dx = b.alloc(rows, cols);
            b.softmaxCrossEntropy(x, t, probs);
            return run(() -> b.softmaxCrossEntropyBackward(probs, t, 1f, dx), x, t, probs, dx);
        });
    }

    /** The nets {@code bench --batch} times when no {@code --net} is given (those of the standard run), as help texts list them. */
    public static final String TRAIN_NETS_TEXT = "784-50-10, 784-100-10, 784-1000-10, " + ConvBenchCases.BOOK_NET;

    /** {@link #TRAIN_NETS_TEXT} as a list. */
    public static final List<String> TRAIN_NETS = List.of(TRAIN_NETS_TEXT.split(", "));

    /** The batch {@code bench --net} times when no {@code --batch} is given: every standard net runs at it. */
    public static final int AIMED_BATCH = 100;

    /** What {@code bench --net} accepts, for help texts and messages. */
    public static final String NET_SYNTAX = "either plain widths from the input to the classes (784-256-128-10: a ReLU perceptron), "
            + "or train --net notation on 28x28 images with 10 classes (conv30k5-pool2-100)";

    private static final Pattern WIDTHS = Pattern.compile("\\d+(\\s*-\\s*\\d+)*");

    /**
     * The train steps of every net at every batch (nets outer), each case once: {@code bench
     * --net/--batch}. Every spec and batch is checked here, before any device is opened.
     */
    public static List<BenchCase> trainSteps(List<String> nets, List<Integer> batches) {
        if (nets.isEmpty() || batches.isEmpty()) throw new IllegalArgumentException("train steps need at least one net and one batch");
        Map<String, BenchCase> out = new LinkedHashMap<>();
        for (String net : nets) {
            for (int batch : batches) {
                BenchCase c = trainStep(net, batch);
                out.putIfAbsent(c.name(), c);
            }
        }
        return List.copyOf(out.values());
    }

    /**
     * One training step of the net {@code spec} describes at {@code batch} ({@link #NET_SYNTAX}).
     * A list of plain widths is the whole perceptron, input and classes included, as the standard
     * run labels its cases ({@code 784-100-10 batch 100}), so an aimed run's figures line up with
     * a standard run's under {@code bench --compare}; anything else goes to {@link NetSpec}, whose
     * last affine layer (to the classes) is implied.
     */
    public static BenchCase trainStep(String spec, int batch) {
        if (batch <= 0) throw new IllegalArgumentException("--batch must be positive, got " + batch);
        if (batch > Limits.MAX_BATCH) {
            throw new IllegalArgumentException("--batch is " + batch + ", more than the limit of " + Limits.format(Limits.MAX_BATCH)
                    + "; " + Limits.howToRaise("clayers.maxBatch"));
        }
        String net = spec.trim().toLowerCase(Locale.ROOT);
        if (net.isEmpty()) throw new IllegalArgumentException("--net is empty; give " + NET_SYNTAX);
        if (!WIDTHS.matcher(net).matches()) {
            try {
                return ConvBenchCases.trainStep(net, batch);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(e.getMessage() + "; or plain widths from the input to the classes (784-256-128-10)");
            }
        }
        int[] widths;
        try {
            widths = Arrays.stream(net.split("-")).map(String::trim).mapToInt(Integer::parseInt).toArray();
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--net '" + spec + "': a width is not an int; give " + NET_SYNTAX);
        }
        if (widths.length < 2) {
            throw new IllegalArgumentException("--net '" + spec + "': plain widths run from the input to the classes, so at least two "
                    + "(784-" + net + "-10 for a hidden layer of " + net + ")");
        }
        Architecture arch;
        try {
            arch = new Architecture(widths[0], Arrays.copyOfRange(widths, 1, widths.length - 1), widths[widths.length - 1],
                    Activation.RELU);
            arch.layers(0f);   // the width and weight caps of every layer, before any device
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--net '" + spec + "': " + e.getMessage());
        }
        if ((long) batch * arch.input() > Limits.MAX_MATRIX_ELEMENTS) {
            throw new IllegalArgumentException("--net '" + spec + "' at --batch " + batch + ": the input batch has "
                    + Limits.format((long) batch * arch.input()) + " values, more than one matrix can hold ("
                    + Limits.format(Limits.MAX_MATRIX_ELEMENTS) + "); use a smaller batch or input");
        }
        return trainStep(arch, batch);
    }

    /** One training step of an {@code input-hidden-output} ReLU network; see {@link #trainStep(Architecture, int)}. */
    public static BenchCase trainStep(int input, int hidden, int output, int batch) {
        return trainStep(new Architecture(input, new int[] {hidden}, output, Activation.RELU), batch);
    }

    /**
     * One training step of a perceptron: {@code Sequential.gradient} (which reads the loss back)
     * then an SGD step, lr 0.1. Inputs uniform in [0, 1), labels uniform, both uploaded once.
     */
    public static BenchCase trainStep(Architecture arch, int batch) {
        int input = arch.input(), output = arch.output();
        return new BenchCase(Workload.TRAIN, arch.describe() + " batch " + batch, batch, b -> {
            Random rnd = new Random(12);
            float[] xs = new float[batch * input];
            for (int i = 0; i < xs.length; i++) xs[i] = rnd.nextFloat();
            Sequential net = Sequential.create(b, arch, WeightInit.BOOK, 12);
            Optimizer opt = Optimizer.create("sgd", b, 0.1f);
            Matrix x = b.upload(xs, batch, input);
            IntVector t = b.uploadInts(Verifier.randomInts(rnd, batch, output));
            return run(() -> {
                net.gradient(x, t);
                opt.step(net.params());
            }, x, t, opt, net);
        });
    }

    /**
     * Host to device ({@code write} into an existing matrix) or device to host ({@code download},
     * which allocates its result: the Backend API has no download into a caller's array).
     */
    public static BenchCase transfer(boolean toDevice, int bytes) {
        if (bytes % 4096 != 0) throw new IllegalArgumentException("transfer size must be a multiple of 4096 bytes, got " + bytes);
        int rows = bytes / 4096, cols = 1024;
        String size = bytes >= 1 << 20 ? (bytes >> 20) + " MB" : (bytes >> 10) + " KB";
        String name = (toDevice ? "host->device write " : "device->host download ") + size;
        return new BenchCase(Workload.TRANSFER, name, bytes, b -> {
            float[] host = Verifier.random(new Random(13), rows * cols);
            Matrix m = b.upload(host, rows, cols);
            return run(toDevice ? () -> b.write(m, host) : () -> b.download(m), m);
        });
    }

    /** A Run that calls {@code call} and closes {@code owned} in reverse order. */
    private static BenchCase.Run run(Runnable call, AutoCloseable... owned) {
        return new BenchCase.Run() {
            @Override public void call() { call.run(); }

            @Override public void close() {
                RuntimeException first = null;
                for (int i = owned.length - 1; i >= 0; i--) {
                    try {
                        owned[i].close();
                    } catch (Exception e) {
                        if (first == null) first = e instanceof RuntimeException r ? r : new RuntimeException(e);
                        else first.addSuppressed(e);
                    }
                }
                if (first != null) throw first;
            }
        };
    }
}
