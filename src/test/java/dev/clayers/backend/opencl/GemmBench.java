package dev.clayers.backend.opencl;

import dev.clayers.backend.Backend;
import dev.clayers.backend.Backends;
import dev.clayers.backend.Matrix;
import dev.clayers.backend.Verifier;

import java.util.Arrays;
import java.util.Random;

/**
 * GEMM throughput of one device, after warm-up, timing each rep from enqueue to {@code finish()};
 * prints min/median/max GFLOP/s (2 M N K flops per call). Shapes are {@code n} (square) or
 * {@code MxNxK[:ab]} with a, b = t (stored transposed) or n; the default list is 256, 1024, 2048
 * and the three gemms of a 784-100 layer at batch 100. A main, never run by {@code mvn test}:
 * {@code java -cp target/classes:target/test-classes:<deps> dev.clayers.backend.opencl.GemmBench [device] [shape...]}.
 */
public final class GemmBench {
    public static void main(String[] args) {
        String device = args.length > 0 ? args[0] : "auto";
        String[] shapes = args.length > 1 ? Arrays.copyOfRange(args, 1, args.length)
                : new String[] {"256", "1024", "2048", "100x100x784", "100x784x100:nt", "784x100x100:tn"};
        long t0open = System.nanoTime();
        try (Backend b = Backends.open(device)) {
            System.err.printf("device %s (%s), opened in %.0f ms%s%n", b.id(), b.info().name(), (System.nanoTime() - t0open) / 1e6,
                    b instanceof OpenClBackend ob ? ", " + ob.tunables().options() : "");
            Random rnd = new Random(1);
            for (String shape : shapes) {
                // "n" (square) or "MxNxK[:ta tb]" with t/n per operand, e.g. 784x100x100:tn = A^T B with A stored 100x784.
                String[] st = shape.split(":");
                String[] d = st[0].split("x");
                int m = Integer.parseInt(d[0]), n = d.length > 1 ? Integer.parseInt(d[1]) : m, k = d.length > 2 ? Integer.parseInt(d[2]) : m;
                boolean ta = st.length > 1 && st[1].charAt(0) == 't', tb = st.length > 1 && st[1].charAt(1) == 't';
                try (Matrix a = ta ? b.upload(Verifier.random(rnd, k * m), k, m) : b.upload(Verifier.random(rnd, m * k), m, k);
                     Matrix x = tb ? b.upload(Verifier.random(rnd, n * k), n, k) : b.upload(Verifier.random(rnd, k * n), k, n);
                     Matrix c = b.alloc(m, n)) {
                    double flops = 2.0 * m * n * k;
                    int reps = (int) Math.max(7, Math.min(200, 2e10 / flops));
                    for (int i = 0; i < 3; i++) b.gemm(ta, tb, 1f, a, x, 0f, c);
                    b.finish();
                    double[] gf = new double[reps];
                    for (int i = 0; i < reps; i++) {
                        long t0 = System.nanoTime();
                        b.gemm(ta, tb, 1f, a, x, 0f, c);
                        b.finish();
                        gf[i] = flops / (System.nanoTime() - t0);
                    }
                    Arrays.sort(gf);
                    System.out.printf("%-12s %-16s reps=%3d GFLOP/s min %7.2f median %7.2f max %7.2f%n", b.id(), shape, reps, gf[0],
                            gf[reps / 2], gf[reps - 1]);
                }
            }
        }
    }
}
