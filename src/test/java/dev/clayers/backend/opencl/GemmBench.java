package dev.clayers.backend.opencl;

import dev.clayers.backend.Backend;
import dev.clayers.backend.Backends;
import dev.clayers.backend.Matrix;
import dev.clayers.backend.Verifier;

import java.util.Arrays;
import java.util.Random;

/**
 * GEMM throughput of one device: C = A B for square n x n, after warm-up, timing each rep from
 * enqueue to {@code finish()}; prints min/median/max GFLOP/s (2 n^3 flops per call).
 * A main, never run by {@code mvn test}:
 * {@code java -cp target/classes:target/test-classes:<deps> dev.clayers.backend.opencl.GemmBench [device] [n...]}.
 */
public final class GemmBench {
    public static void main(String[] args) {
        String device = args.length > 0 ? args[0] : "auto";
        int[] sizes = args.length > 1 ? Arrays.stream(args, 1, args.length).mapToInt(Integer::parseInt).toArray() : new int[] {256, 1024, 2048};
        try (Backend b = Backends.open(device)) {
            System.err.println("device " + b.id() + " (" + b.info().name() + ")"
                    + (b instanceof OpenClBackend ob ? ", " + ob.tunables().options() : ""));
            Random rnd = new Random(1);
            for (int n : sizes) {
                try (Matrix a = b.upload(Verifier.random(rnd, n * n), n, n); Matrix x = b.upload(Verifier.random(rnd, n * n), n, n);
                     Matrix c = b.alloc(n, n)) {
                    double flops = 2.0 * n * n * n;
                    int reps = (int) Math.max(5, Math.min(50, 2e10 / flops));
                    for (int i = 0; i < 2; i++) b.gemm(false, false, 1f, a, x, 0f, c);
                    b.finish();
                    double[] gf = new double[reps];
                    for (int i = 0; i < reps; i++) {
                        long t0 = System.nanoTime();
                        b.gemm(false, false, 1f, a, x, 0f, c);
                        b.finish();
                        gf[i] = flops / (System.nanoTime() - t0);
                    }
                    Arrays.sort(gf);
                    System.out.printf("%-12s n=%5d reps=%3d GFLOP/s min %.2f median %.2f max %.2f%n", b.id(), n, reps, gf[0],
                            gf[reps / 2], gf[reps - 1]);
                }
            }
        }
    }
}
