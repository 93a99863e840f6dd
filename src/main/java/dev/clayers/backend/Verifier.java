package dev.clayers.backend;

import dev.clayers.backend.cpu.CpuBackend;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Random;

/**
 * Checks a backend's ops against the Java reference ({@link CpuBackend}) on the same seeded
 * random data, with a tolerance stated per op. Shared by the contract tests and
 * {@code clayers verify}, so both hold devices to the same numbers.
 *
 * <p>Data is uniform in [-1, 1) unless an op needs otherwise (labels, indices; the element-wise
 * ops of the {@link Op} catalogue say what each argument holds).
 * An element passes when {@code |got - ref| <= abs + rel * |ref|}; NaN passes only against NaN.
 *
 * <p>Tolerances (float32, unit roundoff u = 6e-8):
 * <ul>
 *   <li>{@link #gemm}: {@code abs = 4u * sqrt(K) * K * |alpha| * max|A| * max|B| + 1e-6 * |beta| * max|C|}, rel 0.
 *       A K-term float dot product summed in a different order (tiles, register blocks, fused
 *       multiply-add vs. the reference's k-blocks) rounds each of its K additions to within u of a
 *       partial sum, and a partial sum is bounded by K * max|A| * max|B| (reached by
 *       non-negative data such as pixels, where sums grow linearly); the roundings add up like a
 *       random walk (sqrt(K)), and 4u covers both sides. An indexing or transpose bug is off by
 *       whole terms, orders of magnitude more.</li>
 *   <li>{@link #EXACT}: abs 0, rel 0, for moves and integer results (copy, fill, gather, argmax, count).</li>
 *   <li>{@link #ARITH}: abs 1e-7 * max|ref| , rel 1e-6, element-wise ops of + - * (a few roundings each;
 *       the kernels keep FP_CONTRACT off, so they usually match bit for bit) and of / and sqrt,
 *       which OpenCL 1.2 allows to be 2.5 and 3 ulp off.</li>
 *   <li>{@link #TRANSCENDENTAL}: abs 1e-7, rel 2e-6, for sigmoid and tanh: OpenCL's exp and expm1
 *       may be 3 ulp off, the division after them 2.5 more, and the reference evaluates in double.</li>
 *   <li>{@link #POLY_EXP}: abs 5e-7, rel 4e-6, for GELU: exp(-2u) of a polynomial u rounded a few
 *       times in float, so u's relative error grows by 2|u| (up to 87 at the limit |x| = 10, where
 *       the value is tiny and the absolute part holds it); the derivative adds two such terms of up
 *       to about 1 that cancel near x = -0.75, so its error is absolute, a few ulp of 1.
 *       Measured on PoCL and Oclgrind over 4 million values: forward abs 4.8e-7 (half an ulp of
 *       10) and rel 1.8e-6, backward abs 2.4e-7.</li>
 *   <li>{@link #sumColumns}: {@code abs = 1e-6 * sqrt(rows) * max|x|}, rel 1e-6: the device sums
 *       in float in a tree, the reference in double.</li>
 *   <li>{@link #SOFTMAX}: abs 1e-7, rel 1e-5, for probabilities and the mean loss: exp and log at
 *       3 ulp plus a float row sum of up to ~1000 terms against the reference's double.</li>
 * </ul>
 */
public final class Verifier {
    private Verifier() {}

    /**
     * An element passes when {@code |got - ref| <= abs + rel * |ref|}.
     *
     * @param abs the absolute part, {@code >= 0}
     * @param rel the part relative to |ref|, {@code >= 0}
     */
    public record Tolerance(double abs, double rel) {
        /** Whether {@code got} is within this tolerance of {@code ref}; NaN passes only against NaN. */
        public boolean ok(double ref, double got) {
            if (Double.isNaN(ref) || Double.isNaN(got)) return Double.isNaN(ref) && Double.isNaN(got);
            if (Double.isInfinite(ref) || Double.isInfinite(got)) return ref == got;
            return Math.abs(got - ref) <= abs + rel * Math.abs(ref);
        }

        @Override public String toString() { return String.format("abs %.1e + rel %.1e", abs, rel); }
    }

    /** Moves and integer results: bit for bit. */
    public static final Tolerance EXACT = new Tolerance(0, 0);
    /** Sigmoid and tanh: exp at 3 ulp plus a division, against a double reference. */
    public static final Tolerance TRANSCENDENTAL = new Tolerance(1e-7, 2e-6);
    /** Softmax probabilities and the mean loss. */
    public static final Tolerance SOFTMAX = new Tolerance(1e-7, 1e-5);
    /** GELU: exp of a rounded polynomial, and sums of such terms that may cancel. */
    public static final Tolerance POLY_EXP = new Tolerance(5e-7, 4e-6);

    /** Element-wise arithmetic: scaled to the output's magnitude (see the class comment). */
    public static Tolerance arith(float[] ref) { return new Tolerance(1e-7 * maxAbs(ref), 1e-6); }
    /** {@link #arith}'s tolerance as text, for reports. */
    public static final String ARITH = "abs 1e-7*max|ref| + rel 1e-6";

    /** GEMM tolerance for one call (see the class comment). */
    public static Tolerance gemm(int k, float alpha, float maxA, float maxB, float beta, float maxC) {
        final double u = 0x1p-24;
        return new Tolerance(4 * u * Math.sqrt(k) * k * Math.abs(alpha) * maxA * maxB + 1e-6 * Math.abs(beta) * maxC, 0);
    }

    /** Column-sum tolerance (see the class comment). */
    public static Tolerance sumColumns(int rows, float maxX) { return new Tolerance(1e-6 * Math.sqrt(rows) * maxX, 1e-6); }

    /**
     * One comparison: worst absolute and relative error over the elements. The relative error
     * skips elements smaller than 1e-6 of the largest reference element, where it means nothing.
     *
     * @param op        the op checked, with its variant ({@code gemmNT a=1.0 b=0.0})
     * @param device    the id of the backend under test
     * @param shape     the shape the op ran on
     * @param maxAbs    the largest |got - ref|
     * @param maxRel    the largest |got - ref| / |ref| over elements that are not tiny
     * @param tolerance the tolerance applied, as text
     * @param pass      whether every element was within the tolerance
     * @param detail    the first failing element, or empty
     */
    public record Result(String op, String device, String shape, double maxAbs, double maxRel, String tolerance, boolean pass,
                         String detail) {
        @Override public String toString() {
            return String.format("%-28s %-12s %-18s maxAbs %.3e maxRel %.3e (%s) %s%s", op, device, shape, maxAbs, maxRel, tolerance,
                    pass ? "PASS" : "FAIL", detail.isEmpty() ? "" : " " + detail);
        }
    }

    /**
     * Compares {@code got} with {@code ref} element by element under {@code tol}; {@code op}, {@code device} and
     * {@code shape} label the result.
     */
    public static Result compare(String op, String device, String shape, float[] ref, float[] got, Tolerance tol) {
        return compare(op, device, shape, ref, got, tol, tol.toString());
    }

    /**
     * As {@link #compare(String, String, String, float[], float[], Tolerance)}, reporting the tolerance as
     * {@code tolText}.
     */
    public static Result compare(String op, String device, String shape, float[] ref, float[] got, Tolerance tol, String tolText) {
        if (ref.length != got.length) {
            return new Result(op, device, shape, Double.NaN, Double.NaN, tolText, false, "lengths differ: " + ref.length + " vs " + got.length);
        }
        double maxRef = maxAbs(ref), worstAbs = 0, worstRel = 0;
        boolean pass = true;
        String detail = "";
        for (int i = 0; i < ref.length; i++) {
            boolean ok = tol.ok(ref[i], got[i]);
            double d = Math.abs((double) got[i] - ref[i]);
            if (!ok && pass) detail = "first bad element " + i + ": ref " + ref[i] + " got " + got[i];
            pass &= ok;
            if (Double.isNaN(d)) {
                if (!ok) worstAbs = worstRel = Double.NaN;
                continue;
            }
            if (!Double.isNaN(worstAbs)) worstAbs = Math.max(worstAbs, d);
            if (Math.abs(ref[i]) > 1e-6 * maxRef && !Double.isNaN(worstRel)) worstRel = Math.max(worstRel, d / Math.abs(ref[i]));
        }
        return new Result(op, device, shape, worstAbs, worstRel, tolText, pass, detail);
    }

    /** Compares int results exactly ({@link #EXACT}). */
    public static Result compareInts(String op, String device, String shape, int[] ref, int[] got) {
        float[] r = new float[ref.length], g = new float[got.length];
        for (int i = 0; i < r.length; i++) r[i] = ref[i];
        for (int i = 0; i < g.length; i++) g[i] = got[i];
        return compare(op, device, shape, r, g, EXACT);
    }

    static float maxAbs(float[] x) {
        float m = 0;
        for (float v : x) if (!Float.isNaN(v)) m = Math.max(m, Math.abs(v));
        return m;
    }

    /** {@code n} floats uniform in [-1, 1) from {@code rnd}. */
    public static float[] random(Random rnd, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = rnd.nextFloat() * 2f - 1f;
        return x;
    }

    /** {@code n} ints uniform in [0, bound) from {@code rnd}. */
    public static int[] randomInts(Random rnd, int n, int bound) {
        int[] x = new int[n];
        for (int i = 0; i < n; i++) x[i] = rnd.nextInt(bound);
        return x;
    }

    /** Closes what it collected, last first. */
    private static final class Scope implements AutoCloseable {
        private final Deque<AutoCloseable> items = new ArrayDeque<>();
        <T extends AutoCloseable> T add(T t) { items.push(t); return t; }
        @Override public void close() {
            while (!items.isEmpty()) {
                try { items.pop().close(); } catch (Exception ignored) { /* buffers of a closed backend */ }
            }
        }
    }

    /**
     * A pair of backends, the one under test and the reference, and helpers to put the same
     * data on both. Each check method runs one op on both and compares.
     */
    public static final class Pair implements AutoCloseable {
        private final Backend dev;
        private final Backend ref;
        private final boolean ownsRef;

        /** Compares {@code dev} against a fresh {@link CpuBackend} (closed with this pair; {@code dev} is not). */
        public Pair(Backend dev) { this(dev, new CpuBackend(), true); }

        private Pair(Backend dev, Backend ref, boolean ownsRef) {
            this.dev = dev;
            this.ref = ref;
            this.ownsRef = ownsRef;
        }

        /** The backend under test. */
        public Backend device() { return dev; }

        @Override public void close() { if (ownsRef) ref.close(); }

        private static String s(int r, int c) { return r + "x" + c; }

        /**
         * Checks {@code gemm} with these transposes, sizes and scalars on random data; {@code nanInC} puts NaN in C,
         * which {@code beta = 0} must ignore.
         */
        public Result gemm(Random rnd, boolean ta, boolean tb, int m, int n, int k, float alpha, float beta, boolean nanInC) {
            float[] a = random(rnd, m * k), b = random(rnd, k * n), c = random(rnd, m * n);
            if (nanInC) java.util.Arrays.fill(c, Float.NaN);
            int ar = ta ? k : m, ac = ta ? m : k, br = tb ? n : k, bc = tb ? k : n;
            try (Scope sc = new Scope()) {
                Matrix da = sc.add(dev.upload(a, ar, ac)), db = sc.add(dev.upload(b, br, bc)), dc = sc.add(dev.upload(c, m, n));
                Matrix ra = sc.add(ref.upload(a, ar, ac)), rb = sc.add(ref.upload(b, br, bc)), rc = sc.add(ref.upload(c, m, n));
                dev.gemm(ta, tb, alpha, da, db, beta, dc);
                ref.gemm(ta, tb, alpha, ra, rb, beta, rc);
                Tolerance tol = Verifier.gemm(k, alpha, maxAbs(a), maxAbs(b), beta, nanInC ? 0 : maxAbs(c));
                String op = "gemm" + (ta ? "T" : "N") + (tb ? "T" : "N") + " a=" + alpha + " b=" + beta + (nanInC ? " NaN-C" : "");
                return compare(op, dev.id(), m + "x" + n + "x" + k, ref.download(rc), dev.download(dc), tol);
            }
        }

        /**
         * Checks {@code addBias} on a random {@code rows x cols} matrix, writing into {@code x} itself when
         * {@code inPlace}.
         */
        public Result addBias(Random rnd, int rows, int cols, boolean inPlace) {
            float[] x = random(rnd, rows * cols), bias = random(rnd, cols);
            try (Scope sc = new Scope()) {
                Matrix dx = sc.add(dev.upload(x, rows, cols)), dbias = sc.add(dev.upload(bias, 1, cols));
                Matrix rx = sc.add(ref.upload(x, rows, cols)), rbias = sc.add(ref.upload(bias, 1, cols));
                Matrix dout = inPlace ? dx : sc.add(dev.alloc(rows, cols)), rout = inPlace ? rx : sc.add(ref.alloc(rows, cols));
                dev.addBias(dx, dbias, dout);
                ref.addBias(rx, rbias, rout);
                float[] r = ref.download(rout);
                return compare("addBias" + (inPlace ? " in-place" : ""), dev.id(), s(rows, cols), r, dev.download(dout), arith(r), ARITH);
            }
        }

        /**
         * The fused bias + ReLU against the reference's, and against the device's own two-step
         * addBias + reluForward, which it must equal exactly (the same float add and compare).
         */
        public List<Result> addBiasRelu(Random rnd, int rows, int cols) {
            float[] x = random(rnd, rows * cols), bias = random(rnd, cols);
            try (Scope sc = new Scope()) {
                Matrix dx = sc.add(dev.upload(x, rows, cols)), dbias = sc.add(dev.upload(bias, 1, cols));
                Matrix dout = sc.add(dev.alloc(rows, cols)), dmask = sc.add(dev.alloc(rows, cols));
                Matrix d2 = sc.add(dev.alloc(rows, cols)), d2mask = sc.add(dev.alloc(rows, cols));
                Matrix rx = sc.add(ref.upload(x, rows, cols)), rbias = sc.add(ref.upload(bias, 1, cols));
                Matrix rout = sc.add(ref.alloc(rows, cols)), rmask = sc.add(ref.alloc(rows, cols));
                dev.addBiasRelu(dx, dbias, dout, dmask);
                ref.addBiasRelu(rx, rbias, rout, rmask);
                dev.addBias(dx, dbias, d2);
                dev.elementwise(ElementOp.RELU_FORWARD, d2, d2, d2mask);
                float[] r = ref.download(rout), got = dev.download(dout);
                return List.of(
                        compare("addBiasRelu out", dev.id(), s(rows, cols), r, got, arith(r), ARITH),
                        compare("addBiasRelu mask", dev.id(), s(rows, cols), ref.download(rmask), dev.download(dmask), EXACT),
                        compare("addBiasRelu = addBias, reluForward", dev.id(), s(rows, cols), dev.download(d2), got, EXACT));
            }
        }

        /** Checks {@code sumColumns} on a random {@code rows x cols} matrix. */
        public Result sumColumns(Random rnd, int rows, int cols) {
            float[] x = random(rnd, rows * cols);
            try (Scope sc = new Scope()) {
                Matrix dx = sc.add(dev.upload(x, rows, cols)), dout = sc.add(dev.alloc(1, cols));
                Matrix rx = sc.add(ref.upload(x, rows, cols)), rout = sc.add(ref.alloc(1, cols));
                dev.sumColumns(dx, dout);
                ref.sumColumns(rx, rout);
                return compare("sumColumns", dev.id(), s(rows, cols), ref.download(rout), dev.download(dout),
                        Verifier.sumColumns(rows, maxAbs(x)));
            }
        }

        /**
         * One op of the {@link Op} catalogue on one shape, its inputs drawn as the op says: every
         * output it modifies against the reference's, with the op's tolerance. Returns the first
         * failing output, else the one with the largest error.
         */
        public Result elementwise(Random rnd, Op op, int rows, int cols) {
            int n = rows * cols;
            List<float[]> in = new ArrayList<>();
            for (Op.Input input : op.inputs()) in.add(input.draw(rnd, n));
            try (Scope sc = new Scope()) {
                List<float[]> refOut = new ArrayList<>(), devOut = new ArrayList<>();
                for (int side = 0; side < 2; side++) {
                    Backend b = side == 0 ? ref : dev;
                    List<Matrix> v = new ArrayList<>();
                    for (float[] data : in) v.add(sc.add(b.upload(data, rows, cols)));
                    op.run(b, v, op instanceof UpdateOp u ? u.checkRate() : 0f);
                    for (int k : op.outputs()) (side == 0 ? refOut : devOut).add(b.download(v.get(k)));
                }
                Result worst = null;
                for (int i = 0; i < refOut.size(); i++) {
                    float[] rr = refOut.get(i);
                    Result res = compare(op.id(), dev.id(), s(rows, cols), rr, devOut.get(i), op.accuracy().tolerance(rr),
                            op.accuracy().text());
                    if (worst == null || (worst.pass() && (!res.pass() || res.maxAbs() > worst.maxAbs()))) worst = res;
                }
                return worst;
            }
        }

        /**
         * The list form of a parameter update over five tensors of odd shapes (so a group of four
         * and a group of one): against the reference's list form, and exactly against the device's
         * own one-tensor calls.
         */
        public List<Result> optimizerList(Random rnd, UpdateOp op) {
            int[][] shapes = {{1, 1}, {7, 33}, {1, 100}, {100, 10}, {33, 17}};
            int args = op.inputs().size();
            try (Scope sc = new Scope()) {
                // [side][argument][tensor]: side 0 the reference's list form, 1 the device's list form, 2 the device one by one.
                List<List<List<Matrix>>> sides = new ArrayList<>();
                for (int side = 0; side < 3; side++) {
                    List<List<Matrix>> bufs = new ArrayList<>();
                    for (int k = 0; k < args; k++) bufs.add(new ArrayList<>());
                    sides.add(bufs);
                }
                for (int[] sh : shapes) {
                    for (int k = 0; k < args; k++) {
                        float[] data = op.inputs().get(k).draw(rnd, sh[0] * sh[1]);
                        for (int side = 0; side < 3; side++) {
                            Backend b = side == 0 ? ref : dev;
                            sides.get(side).get(k).add(sc.add(b.upload(data, sh[0], sh[1])));
                        }
                    }
                }
                for (int side = 0; side < 3; side++) {
                    Backend b = side == 0 ? ref : dev;
                    List<List<Matrix>> v = sides.get(side);
                    if (side < 2) {
                        op.runList(b, v, op.checkRate());
                    } else {
                        for (int t = 0; t < shapes.length; t++) {
                            List<Matrix> one = new ArrayList<>();
                            for (List<Matrix> arg : v) one.add(arg.get(t));
                            op.run(b, one, op.checkRate());
                        }
                    }
                }
                float[][] flat = new float[3][];
                for (int side = 0; side < 3; side++) {
                    Backend b = side == 0 ? ref : dev;
                    List<float[]> parts = new ArrayList<>();
                    for (int k : op.outputs()) {
                        for (Matrix m : sides.get(side).get(k)) parts.add(b.download(m));
                    }
                    flat[side] = concat(parts.toArray(new float[0][]));
                }
                String shape = shapes.length + " tensors";
                return List.of(compare(op.id() + " list", dev.id(), shape, flat[0], flat[1], arith(flat[0]), ARITH),
                        compare(op.id() + " list = one by one", dev.id(), shape, flat[2], flat[1], EXACT));
            }
        }

        /** Softmax forward (probabilities and mean loss) and backward; returns three results. */
        public List<Result> softmax(Random rnd, int rows, int cols, float logitScale) {
            float[] x = random(rnd, rows * cols);
            for (int i = 0; i < x.length; i++) x[i] *= logitScale;
            int[] labels = randomInts(rnd, rows, cols);
            try (Scope sc = new Scope()) {
                Matrix dx = sc.add(dev.upload(x, rows, cols)), dp = sc.add(dev.alloc(rows, cols)), dg = sc.add(dev.alloc(rows, cols));
                Matrix rx = sc.add(ref.upload(x, rows, cols)), rp = sc.add(ref.alloc(rows, cols)), rg = sc.add(ref.alloc(rows, cols));
                IntVector dl = sc.add(dev.uploadInts(labels)), rl = sc.add(ref.uploadInts(labels));
                float dLoss = dev.softmaxCrossEntropy(dx, dl, dp);
                float rLoss = ref.softmaxCrossEntropy(rx, rl, rp);
                dev.softmaxCrossEntropyBackward(dp, dl, 1f, dg);
                ref.softmaxCrossEntropyBackward(rp, rl, 1f, rg);
                String shape = s(rows, cols) + (logitScale != 1f ? " x" + logitScale : "");
                float[] rgrad = ref.download(rg);
                return List.of(
                        compare("softmaxCrossEntropy loss", dev.id(), shape, new float[] {rLoss}, new float[] {dLoss}, SOFTMAX),
                        compare("softmaxCrossEntropy probs", dev.id(), shape, ref.download(rp), dev.download(dp), SOFTMAX),
                        // The backward is exact arithmetic on the probabilities, so compare it on the same inputs:
                        // the device's own probs, run through the reference formula.
                        compare("softmaxCrossEntropyBackward", dev.id(), shape, backwardOf(dev.download(dp), labels, rows, cols),
                                dev.download(dg), arith(rgrad), ARITH));
            }
        }

        /**
         * softmaxCrossEntropyWithGradient against the reference's, and against the device's own
         * two calls, which it must equal exactly (loss, probabilities and gradient).
         */
        public List<Result> softmaxWithGradient(Random rnd, int rows, int cols, float scale) {
            float[] x = random(rnd, rows * cols);
            int[] labels = randomInts(rnd, rows, cols);
            try (Scope sc = new Scope()) {
                Matrix dx = sc.add(dev.upload(x, rows, cols)), dp = sc.add(dev.alloc(rows, cols)), dg = sc.add(dev.alloc(rows, cols));
                Matrix dp2 = sc.add(dev.alloc(rows, cols)), dg2 = sc.add(dev.alloc(rows, cols));
                Matrix rx = sc.add(ref.upload(x, rows, cols)), rp = sc.add(ref.alloc(rows, cols)), rg = sc.add(ref.alloc(rows, cols));
                IntVector dl = sc.add(dev.uploadInts(labels)), rl = sc.add(ref.uploadInts(labels));
                float dLoss = dev.softmaxCrossEntropyWithGradient(dx, dl, dp, scale, dg);
                float rLoss = ref.softmaxCrossEntropyWithGradient(rx, rl, rp, scale, rg);
                float dLoss2 = dev.softmaxCrossEntropy(dx, dl, dp2);
                dev.softmaxCrossEntropyBackward(dp2, dl, scale, dg2);
                Matrix dp3 = sc.add(dev.alloc(rows, cols)), dg3 = sc.add(dev.alloc(rows, cols));
                Backend.Pending pending = dev.softmaxCrossEntropyWithGradientAsync(dx, dl, dp3, scale, dg3);
                float dLoss3 = pending.get();
                String shape = s(rows, cols) + " scale " + scale;
                float[] rgrad = ref.download(rg), grad = dev.download(dg);
                return List.of(
                        compare("softmaxWithGradient loss", dev.id(), shape, new float[] {rLoss}, new float[] {dLoss}, SOFTMAX),
                        compare("softmaxWithGradient probs", dev.id(), shape, ref.download(rp), dev.download(dp), SOFTMAX),
                        compare("softmaxWithGradient grad", dev.id(), shape, rgrad, grad, SOFTMAX),
                        compare("softmaxWithGradient = the two calls", dev.id(), shape,
                                concat(new float[] {dLoss2}, dev.download(dp2), dev.download(dg2)),
                                concat(new float[] {dLoss}, dev.download(dp), grad), EXACT),
                        compare("softmaxWithGradient = its deferred form", dev.id(), shape,
                                concat(new float[] {dLoss3}, dev.download(dp3), dev.download(dg3)),
                                concat(new float[] {dLoss}, dev.download(dp), grad), EXACT));
            }
        }

        private static float[] concat(float[]... parts) {
            int n = 0;
            for (float[] p : parts) n += p.length;
            float[] out = new float[n];
            int at = 0;
            for (float[] p : parts) {
                System.arraycopy(p, 0, out, at, p.length);
                at += p.length;
            }
            return out;
        }

        private static float[] backwardOf(float[] probs, int[] labels, int rows, int cols) {
            float s = 1f / rows;
            float[] g = new float[probs.length];
            for (int i = 0; i < rows; i++) {
                for (int j = 0; j < cols; j++) g[i * cols + j] = s * (probs[i * cols + j] - (j == labels[i] ? 1f : 0f));
            }
            return g;
        }

        /** argmaxRows and countCorrect. */
        public List<Result> argmax(Random rnd, int rows, int cols) {
            float[] x = random(rnd, rows * cols);
            int[] labels = randomInts(rnd, rows, cols);
            // Make about half the rows correct so the count is not trivially small.
            for (int i = 0; i < rows; i += 2) x[i * cols + labels[i]] = 2f;
            try (Scope sc = new Scope()) {
                Matrix dx = sc.add(dev.upload(x, rows, cols)), rx = sc.add(ref.upload(x, rows, cols));
                IntVector dl = sc.add(dev.uploadInts(labels)), rl = sc.add(ref.uploadInts(labels));
                IntVector da = sc.add(dev.allocInts(rows)), ra = sc.add(ref.allocInts(rows));
                dev.argmaxRows(dx, da);
                ref.argmaxRows(rx, ra);
                int dc = dev.countCorrect(dx, dl), rc = ref.countCorrect(rx, rl);
                return List.of(compareInts("argmaxRows", dev.id(), s(rows, cols), ref.downloadInts(ra), dev.downloadInts(da)),
                        compareInts("countCorrect", dev.id(), s(rows, cols), new int[] {rc}, new int[] {dc}));
            }
        }

        /** gatherRows, gatherInts, copy and fill. */
        public List<Result> memory(Random rnd, int rows, int cols) {
            float[] x = random(rnd, rows * cols);
            int[] ints = randomInts(rnd, rows, 1000);
            int take = Math.max(1, rows / 2);
            int offset = rows - take;
            int[] idx = randomInts(rnd, rows, rows);
            try (Scope sc = new Scope()) {
                Matrix dx = sc.add(dev.upload(x, rows, cols)), rx = sc.add(ref.upload(x, rows, cols));
                IntVector di = sc.add(dev.uploadInts(idx)), ri = sc.add(ref.uploadInts(idx));
                IntVector dv = sc.add(dev.uploadInts(ints)), rv = sc.add(ref.uploadInts(ints));
                Matrix dg = sc.add(dev.alloc(take, cols)), rg = sc.add(ref.alloc(take, cols));
                IntVector dgi = sc.add(dev.allocInts(take)), rgi = sc.add(ref.allocInts(take));
                dev.gatherRows(dx, di, offset, dg);
                ref.gatherRows(rx, ri, offset, rg);
                dev.gatherInts(dv, di, offset, dgi);
                ref.gatherInts(rv, ri, offset, rgi);
                Matrix dc = sc.add(dev.alloc(rows, cols)), rc = sc.add(ref.alloc(rows, cols));
                dev.copy(dx, dc);
                ref.copy(rx, rc);
                Matrix df = sc.add(dev.alloc(rows, cols)), rf = sc.add(ref.alloc(rows, cols));
                dev.fill(df, -3.25f);
                ref.fill(rf, -3.25f);
                return List.of(compare("gatherRows", dev.id(), s(take, cols), ref.download(rg), dev.download(dg), EXACT),
                        compareInts("gatherInts", dev.id(), Integer.toString(take), ref.downloadInts(rgi), dev.downloadInts(dgi)),
                        compare("copy", dev.id(), s(rows, cols), ref.download(rc), dev.download(dc), EXACT),
                        compare("fill", dev.id(), s(rows, cols), ref.download(rf), dev.download(df), EXACT));
            }
        }
    }

    /**
     * Every op, forward and backward, on random shapes (1 and odd sizes included), against the
     * Java reference. What {@code clayers verify} runs.
     */
    public static List<Result> verify(Backend device, long seed) {
        Random rnd = new Random(seed);
        List<Result> out = new ArrayList<>();
        try (Pair p = new Pair(device)) {
            int[][] shapes = {{1, 1}, {7, 33}, {1 + rnd.nextInt(300), 1 + rnd.nextInt(300)}, {100 + rnd.nextInt(900), 10}};
            boolean[] tf = {false, true};
            for (boolean ta : tf) {
                for (boolean tb : tf) {
                    out.add(p.gemm(rnd, ta, tb, 1, 1, 1, 1f, 0f, false));
                    out.add(p.gemm(rnd, ta, tb, 1 + rnd.nextInt(200), 1 + rnd.nextInt(200), 1 + rnd.nextInt(800), 1f, 0f, true));
                    out.add(p.gemm(rnd, ta, tb, 1 + rnd.nextInt(200), 1 + rnd.nextInt(200), 1 + rnd.nextInt(800), 0.5f, 1f, false));
                }
            }
            for (int[] s : shapes) {
                out.add(p.addBias(rnd, s[0], s[1], false));
                out.addAll(p.addBiasRelu(rnd, s[0], s[1]));
                out.add(p.sumColumns(rnd, s[0], s[1]));
                for (Op op : Op.all()) out.add(p.elementwise(rnd, op, s[0], s[1]));
                out.addAll(p.softmax(rnd, s[0], s[1], 1f));
                out.addAll(p.softmaxWithGradient(rnd, s[0], s[1], 1f));
                out.addAll(p.argmax(rnd, s[0], s[1]));
                out.addAll(p.memory(rnd, s[0], s[1]));
            }
            for (UpdateOp op : UpdateOp.values()) out.addAll(p.optimizerList(rnd, op));
            out.add(p.sumColumns(rnd, 10_000, 7));
            out.addAll(p.softmax(rnd, 64, 10, 1000f));
        }
        return out;
    }
}
