package dev.clayers.backend.opencl;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The {@code -D} values the kernels are built with (each kernel file's {@code #ifndef} tunables),
 * plus which gemm kernel file runs. {@link #forDevice} derives defaults from the device's type and
 * limits; a tuning-cache entry ({@link TuningCache}) and then the system property
 * {@code clayers.kernel.defines} ({@code "GEMM=cpu,CPU_RM=8"}) override single values.
 *
 * @param gemm     which gemm kernel: the local-memory tiled one (GPUs) or the register-blocked one (CPUs)
 * @param tsm      tiled gemm: rows of C per work-group
 * @param tsn      tiled gemm: columns of C per work-group
 * @param tsk      tiled gemm: K depth staged in local memory per step
 * @param wptm     tiled gemm: C rows per work-item
 * @param wptn     tiled gemm: C columns per work-item
 * @param cpuRm    CPU gemm: C rows per work-item (register block height)
 * @param cpuVw    CPU gemm: C columns per work-item: a vector of 4, 8 or 16, or 2 or 3 float16 (32, 48)
 * @param cpuWgn   CPU gemm: work-items per work-group along N
 * @param cpuWgm   CPU gemm: work-items per work-group along M
 * @param cpuDwgm  CPU gemm, the unpacked kernel for small products: work-items per work-group along M
 * @param reduceWg 1-D reductions: work-group size (power of two)
 * @param sumColsX column sums: columns per work-group
 * @param sumColsY column sums: row lanes per column (power of two)
 */
public record KernelTunables(GemmVariant gemm, int tsm, int tsn, int tsk, int wptm, int wptn,
                             int cpuRm, int cpuVw, int cpuWgn, int cpuWgm, int cpuDwgm,
                             int reduceWg, int sumColsX, int sumColsY) {
    public static final String PROPERTY = "clayers.kernel.defines";

    /** The gemm kernels, by the file that holds them. */
    public enum GemmVariant {
        /** {@code gemm.cl}: local-memory tiles, shaped for GPUs. */
        TILED("gemm.cl"),
        /** {@code gemm_cpu.cl}: register blocks, no local memory, no barriers; shaped for CPU drivers. */
        CPU("gemm_cpu.cl");

        private final String file;
        GemmVariant(String file) { this.file = file; }
        public String file() { return file; }
    }

    public KernelTunables {
        if (gemm == null) throw new IllegalArgumentException("gemm variant must not be null");
        if (tsm % wptm != 0 || tsn % wptn != 0) {
            throw new IllegalArgumentException("TSM must be a multiple of WPTM and TSN of WPTN, got TSM=" + tsm
                    + " WPTM=" + wptm + " TSN=" + tsn + " WPTN=" + wptn);
        }
        if (cpuVw != 4 && cpuVw != 8 && cpuVw != 16 && cpuVw != 32 && cpuVw != 48) {
            throw new IllegalArgumentException("CPU_VW must be 4, 8, 16, 32 or 48, got " + cpuVw);
        }
        if (cpuRm < 1 || cpuWgn < 1 || cpuWgm < 1 || cpuDwgm < 1) {
            throw new IllegalArgumentException("CPU_RM, CPU_WGN, CPU_WGM and CPU_DWGM must be positive, got " + cpuRm + ", " + cpuWgn
                    + ", " + cpuWgm + ", " + cpuDwgm);
        }
        if (Integer.bitCount(reduceWg) != 1 || Integer.bitCount(sumColsY) != 1) {
            throw new IllegalArgumentException("REDUCE_WG and SUM_COLS_Y must be powers of two, got " + reduceWg + ", " + sumColsY);
        }
    }

    /**
     * Ranges a stored tuning choice must lie in: what the kernels' {@code #error} checks and the
     * tuner's grid allow, with room. A cache entry outside them (edited by hand, or from another
     * version) would otherwise fail the kernel build and disable the device.
     */
    private static final Map<String, int[]> TUNED_RANGES = Map.ofEntries(
            Map.entry("TSM", new int[] {1, 128}), Map.entry("TSN", new int[] {1, 128}), Map.entry("TSK", new int[] {1, 64}),
            Map.entry("WPTM", new int[] {1, 16}), Map.entry("WPTN", new int[] {1, 16}),
            Map.entry("CPU_RM", new int[] {1, 16}), Map.entry("CPU_VW", new int[] {4, 48}),
            Map.entry("CPU_WGN", new int[] {1, 256}), Map.entry("CPU_WGM", new int[] {1, 256}),
            Map.entry("CPU_DWGM", new int[] {1, 256}));

    /**
     * Checks a stored gemm spec ({@link #gemmSpec()} form) against {@link #TUNED_RANGES}.
     *
     * @throws IllegalArgumentException naming the first value out of range
     */
    static void checkTunedRanges(String spec) {
        for (String part : spec.split(",")) {
            String[] kv = part.split("=", 2);
            if (kv.length != 2) continue;   // withOverrides reports malformed parts
            int[] range = TUNED_RANGES.get(kv[0].trim().toUpperCase(Locale.ROOT));
            if (range == null) continue;
            int v;
            try {
                v = Integer.parseInt(kv[1].trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(part.trim() + " is not an integer");
            }
            if (v < range[0] || v > range[1]) {
                throw new IllegalArgumentException(part.trim() + " is outside " + range[0] + ".." + range[1]);
            }
        }
    }

    /**
     * Checks the gemm work-groups against the device's limits: a stored choice can be within
     * {@link #TUNED_RANGES} and still too large for this device (CPU_WGN=256 x CPU_WGM=256 is
     * 65,536 work-items; TSM=TSN=128 with WPTM=WPTN=1 is 16,384), and every launch would then fail
     * with CL_INVALID_WORK_GROUP_SIZE.
     *
     * @param maxGroup      CL_DEVICE_MAX_WORK_GROUP_SIZE
     * @param maxItems      CL_DEVICE_MAX_WORK_ITEM_SIZES, at least two
     * @param localMemBytes CL_DEVICE_LOCAL_MEM_SIZE
     * @throws IllegalArgumentException naming the values and the limit they pass
     */
    public void checkFits(long maxGroup, long[] maxItems, long localMemBytes) {
        if (gemm == GemmVariant.TILED) {
            fits("TSN/WPTN x TSM/WPTM", tsn / wptn, tsm / wptm, maxGroup, maxItems);
            if (gemmLocalBytes() > localMemBytes) {
                throw new IllegalArgumentException("TSK=" + tsk + ", TSM=" + tsm + ", TSN=" + tsn + " need " + gemmLocalBytes()
                        + " bytes of local memory, more than the device's " + localMemBytes);
            }
        } else {
            fits("CPU_WGN x CPU_WGM", cpuWgn, cpuWgm, maxGroup, maxItems);
            fits("CPU_WGN x CPU_DWGM", cpuWgn, cpuDwgm, maxGroup, maxItems);
        }
    }

    private static void fits(String what, long x, long y, long maxGroup, long[] maxItems) {
        if (x * y > maxGroup || x > maxItems[0] || y > maxItems[1]) {
            throw new IllegalArgumentException("a work-group of " + what + " = " + x + " x " + y + " = " + x * y
                    + " work-items passes the device's maximum of " + maxGroup + " (at most " + maxItems[0] + " x " + maxItems[1] + ")");
        }
    }

    /** Work-items per tiled-gemm work-group. */
    public int gemmWorkGroup() { return (tsm / wptm) * (tsn / wptn); }

    /** Local memory one tiled-gemm work-group uses, in bytes. */
    public long gemmLocalBytes() { return 4L * tsk * (tsm + tsn); }

    /**
     * Defaults for a device profile. The CPU shape gets the register-blocked gemm: 6 rows x 16 columns per work-item
     * (12 AVX2 accumulators, the shape of BLIS's Haswell micro-kernel), 4 row blocks per work-group
     * (a panel of B is reused from cache by each; more, smaller groups balance better over the
     * cores); the unpacked kernel for small products, whose few row blocks spread better in still
     * finer groups, 2. The GPU shape gets the largest gemm tile (64, 32, then
     * 16 square, 4x4 outputs per work-item) whose work-group and local-memory slabs fit. Reductions
     * use up to 256 work-items.
     *
     * <p>{@code floatVector} is the device's preferred float vector width. A CPU device with 16 (AVX-512: 32 registers) gets an 8 x 32 register block, two float16 per row:
     * much faster than 6 x 16 on PoCL, about as fast as 8 x 48 or 6 x 32, and 32 columns waste less
     * of a ragged last block (100 columns: 128 computed) than 48 (144). Measurements of all these
     * choices: docs/performance.md, "Tuning notes".
     */
    public static KernelTunables forDevice(DeviceProfile profile, long maxWorkGroup, long[] maxItemSizes, long localMemBytes,
                                           int floatVector) {
        boolean cpu = profile.cpuGemm();
        int[][] gemmChoices = {{64, 16, 4}, {32, 16, 4}, {16, 8, 4}, {8, 8, 8}};   // {TS, TSK, WPT}
        int ts = 8, tsk = 8, wpt = 8;
        for (int[] c : gemmChoices) {
            int side = c[0] / c[2];
            boolean fits = (long) side * side <= maxWorkGroup && side <= maxItemSizes[0] && side <= maxItemSizes[1]
                    && 4L * c[1] * 2 * c[0] + 1024 <= localMemBytes;
            if (fits) { ts = c[0]; tsk = c[1]; wpt = c[2]; break; }
        }
        int wgm = (int) Math.max(1, Math.min(cpu ? 4 : 16, Math.min(maxWorkGroup, maxItemSizes[1])));
        int reduce = Integer.highestOneBit((int) Math.min(256, Math.min(maxWorkGroup, maxItemSizes[0])));
        int sumX = Math.min(16, reduce);
        int sumY = Math.max(1, Integer.highestOneBit((int) Math.min(reduce / sumX, maxItemSizes[1])));
        int dwgm = (int) Math.max(1, Math.min(2, Math.min(maxWorkGroup, maxItemSizes[1])));
        boolean wide = floatVector >= 16;
        return new KernelTunables(cpu ? GemmVariant.CPU : GemmVariant.TILED, ts, ts, tsk, wpt, wpt, wide ? 8 : 6, wide ? 32 : 16, 1,
                wgm, dwgm, reduce, sumX, sumY);
    }

    /**
     * Applies {@code "NAME=value,..."} overrides: names as in the kernel files, plus
     * {@code GEMM=tiled|cpu} for the gemm variant.
     */
    public static KernelTunables withOverrides(KernelTunables t, String spec) {
        Map<String, Integer> m = t.defines();
        GemmVariant variant = t.gemm;
        for (String part : spec.split(",")) {
            if (part.isBlank()) continue;
            String[] kv = part.split("=", 2);
            String key = kv[0].trim().toUpperCase(Locale.ROOT);
            if (kv.length == 2 && key.equals("GEMM")) {
                try {
                    variant = GemmVariant.valueOf(kv[1].trim().toUpperCase(Locale.ROOT));
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("cannot parse '" + part + "': GEMM is tiled or cpu");
                }
                continue;
            }
            if (kv.length != 2 || !m.containsKey(key)) {
                throw new IllegalArgumentException("cannot parse '" + part + "'; expected NAME=value with NAME GEMM or one of " + m.keySet());
            }
            try {
                m.put(key, Integer.parseInt(kv[1].trim()));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("cannot parse '" + part + "': " + key + " takes an integer");
            }
        }
        return new KernelTunables(variant, m.get("TSM"), m.get("TSN"), m.get("TSK"), m.get("WPTM"), m.get("WPTN"),
                m.get("CPU_RM"), m.get("CPU_VW"), m.get("CPU_WGN"), m.get("CPU_WGM"), m.get("CPU_DWGM"),
                m.get("REDUCE_WG"), m.get("SUM_COLS_X"), m.get("SUM_COLS_Y"));
    }

    /** The integer tunables by their kernel-file names. */
    public Map<String, Integer> defines() {
        Map<String, Integer> m = new LinkedHashMap<>();
        m.putAll(tiledDefines());
        m.putAll(cpuDefines());
        m.putAll(otherDefines());
        return m;
    }

    private Map<String, Integer> tiledDefines() {
        Map<String, Integer> m = new LinkedHashMap<>();
        m.put("TSM", tsm);
        m.put("TSN", tsn);
        m.put("TSK", tsk);
        m.put("WPTM", wptm);
        m.put("WPTN", wptn);
        return m;
    }

    private Map<String, Integer> cpuDefines() {
        Map<String, Integer> m = new LinkedHashMap<>();
        m.put("CPU_RM", cpuRm);
        m.put("CPU_VW", cpuVw);
        m.put("CPU_WGN", cpuWgn);
        m.put("CPU_WGM", cpuWgm);
        m.put("CPU_DWGM", cpuDwgm);
        return m;
    }

    private Map<String, Integer> otherDefines() {
        Map<String, Integer> m = new LinkedHashMap<>();
        m.put("REDUCE_WG", reduceWg);
        m.put("SUM_COLS_X", sumColsX);
        m.put("SUM_COLS_Y", sumColsY);
        return m;
    }

    /**
     * The gemm choice alone, as an override spec ({@code "GEMM=cpu,CPU_RM=6,..."}): what the tuner
     * searches and stores. CPU_DWGM stays out: the tuner times large (packed) products, which do
     * not use it.
     */
    public String gemmSpec() {
        Map<String, Integer> tuned = gemm == GemmVariant.CPU ? cpuDefines() : tiledDefines();
        tuned.remove("CPU_DWGM");
        return "GEMM=" + gemm.name().toLowerCase(Locale.ROOT) + "," + join(tuned, ",");
    }

    /**
     * The {@code -D} build options of the gemm file. Only that variant's values, so a change to
     * another file's tunables leaves the gemm program (and its cached binary) as it was.
     */
    public String gemmOptions() {
        return options(gemm == GemmVariant.CPU ? cpuDefines() : tiledDefines());
    }

    /** The {@code -D} build options of the other kernel files. */
    public String otherOptions() { return options(otherDefines()); }

    /** Every {@code -D} value, for display. */
    public String options() {
        return "GEMM=" + gemm.name().toLowerCase(Locale.ROOT) + " " + gemmOptions() + " " + otherOptions();
    }

    private static String options(Map<String, Integer> m) {
        StringBuilder sb = new StringBuilder();
        m.forEach((k, v) -> sb.append(" -D").append(k).append('=').append(v));
        return sb.toString().trim();
    }

    private static String join(Map<String, Integer> m, String sep) {
        StringBuilder sb = new StringBuilder();
        m.forEach((k, v) -> sb.append(sb.length() == 0 ? "" : sep).append(k).append('=').append(v));
        return sb.toString();
    }
}
