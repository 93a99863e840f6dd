package dev.clayers.jmh;

import dev.clayers.backend.cpu.CpuGemm;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * {@link CpuGemm#gemm} on square sizes and on the GEMMs of a 784-100-10 MLP at batch 100.
 * GFLOP/s = 2 m n k / (time per op); {@link #flops} is printed in setup for the conversion.
 *
 * <p>Forks add {@code --add-modules jdk.incubator.vector}, so the Vector-API kernel runs when the
 * build compiled it; add {@code -jvmArgsAppend -Dclayers.gemm.vector=false} for the scalar one.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 7, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-Xmx2g"})
public class CpuGemmBench {

    /** Square sizes, then X·W1 (forward layer 1), h·W2 (forward layer 2), X^T·dY (dW1), dY·W2^T-like (dX). */
    @Param({"256", "1024", "XW1", "hW2", "XTdY", "dYWT"})
    public String shape;

    private boolean transA, transB;
    private int m, n, k;
    private float[] a, b, c;

    @Setup
    public void setup() {
        switch (shape) {
            case "XW1" -> set(false, false, 100, 100, 784);
            case "hW2" -> set(false, false, 100, 10, 100);
            case "XTdY" -> set(true, false, 784, 100, 100);
            case "dYWT" -> set(false, true, 100, 784, 100);
            default -> {
                int s = Integer.parseInt(shape);
                set(false, false, s, s, s);
            }
        }
        Random r = new Random(1);
        a = new float[m * k];
        b = new float[k * n];
        c = new float[m * n];
        for (int i = 0; i < a.length; i++) a[i] = r.nextFloat() - 0.5f;
        for (int i = 0; i < b.length; i++) b[i] = r.nextFloat() - 0.5f;
        System.out.printf("%n[CpuGemmBench] shape=%s kernel=%s flops/op=%.0f%n", shape, CpuGemm.kernelName(), flops());
    }

    private void set(boolean tA, boolean tB, int m, int n, int k) {
        this.transA = tA;
        this.transB = tB;
        this.m = m;
        this.n = n;
        this.k = k;
    }

    /** 2 m n k: one multiply and one add per term. */
    public double flops() { return 2.0 * m * n * k; }

    @Benchmark
    public float[] gemm() {
        CpuGemm.gemm(transA, transB, m, n, k, 1f, a, b, 0f, c);
        return c;
    }
}
