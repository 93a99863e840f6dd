package dev.clayers.jmh;

import dev.clayers.backend.ElementOp;
import dev.clayers.backend.IntVector;
import dev.clayers.backend.Matrix;
import dev.clayers.backend.Verifier;
import dev.clayers.backend.cpu.CpuBackend;
import dev.clayers.net.Activation;
import dev.clayers.net.Architecture;
import dev.clayers.net.Sequential;
import dev.clayers.net.WeightInit;
import dev.clayers.train.Optimizer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * The Java backend's element-wise kernels and one training step, under JMH (forks, warm-up and
 * dead-code elimination handled for us), to tune {@code CpuBackend} loops without OpenCL in the
 * way. Same shapes as {@code clayers bench}: width 100 for bias, ReLU, sigmoid and tanh, 10 for
 * softmax, a 784-100-10 ReLU network; the inputs are uniform in [-1, 1) (the bench feeds sigmoid
 * and tanh [-120, 120), far into the tails, where 7% of sigmoid's results are subnormal, and
 * arithmetic on subnormals is slow). Run as docs/testing.md says (JMH microbenchmarks), e.g. with
 * {@code "CpuOpsBench.(sigmoid|tanh|softmax)" -p batch=10000 -jvmArgsAppend --add-modules=jdk.incubator.vector}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class CpuOpsBench {
    @Param({"100", "10000"})
    public int batch;

    private CpuBackend cpu;
    private Matrix x100, bias100, out100, mask100, logits10, probs10;
    private IntVector labels;

    private Sequential net;
    private Optimizer sgd;
    private Matrix xTrain;

    @Setup(Level.Trial)
    public void setUp() {
        cpu = new CpuBackend();
        Random rnd = new Random(1);
        x100 = cpu.upload(Verifier.random(rnd, batch * 100), batch, 100);
        bias100 = cpu.upload(Verifier.random(rnd, 100), 1, 100);
        out100 = cpu.alloc(batch, 100);
        mask100 = cpu.alloc(batch, 100);
        logits10 = cpu.upload(Verifier.random(rnd, batch * 10), batch, 10);
        probs10 = cpu.alloc(batch, 10);
        labels = cpu.uploadInts(Verifier.randomInts(rnd, batch, 10));

        float[] xs = new float[batch * 784];
        for (int i = 0; i < xs.length; i++) xs[i] = rnd.nextFloat();
        xTrain = cpu.upload(xs, batch, 784);
        net = Sequential.create(cpu, new Architecture(784, new int[] {100}, 10, Activation.RELU), WeightInit.BOOK, 1);
        sgd = Optimizer.create("sgd", cpu, 0.1f);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        sgd.close();
        net.close();
        for (Matrix m : new Matrix[] {x100, bias100, out100, mask100, logits10, probs10, xTrain}) m.close();
        labels.close();
        cpu.close();
    }

    @Benchmark
    public Matrix addBias() {
        cpu.addBias(x100, bias100, out100);
        return out100;
    }

    @Benchmark
    public Matrix reluForward() {
        cpu.elementwise(ElementOp.RELU_FORWARD, x100, out100, mask100);
        return out100;
    }

    /** On FloatExp, as tanh: the exp-based ops ElementKernels vectorises without the Vector API. */
    @Benchmark
    public Matrix sigmoidForward() {
        cpu.elementwise(ElementOp.SIGMOID_FORWARD, x100, out100);
        return out100;
    }

    @Benchmark
    public Matrix tanhForward() {
        cpu.elementwise(ElementOp.TANH_FORWARD, x100, out100);
        return out100;
    }

    @Benchmark
    public float softmaxCrossEntropy() {
        return cpu.softmaxCrossEntropy(logits10, labels, probs10);
    }

    /** {@code Sequential.gradient} then an SGD step: what one mini-batch of training costs. */
    @Benchmark
    public float trainStep784x100x10() {
        float loss = net.gradient(xTrain, labels);
        sgd.step(net.params());
        return loss;
    }
}
