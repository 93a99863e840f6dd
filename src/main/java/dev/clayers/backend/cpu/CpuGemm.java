package dev.clayers.backend.cpu;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ForkJoinTask;
import java.util.concurrent.RecursiveAction;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Pure-Java single-precision GEMM on row-major arrays: {@code C = alpha op(A) op(B) + beta C}.
 *
 * <p>GotoBLAS / BLIS structure. For each NC-wide column panel and each KC-deep slice of the
 * shared dimension, op(B) is packed into a contiguous KC x NC panel of NR-wide slivers (it stays
 * in L3, one NR sliver in L1); for each MC-high row block, alpha op(A) is packed into MR-high
 * slivers (the MC x KC block stays in L2). Packing absorbs both transposes and alpha, so one
 * macro-kernel ({@link GemmKernel}) serves all four cases. Small problems with B not transposed
 * skip packing (see {@link #DIRECT_FLOPS}): at a training step's sizes the copies cost as much
 * as the multiply-adds. The kernel is
 * {@link VectorGemmKernel} when {@code jdk.incubator.vector} is in the boot layer, otherwise
 * {@link ScalarGemmKernel}.
 *
 * <p>Threads: C is cut into row (or column, whichever is longer) strips, one per core when
 * packed (each strip packs its own B); when not, the micro-tile rows (or columns) are handed
 * out from a counter, a shrinking share of what is left per grab (with the fork/join fallback,
 * {@link #DIRECT_STRIPS_PER_THREAD} strips per core); the caller runs one share and {@link SpinPool} workers the others (fork/join
 * when the pool is busy). Problems under {@link #PARALLEL_FLOPS} multiply-adds stay on the
 * calling thread.
 *
 * <p>Tunables (system properties, read once): {@code clayers.gemm.kc} and {@code .mc} (all kernels), {@code .nc},
 * {@code clayers.gemm.directFlops} (0: always pack), {@code clayers.gemm.vector=false} to force
 * the scalar kernel.
 */
public final class CpuGemm {
    private CpuGemm() {}

    // Defaults are BLIS's Haswell sgemm blocking (MR x NR = 6 x 16, the same AVX2 register tile);
    // a slice's depth and a block's rows are the kernel's own (GemmKernel.kc, .mc) unless
    // clayers.gemm.kc / .mc say.
    private static final Integer KC = Integer.getInteger("clayers.gemm.kc");
    private static final Integer MC = Integer.getInteger("clayers.gemm.mc");
    static final int NC = Integer.getInteger("clayers.gemm.nc", 4080); // columns of B per L3 panel

    /**
     * Up to this many multiply-adds, when B is not transposed and the kernel can, operands are
     * read where they lie instead of packed (see {@link Problem#runDirect}): a training step's
     * GEMMs (100 x 784 x 100 and its transposes) spent as long packing as multiplying.
     */
    static final long DIRECT_FLOPS = Long.getLong("clayers.gemm.directFlops", 1L << 25);

    /**
     * Strips per thread on the unpacked path when the spin pool is busy and fork/join runs them;
     * past one per thread, the pool's threads grab guided shares instead.
     */
    static final int DIRECT_STRIPS_PER_THREAD = Integer.getInteger("clayers.gemm.directStrips", 4);

    /** Below this many multiply-adds the fork/join overhead outweighs a second core. */
    static final long PARALLEL_FLOPS = Long.getLong("clayers.gemm.parallelFlops", 1L << 18);

    private static final int THREADS = SpinPool.THREADS;

    /** Workers for the strips beyond the caller's own; see {@link SpinPool} for why not fork/join. */
    private static final SpinPool POOL = SpinPool.SHARED;

    static final GemmKernel SCALAR = new ScalarGemmKernel();
    /**
     * Every Vector-API tile that loads here, the 6 x 2 one first; empty when the incubator module
     * is not in the boot layer or the build left out src/main/java-vector. Tests check them all.
     */
    static final List<GemmKernel> VECTOR_KERNELS = ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty() ? List.of()
            : java.util.stream.Stream.of("VectorGemmKernel", "VectorGemmKernel8x3").map(n -> loadKernel("dev.clayers.backend.cpu." + n))
                    .filter(java.util.Objects::nonNull).toList();
    /** The Vector-API kernel for this instruction set (see {@link #pickVectorKernel}), or null without one. */
    static final GemmKernel VECTOR = pickVectorKernel();
    static final GemmKernel DEFAULT =
            VECTOR != null && !"false".equals(System.getProperty("clayers.gemm.vector")) ? VECTOR : SCALAR;

    static {
        // Never a silent slow path: the scalar kernel is several times slower.
        if (DEFAULT == SCALAR) {
            org.slf4j.LoggerFactory.getLogger(CpuGemm.class).info("Java gemm uses the scalar kernel{}", VECTOR == null
                    ? ": start Java with --add-modules jdk.incubator.vector (./clayers does) for the Vector API kernel"
                    : " (-Dclayers.gemm.vector=false)");
        }
    }

    /**
     * The 8 x 3-vector tile where vectors are 512 bits (AVX-512's 32 registers hold its 24
     * accumulators), the 6 x 2-vector tile otherwise (it fits AVX2's 16), from {@link #VECTOR_KERNELS}.
     * {@code -Dclayers.gemm.tile=6x2|8x3} forces one, for comparisons.
     */
    private static GemmKernel pickVectorKernel() {
        if (VECTOR_KERNELS.isEmpty()) return null;
        GemmKernel base = VECTOR_KERNELS.get(0);
        String tile = System.getProperty("clayers.gemm.tile", "auto");
        boolean wide = switch (tile) {
            case "auto" -> base.name().equals("vector512");
            case "8x3" -> true;
            case "6x2" -> false;
            default -> throw new IllegalStateException("-Dclayers.gemm.tile=" + tile + ": expected auto, 6x2 or 8x3");
        };
        return wide && VECTOR_KERNELS.size() > 1 ? VECTOR_KERNELS.get(1) : base;
    }

    private static GemmKernel loadKernel(String name) {
        Class<?> cls;
        try {
            // By name, so that this class never links against the incubator module.
            cls = Class.forName(name);
        } catch (ClassNotFoundException e) {
            return null;
        }
        try {
            return (GemmKernel) cls.getDeclaredConstructor().newInstance();
        } catch (ReflectiveOperationException | LinkageError e) {
            throw new IllegalStateException("jdk.incubator.vector is present but the vector GEMM kernel " + name + " failed to load", e);
        }
    }

    /** Name of the kernel {@link #gemm} uses ("vector256", "scalar", ...), for logs and benchmarks. */
    public static String kernelName() { return DEFAULT.name(); }

    /**
     * {@code C = alpha op(A) op(B) + beta C}. When beta == 0 the old C is not read, so NaN in C
     * does not propagate; when alpha == 0 or k == 0, A and B are not read.
     *
     * @param a op(A) is m x k: a is m x k, or k x m when transA. Not modified.
     * @param b op(B) is k x n: b is k x n, or n x k when transB. Not modified.
     * @param c m x n. Modified.
     */
    public static void gemm(boolean transA, boolean transB, int m, int n, int k,
                            float alpha, float[] a, float[] b, float beta, float[] c) {
        gemm(DEFAULT, THREADS, transA, transB, m, n, k, alpha, a, b, beta, c);
    }

    /** As {@link #gemm(boolean, boolean, int, int, int, float, float[], float[], float, float[])} with a chosen kernel and at most {@code threads} strips. */
    static void gemm(GemmKernel kernel, int threads, boolean transA, boolean transB, int m, int n, int k,
                     float alpha, float[] a, float[] b, float beta, float[] c) {
        gemm(kernel, threads, DIRECT_FLOPS, transA, transB, m, n, k, alpha, a, b, beta, c);
    }

    /** As above, reading operands unpacked up to {@code directFlops} multiply-adds (0: always pack). */
    static void gemm(GemmKernel kernel, int threads, long directFlops, boolean transA, boolean transB, int m, int n, int k,
                     float alpha, float[] a, float[] b, float beta, float[] c) {
        gemm(kernel, threads, directFlops, PACK_A, transA, transB, m, n, k, alpha, a, b, beta, c);
    }

    /** As above, packing A or not on the packed path as {@code packA} says. */
    static void gemm(GemmKernel kernel, int threads, long directFlops, PackA packA, boolean transA, boolean transB, int m, int n, int k,
                     float alpha, float[] a, float[] b, float beta, float[] c) {
        if (m < 0 || n < 0 || k < 0) throw new IllegalArgumentException("gemm: negative size m=" + m + " n=" + n + " k=" + k);
        check("a", a, (long) m * k, transA ? k + "x" + m : m + "x" + k);
        check("b", b, (long) k * n, transB ? n + "x" + k : k + "x" + n);
        check("c", c, (long) m * n, m + "x" + n);
        if (m == 0 || n == 0) return;
        if (k == 0 || alpha == 0f) {
            scale(c, m * n, beta);
            return;
        }
        long flops = (long) m * n * k;
        boolean direct = kernel.direct() && !transB && flops <= directFlops;
        boolean inPlaceA = !direct && kernel.direct() && m >= kernel.mr() && switch (packA) {
            case AUTO -> transA && kernel.readsTransposedAInPlace() && (n <= IN_PLACE_A_COLUMNS || n > m);
            case ALWAYS -> false;
            case NEVER -> true;
        };
        Problem pr = new Problem(kernel, direct, inPlaceA, transA, transB, m, n, k, alpha, a, b, beta, c, narrowB(kernel, direct, n, k, b));
        int parts = (int) Math.min(threads, Math.max(1, flops / PARALLEL_FLOPS));
        if (parts <= 1) {
            pr.run(0, m, 0, n);
            return;
        }
        // Strips along the longer side of C, aligned to whole micro-tiles so no tile is split.
        boolean byRows = m >= n;
        int len = byRows ? m : n, unit = byRows ? kernel.mr() : kernel.nr();
        int units = (len + unit - 1) / unit;
        parts = Math.min(parts, units);
        // Packed strips each pack their own B, so one strip per thread; unpacked ones are cut finer
        // and taken from a counter, so a thread that loses its core for a while (a shared machine)
        // holds up the product by one small share instead of half of it.
        int pieces = direct ? Math.min(units, parts * DIRECT_STRIPS_PER_THREAD) : parts;
        Runnable[] strips = new Runnable[pieces];
        for (int t = 0; t < pieces; t++) {
            int s0 = Math.min(len, (int) ((long) units * t / pieces) * unit);
            int s1 = Math.min(len, (int) ((long) units * (t + 1) / pieces) * unit);
            strips[t] = byRows ? () -> pr.run(s0, s1, 0, n) : () -> pr.run(0, m, s0, s1);
        }
        Runnable[] runners = strips;
        if (pieces > parts) {
            // Guided: each grab takes a share of the micro-tiles left, so that the last grabs are one
            // tile high (or wide) and the threads finish together; with fixed strips of an eighth,
            // the caller waited for the worker's last one at the end of every small product
            // (measurements: docs/performance.md, "Tuning notes").
            AtomicInteger next = new AtomicInteger();
            int share = 2 * parts;
            runners = new Runnable[parts];
            Arrays.fill(runners, (Runnable) () -> {
                for (int s; (s = next.get()) < units; ) {
                    int take = Math.max(1, (units - s) / share);
                    if (!next.compareAndSet(s, s + take)) continue;
                    int s0 = s * unit, s1 = Math.min(len, (s + take) * unit);
                    if (byRows) pr.run(s0, s1, 0, n);
                    else pr.run(0, m, s0, s1);
                }
            });
        }
        if (POOL != null && parts <= POOL.width() && POOL.tryRun(runners)) return;
        // The spin pool is busy (another thread's GEMM) or too narrow: fork/join instead.
        List<RecursiveAction> tasks = new ArrayList<>(pieces);
        for (Runnable strip : strips) {
            tasks.add(new RecursiveAction() {
                @Override protected void compute() { strip.run(); }
            });
        }
        ForkJoinTask.invokeAll(tasks);
    }

    /**
     * Whether the packed path packs A ({@code -Dclayers.gemm.packA}): AUTO reads it in place
     * ({@link Problem#runPackedB}) when it is transposed, the kernel says so
     * ({@link GemmKernel#readsTransposedAInPlace}) and C is at most {@link #IN_PLACE_A_COLUMNS}
     * wide or cut into column strips (wider than tall), ALWAYS packs it, NEVER reads it in place
     * whenever the kernel can (m at least MR). The choice depends on the shape alone, never on the
     * threads, so results do not either.
     */
    enum PackA { AUTO, ALWAYS, NEVER }

    /**
     * The widest C whose transposed A AUTO reads in place when C is cut into row strips: each
     * element of a packed A serves n / NR tiles, so packing pays for itself only on wide
     * products (measurements: docs/performance.md, "Tuning notes").
     */
    static final int IN_PLACE_A_COLUMNS = 512;

    static final PackA PACK_A = packA(System.getProperty("clayers.gemm.packA", "auto"));

    private static PackA packA(String value) {
        try {
            return PackA.valueOf(value.toUpperCase(java.util.Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException("-Dclayers.gemm.packA=" + value + ": expected auto, always or never");
        }
    }

    /** Most floats {@link #narrowB} packs: beyond them each strip packs its own slices, as wider products do. */
    static final int NARROW_B_MAX = 1 << 20;

    /** The caller's buffer for {@link #narrowB}, read by every strip while the product runs. */
    private static final ThreadLocal<float[][]> NARROW_B = ThreadLocal.withInitial(() -> new float[1][0]);

    /**
     * B packed once for the whole product when C is narrower than the tile on the unpacked path
     * (ten classes: h W2, h^T dY), every row zero-padded to the tile's width; null otherwise. Each
     * strip used to pack the same rows into its own buffer, slice by slice: with 8 strips a
     * 100 x 10 x 1000 product wrote its B eight times (measurements: docs/performance.md, "Tuning
     * notes"). The kernel reads the same values either way, so results keep their bits.
     */
    private static float[] narrowB(GemmKernel kernel, boolean direct, int n, int k, float[] b) {
        if (!direct || !narrow(kernel, n)) return null;
        int width = tileWidth(kernel, n);
        if ((long) k * width > NARROW_B_MAX) return null;
        float[][] holder = NARROW_B.get();
        if (holder[0].length < k * width) holder[0] = new float[k * width];
        float[] packed = holder[0];
        for (int p = 0, src = 0, dst = 0; p < k; p++, src += n, dst += width) {
            System.arraycopy(b, src, packed, dst, n);
            for (int j = n; j < width; j++) packed[dst + j] = 0f;
        }
        return packed;
    }

    /** Whether the unpacked path must pack B's columns: C is narrower than the tile and than an exact edge tile. */
    private static boolean narrow(GemmKernel kernel, int n) {
        return n < kernel.nr() && n != kernel.edgeNr();
    }

    /** Columns of the tile that computes a C of n < NR columns on the unpacked path: the edge tile's when they fit it. */
    private static int tileWidth(GemmKernel kernel, int n) {
        return n <= kernel.edgeNr() ? kernel.edgeNr() : kernel.nr();
    }

    private static void check(String name, float[] x, long need, String shape) {
        if (x.length < need) {
            throw new IllegalArgumentException("gemm: " + name + " has " + x.length + " elements, needs " + need + " (" + shape + ")");
        }
    }

    private static void scale(float[] c, int len, float beta) {
        if (beta == 0f) Arrays.fill(c, 0, len, 0f);
        else if (beta != 1f) for (int i = 0; i < len; i++) c[i] *= beta;
    }

    /** The depth of a packed (or unpacked) slice for this kernel: {@code -Dclayers.gemm.kc}, else {@link GemmKernel#kc}. */
    static int kc(GemmKernel kernel) {
        return KC != null ? KC : kernel.kc();
    }

    /** Rows of A per packed block for this kernel: {@code -Dclayers.gemm.mc}, else {@link GemmKernel#mc}. */
    static int mc(GemmKernel kernel) {
        return MC != null ? MC : kernel.mc();
    }

    /** Packing buffers, reused per thread: growing them is the only allocation in steady state. */
    private static final ThreadLocal<float[][]> BUFFERS = ThreadLocal.withInitial(() -> new float[3][0]);

    /** This thread's packing buffer {@code slot} (0: A, 1: B, 2: a finished tile), at least {@code size} long. */
    private static float[] scratch(int slot, int size) {
        float[][] buf = BUFFERS.get();
        if (buf[slot].length < size) buf[slot] = new float[size];
        return buf[slot];
    }

    private record Problem(GemmKernel kernel, boolean direct, boolean readsAInPlace, boolean transA, boolean transB, int m, int n, int k,
                           float alpha, float[] a, float[] b, float beta, float[] c, float[] packedB) {

        /** Computes the C tile rows [i0, i1) x columns [j0, j1). */
        void run(int i0, int i1, int j0, int j1) {
            if (direct) {
                runDirect(i0, i1, j0, j1);
                return;
            }
            if (readsAInPlace) {
                runPackedB(i0, i1, j0, j1);
                return;
            }
            int mr = kernel.mr(), nr = kernel.nr();
            Blocks blocks = blocks(i0, i1, j0, j1);
            int mcMax = blocks.mc(), ncMax = blocks.nc(), kcMax = blocks.kc();
            float[] ap = scratch(0, mcMax * kcMax), bp = scratch(1, kcMax * ncMax);
            for (int jc = j0; jc < j1; jc += ncMax) {
                int nc = Math.min(ncMax, j1 - jc);
                for (int pc = 0; pc < k; pc += kcMax) {
                    int kc = Math.min(kcMax, k - pc);
                    packB(bp, pc, kc, jc, nc, nr);
                    // beta is applied once, before the first slice; every later slice adds.
                    boolean accumulate = pc > 0 || beta != 0f;
                    for (int ic = i0; ic < i1; ic += mcMax) {
                        int mc = Math.min(mcMax, i1 - ic);
                        if (pc == 0 && beta != 0f && beta != 1f) scaleTile(ic, mc, jc, nc);
                        packA(ap, ic, mc, pc, kc, mr, alpha);
                        kernel.multiply(mc, nc, kc, ap, bp, accumulate, c, ic * n + jc, n);
                    }
                }
            }
        }

        /** Rows of A per block, columns of B per panel and depth per slice for the C tile rows [i0, i1) x columns [j0, j1). */
        private Blocks blocks(int i0, int i1, int j0, int j1) {
            int mr = kernel.mr(), nr = kernel.nr();
            return new Blocks(Math.min(roundUp(mc(kernel), mr), roundUp(i1 - i0, mr)), Math.min(roundUp(NC, nr), roundUp(j1 - j0, nr)),
                    Math.min(kc(kernel), k));
        }

        /**
         * Small problems with B not transposed: the kernel reads whole MR x NR tiles of A and B in
         * place (B's rows are contiguous; A by rows, or by columns when transposed), so nothing is
         * copied. A ragged last column sliver is computed by a tile shifted left to end at column
         * n (one vector wide when the sliver is, {@link GemmKernel#edgeNr}), and a ragged last row
         * panel by one shifted up to end at row m: they recompute columns (rows) that the tile
         * before them owns and store only their own: packing those edges instead, per strip and KC
         * slice, was much slower (measurements: docs/performance.md, "Tuning notes"). Only a C
         * narrower than the tile (or shorter than MR) still packs its edge, zero-padded, to the edge
         * tile's width when it is that narrow (10 classes: 16 columns computed, not 48). Each tile lands in
         * a scratch block and is added to C with alpha and beta there. The loops keep one B sliver
         * (KC x NR) hot in cache across the strip's row panels.
         */
        private void runDirect(int i0, int i1, int j0, int j1) {
            int mr = kernel.mr(), nr = kernel.nr(), en = kernel.edgeNr();
            int kcMax = Math.min(kc(kernel), k);
            float[] edgeA = scratch(0, mr * kcMax), edgeB = scratch(1, kcMax * nr), out = scratch(2, mr * nr);
            int fullRows = i0 + (i1 - i0) / mr * mr;
            boolean packEdgeA = fullRows < i1 && m < mr;
            for (int pc = 0; pc < k; pc += kcMax) {
                int kc = Math.min(kcMax, k - pc);
                boolean first = pc == 0;
                if (packEdgeA) packA(edgeA, fullRows, i1 - fullRows, pc, kc, mr, 1f);
                for (int jr = j0; jr < j1; jr += nr) {
                    int nw = Math.min(nr, j1 - jr);
                    float[] bs = b;
                    int jt = jr;                        // first column the tile computes
                    boolean edge = nw < nr && nw <= en;
                    if (edge && n >= en) {
                        jt = n - en;
                    } else if (!edge && nw < nr && n >= nr) {
                        jt = n - nr;
                    } else if (nw < nr) {                // C narrower than the tile: its columns packed, zero-padded
                        if (packedB == null) packB(edgeB, pc, kc, jr, nw, edge ? en : nr);
                        bs = packedB == null ? edgeB : packedB;
                    }
                    int tw = edge ? en : nr;
                    int bo = bs == b ? pc * n + jt : bs == packedB ? pc * tw : 0, ldb = bs == b ? n : tw;
                    for (int ir = i0; ir < i1; ir += mr) {
                        int mh = Math.min(mr, i1 - ir);
                        boolean packed = mh < mr && packEdgeA;
                        int it = mh < mr && !packEdgeA ? m - mr : ir;   // first row the tile computes
                        float[] as = packed ? edgeA : a;
                        int ao = packed ? 0 : transA ? pc * m + it : it * k + pc;
                        int ars = packed || transA ? 1 : k, acs = packed ? mr : transA ? m : 1;
                        kernel.directTile(edge, kc, as, ao, ars, acs, bs, bo, ldb, out);
                        kernel.addTile(out, (ir - it) * tw + (jr - jt), tw, mh, nw, c, ir * n + jr, n, alpha, beta, first);
                    }
                }
            }
        }

        /**
         * The packed path with A read where it lies: B packed as in {@link #run}, each tile of A
         * read by rows (or by columns when transposed) as on the unpacked path, a ragged last row
         * panel shifted up to end at row m (so m is at least MR). When C is cut into column
         * strips, every strip packed all of A; a transposed A's tile reads MR consecutive floats
         * per step, as from a packed sliver, only m floats apart. See {@link PackA} for when it
         * runs; reading every A in place was slower for untransposed and square products
         * (measurements: docs/performance.md, "Tuning notes").
         * The tiles read the same A values in the same order, so with alpha 1 (every layer's
         * products) the results keep their bits; alpha is applied to the finished tile, as on the
         * unpacked path.
         */
        private void runPackedB(int i0, int i1, int j0, int j1) {
            int mr = kernel.mr(), nr = kernel.nr(), en = kernel.edgeNr();
            Blocks blocks = blocks(i0, i1, j0, j1);
            int mcMax = blocks.mc(), ncMax = blocks.nc(), kcMax = blocks.kc();
            float[] bp = scratch(1, kcMax * ncMax), out = scratch(2, mr * nr);
            int ars = transA ? 1 : k, acs = transA ? m : 1;
            for (int jc = j0; jc < j1; jc += ncMax) {
                int nc = Math.min(ncMax, j1 - jc);
                for (int pc = 0; pc < k; pc += kcMax) {
                    int kc = Math.min(kcMax, k - pc);
                    packB(bp, pc, kc, jc, nc, nr);
                    boolean first = pc == 0;
                    for (int ic = i0; ic < i1; ic += mcMax) {
                        int icEnd = Math.min(i1, ic + mcMax);
                        for (int jr = 0; jr < nc; jr += nr) {
                            int bo = (jr / nr) * kc * nr, nw = Math.min(nr, nc - jr);
                            boolean edge = nw <= en;         // the edge tile over the sliver's first columns
                            int tw = edge ? en : nr;
                            for (int ir = ic; ir < icEnd; ir += mr) {
                                int mh = Math.min(mr, icEnd - ir);
                                int it = mh < mr ? m - mr : ir;   // first row the tile computes
                                int ao = transA ? pc * m + it : it * k + pc;
                                kernel.directTile(edge, kc, a, ao, ars, acs, bp, bo, nr, out);
                                kernel.addTile(out, (ir - it) * tw, tw, mh, nw, c, ir * n + jc + jr, n, alpha, beta, first);
                            }
                        }
                    }
                }
            }
        }

        private void scaleTile(int ic, int mc, int jc, int nc) {
            for (int i = ic; i < ic + mc; i++) {
                for (int j = i * n + jc, end = j + nc; j < end; j++) c[j] *= beta;
            }
        }

        /** alpha op(A)[ic.., pc..] into MR-row slivers, zero-padded to a whole sliver. */
        private void packA(float[] ap, int ic, int mc, int pc, int kc, int mr, float alpha) {
            for (int ir = 0; ir < mc; ir += mr) {
                int base = (ir / mr) * kc * mr;
                int mh = Math.min(mr, mc - ir);
                if (transA) {                       // op(A)[i][p] = a[p * m + i]: rows of a are contiguous in i
                    // A whole sliver's height a constant, so C2 unrolls the copy of each column
                    // (measurements: docs/performance.md, "Tuning notes").
                    int src = pc * m + ic + ir;
                    if (mh == 8 && mr == 8) packColumns(a, src, m, ap, base, kc, 8, 8, alpha);
                    else if (mh == 6 && mr == 6) packColumns(a, src, m, ap, base, kc, 6, 6, alpha);
                    else packColumns(a, src, m, ap, base, kc, mh, mr, alpha);
                } else {                            // op(A)[i][p] = a[i * k + p]
                    // The kernels' heights as constants, so that C2 sees the stores' stride
                    // (measurements: docs/performance.md, "Tuning notes").
                    int src = (ic + ir) * k + pc;
                    if (mr == 8) packRows(a, src, k, ap, base, kc, mh, 8, alpha);
                    else if (mr == 6) packRows(a, src, k, ap, base, kc, mh, 6, alpha);
                    else packRows(a, src, k, ap, base, kc, mh, mr, alpha);
                }
            }
        }

        /** Columns {@code a[src + p * m ..]}, mh of each, times alpha into one mr-high sliver at base, zero-padded. */
        private static void packColumns(float[] a, int src, int m, float[] ap, int base, int kc, int mh, int mr, float alpha) {
            for (int p = 0; p < kc; p++) {
                int from = src + p * m, dst = base + p * mr;
                for (int i = 0; i < mh; i++) ap[dst + i] = alpha * a[from + i];
                for (int i = mh; i < mr; i++) ap[dst + i] = 0f;
            }
        }

        /** Rows {@code a[src + i * k ..]}, i < mh, times alpha into one mr-high sliver at base, zero-padded. */
        private static void packRows(float[] a, int src, int k, float[] ap, int base, int kc, int mh, int mr, float alpha) {
            for (int i = 0; i < mh; i++) {
                int from = src + i * k, dst = base + i;
                for (int p = 0; p < kc; p++) ap[dst + p * mr] = alpha * a[from + p];
            }
            for (int i = mh; i < mr; i++) {
                for (int p = 0; p < kc; p++) ap[base + i + p * mr] = 0f;
            }
        }

        /** op(B)[pc.., jc..] into NR-column slivers, zero-padded to a whole sliver. */
        private void packB(float[] bp, int pc, int kc, int jc, int nc, int nr) {
            boolean pad = kernel.readsPadding();
            if (!transB) {                          // op(B)[p][j] = b[p * n + j]
                // Row by row of B, each row's pieces to every sliver: B is read in order, where
                // sliver by sliver read NR floats from each of kc rows a page apart (the pack took
                // twice as long; measurements: docs/performance.md, "Tuning notes").
                for (int p = 0; p < kc; p++) {
                    int row = (pc + p) * n + jc;
                    for (int jr = 0; jr < nc; jr += nr) {
                        int nw = Math.min(nr, nc - jr), dst = (jr / nr) * kc * nr + p * nr;
                        System.arraycopy(b, row + jr, bp, dst, nw);
                        if (nw < nr && pad) Arrays.fill(bp, dst + nw, dst + nr, 0f);
                    }
                }
                return;
            }
            for (int jr = 0; jr < nc; jr += nr) {   // op(B)[p][j] = b[j * k + p]
                int base = (jr / nr) * kc * nr;
                int nw = Math.min(nr, nc - jr);
                for (int j = 0; j < nw; j++) {
                    int src = (jc + jr + j) * k + pc, dst = base + j;
                    for (int p = 0; p < kc; p++) bp[dst + p * nr] = b[src + p];
                }
                for (int j = nw; j < nr && pad; j++) {
                    for (int p = 0; p < kc; p++) bp[base + j + p * nr] = 0f;
                }
            }
        }
    }

    /** The packed paths' blocking: rows of A per block, columns of B per panel, depth per slice. */
    private record Blocks(int mc, int nc, int kc) {}

    private static int roundUp(int x, int q) { return (x + q - 1) / q * q; }
}
