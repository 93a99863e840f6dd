// The ops of a conv30k5-pool2-100 training step at batch 100, each timed on its own per device:
// where a device spends a conv step. Run from the repository root after a build:
//   java --add-modules jdk.incubator.vector -cp target/clayers.jar scripts/ConvOps.java cpu,opencl:0:0 [PREFIX]
// PREFIX (e.g. maxPool) times only the ops whose names start with it. The pooling input starts
// random (as the transpose leaves it in a step), so max pooling's argmax is random too.
// Each op: 1.5 s of untimed calls, then 7 samples of 150 ms (the device finished after each
// call), median [min-max] microseconds per call. The shapes are the step's: im2col of 28x28
// digits into 57,600 x 25, the conv gemm, bias, the per-image transpose, 2x2 max pooling of
// 30 x 24 x 24, the 4320-100 affine layer's three products, and the backward ops (the first
// layer needs no col2im).
import dev.clayers.backend.*;
import java.util.*;
public class ConvOps {
    interface Op { void run(); }
    static float[] rnd(int m) { Random q = new Random(5); float[] v = new float[m]; for (int i = 0; i < m; i++) v[i] = q.nextFloat(); return v; }
    public static void main(String[] a) {
        String[] ids = a[0].split(",");
        int n = 100, f = 30, k = 5, p = 576;
        ConvGeometry g = new ConvGeometry(1, 28, 28, 5, 1, 0);
        ConvGeometry pg = new ConvGeometry(30, 24, 24, 2, 2, 0);
        Map<String, double[]> res = new LinkedHashMap<>();
        for (int d = 0; d < ids.length; d++) {
            Backend b = Backends.open(ids[d]);
            Random r = new Random(1);
            float[] xs = new float[n * 784]; for (int i = 0; i < xs.length; i++) xs[i] = r.nextFloat();
            Matrix x = b.upload(xs, n, 784), col = b.alloc(n * p, 25), w = b.upload(Arrays.copyOf(xs, 30*25), 30, 25);
            Matrix y = b.alloc(n * p, 30), bias = b.upload(new float[30], 1, 30), out = b.upload(rnd(n * 30 * p), n, 30 * p), dy = b.alloc(n * p, 30), dW = b.alloc(30, 25), db = b.alloc(1, 30);
            Matrix pooled = b.alloc(n, 30 * 144), dpool = b.alloc(n, 30*p); IntVector am = b.allocInts(n * 30 * 144);
            Matrix w3 = b.upload(new float[4320*100], 100, 4320), h = b.alloc(n, 100), dh = b.upload(new float[n*100], n, 100), dW3 = b.alloc(100, 4320), dpooled = b.alloc(n, 4320);
            Map<String, Op> ops = new LinkedHashMap<>();
            ops.put("im2col", () -> b.im2col(x, g, col));
            ops.put("gemm col W^T 57600x30x25", () -> b.gemm(false, true, 1f, col, w, 0f, y));
            ops.put("addBias 57600x30", () -> b.addBias(y, bias, y));
            ops.put("transposeBlocks fwd", () -> b.transposeBlocks(y, p, f, out));
            ops.put("maxPoolForward", () -> b.maxPoolForward(out, pg, pooled, am));
            ops.put("gemm pooled W3^T 100x100x4320", () -> b.gemm(false, true, 1f, pooled, w3, 0f, h));
            ops.put("gemm dh^T pooled 100x4320x100tA", () -> b.gemm(true, false, 1f, dh, pooled, 0f, dW3));
            ops.put("gemm dh W3 100x4320x100", () -> b.gemm(false, false, 1f, dh, w3, 0f, dpooled));
            ops.put("maxPoolBackward", () -> b.maxPoolBackward(dpooled, am, pg, dpool));
            ops.put("transposeBlocks bwd", () -> b.transposeBlocks(dpool, f, p, dy));
            ops.put("gemm dy^T col 30x25x57600tA", () -> b.gemm(true, false, 1f, dy, col, 0f, dW));
            ops.put("sumColumns 57600x30", () -> b.sumColumns(dy, db));
            for (var e : ops.entrySet()) {
                if (a.length > 1 && !e.getKey().startsWith(a[1])) continue;
                Op op = e.getValue();
                long end = System.nanoTime() + 1_500_000_000L;
                while (System.nanoTime() < end) { op.run(); b.finish(); }
                double[] t = new double[7];
                for (int s = 0; s < t.length; s++) {
                    int calls = 0; long t0 = System.nanoTime();
                    while (System.nanoTime() - t0 < 150_000_000L) { op.run(); b.finish(); calls++; }
                    t[s] = (System.nanoTime() - t0) / 1e3 / calls;
                }
                Arrays.sort(t);
                res.computeIfAbsent(e.getKey(), kk -> new double[ids.length * 3]);
                res.get(e.getKey())[d*3] = t[3]; res.get(e.getKey())[d*3+1] = t[0]; res.get(e.getKey())[d*3+2] = t[6];
            }
            b.close();
        }
        System.out.printf("%-34s", "op (us per call, median [min-max])"); for (String id : ids) System.out.printf(" | %-24s", id); System.out.println();
        double[] tot = new double[ids.length];
        for (var e : res.entrySet()) {
            System.out.printf("%-34s", e.getKey());
            for (int d = 0; d < ids.length; d++) { double[] v = e.getValue(); System.out.printf(" | %7.0f [%.0f-%.0f]        ", v[d*3], v[d*3+1], v[d*3+2]); tot[d] += v[d*3]; }
            System.out.println();
        }
        System.out.printf("%-34s", "sum"); for (double t : tot) System.out.printf(" | %7.0f                  ", t); System.out.println();
    }
}
