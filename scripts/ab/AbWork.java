import dev.clayers.backend.Backend;
import dev.clayers.backend.Backends;
import dev.clayers.backend.IntVector;
import dev.clayers.backend.Matrix;
import dev.clayers.net.Activation;
import dev.clayers.net.Architecture;
import dev.clayers.net.Sequential;
import dev.clayers.net.WeightInit;
import dev.clayers.train.Optimizer;

import java.util.Random;

/**
 * One workload of scripts/ab-compare.sh, built against whichever clayers jar loaded this class:
 * {@link #make} returns the work of one call and what one call counts for. Only public API, so
 * that it compiles against the older jar too.
 */
public final class AbWork {
    private AbWork() {}

    /**
     * {@code train:H:B} a 784-H-10 ReLU step at batch B with SGD (as the bench's train step);
     * {@code gemm:MxNxK[tA][tB]}; {@code softmax:R:C} softmax-cross-entropy forward;
     * {@code sigmoid:R:C}; {@code gather:B:S} B 28 x 28 images shifted by up to S pixels (augmentation);
     * each on {@code device}.
     *
     * @return {Runnable one call, Double units per call, String unit}
     */
    public static Object[] make(String spec, String device) {
        String[] p = spec.split(":");
        Backend b = Backends.open(device);
        Random rnd = new Random(12);
        switch (p[0]) {
            case "train": {
                int h = Integer.parseInt(p[1]), batch = Integer.parseInt(p[2]);
                Sequential net = Sequential.create(b, new Architecture(784, new int[] {h}, 10, Activation.RELU), WeightInit.BOOK, 12);
                Optimizer opt = Optimizer.create("sgd", b, 0.1f);
                Matrix x = b.upload(floats(rnd, batch * 784, 0, 1), batch, 784);
                IntVector t = b.uploadInts(ints(rnd, batch, 10));
                return new Object[] {(Runnable) () -> {
                    net.gradient(x, t);
                    opt.step(net.params());
                }, (double) batch, "samples/s"};
            }
            case "gemm": {
                String s = p[1];
                boolean tA = s.contains("tA"), tB = s.contains("tB");
                String[] d = s.replace("tA", "").replace("tB", "").split("x");
                int m = Integer.parseInt(d[0]), n = Integer.parseInt(d[1]), k = Integer.parseInt(d[2]);
                Matrix a = tA ? b.upload(floats(rnd, k * m, -1, 1), k, m) : b.upload(floats(rnd, m * k, -1, 1), m, k);
                Matrix bm = tB ? b.upload(floats(rnd, n * k, -1, 1), n, k) : b.upload(floats(rnd, k * n, -1, 1), k, n);
                Matrix c = b.alloc(m, n);
                return new Object[] {(Runnable) () -> {
                    b.gemm(tA, tB, 1f, a, bm, 0f, c);
                    b.finish();
                }, 2.0 * m * n * k / 1e9, "GFLOP/s"};
            }
            case "softmax": {
                int rows = Integer.parseInt(p[1]), cols = Integer.parseInt(p[2]);
                Matrix x = b.upload(floats(rnd, rows * cols, -6, 6), rows, cols), probs = b.alloc(rows, cols);
                IntVector t = b.uploadInts(ints(rnd, rows, cols));
                return new Object[] {(Runnable) () -> b.softmaxCrossEntropy(x, t, probs), (8.0 * rows * cols + 4.0 * rows) / 1e9, "GB/s"};
            }
            case "gather": {
                int rows = Integer.parseInt(p[1]), maxShift = Integer.parseInt(p[2]), n = 1000;
                Matrix images = b.upload(floats(rnd, n * 784, 0, 1), n, 784), batch = b.alloc(rows, 784);
                IntVector order = b.uploadInts(ints(rnd, n, n));
                int[] seed = {0};
                return new Object[] {(Runnable) () -> {
                    b.gatherRowsShifted(images, order, 0, 28, 28, maxShift, seed[0]++, batch);
                    b.finish();
                }, 8.0 * rows * 784 / 1e9, "GB/s"};
            }
            case "sigmoid": {
                int rows = Integer.parseInt(p[1]), cols = Integer.parseInt(p[2]);
                Matrix x = b.upload(floats(rnd, rows * cols, -120, 120), rows, cols), y = b.alloc(rows, cols);
                return new Object[] {(Runnable) () -> {
                    b.elementwise(dev.clayers.backend.ElementOp.SIGMOID_FORWARD, x, y);
                    b.finish();
                }, 8.0 * rows * cols / 1e9, "GB/s"};
            }
            default:
                throw new IllegalArgumentException("unknown workload '" + spec + "': train:H:B, gemm:MxNxK[tA][tB], softmax:R:C, sigmoid:R:C or gather:B:S");
        }
    }

    private static float[] floats(Random rnd, int n, float lo, float hi) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = lo + (hi - lo) * rnd.nextFloat();
        return v;
    }

    private static int[] ints(Random rnd, int n, int bound) {
        int[] v = new int[n];
        for (int i = 0; i < n; i++) v[i] = rnd.nextInt(bound);
        return v;
    }
}
