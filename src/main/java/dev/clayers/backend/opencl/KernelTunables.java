package dev.clayers.backend.opencl;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The {@code -D} values the kernels are built with (each kernel file's {@code #ifndef} tunables).
 * {@link #forDevice} derives them from the device's limits; the system property
 * {@code clayers.kernel.defines} ({@code "TSM=32,TSN=32"}) overrides single values, for tuning.
 *
 * @param tsm      gemm: rows of C per work-group
 * @param tsn      gemm: columns of C per work-group
 * @param tsk      gemm: K depth staged in local memory per step
 * @param wptm     gemm: C rows per work-item
 * @param wptn     gemm: C columns per work-item
 * @param reduceWg 1-D reductions: work-group size (power of two)
 * @param sumColsX column sums: columns per work-group
 * @param sumColsY column sums: row lanes per column (power of two)
 */
public record KernelTunables(int tsm, int tsn, int tsk, int wptm, int wptn, int reduceWg, int sumColsX, int sumColsY) {
    public static final String PROPERTY = "clayers.kernel.defines";

    public KernelTunables {
        if (tsm % wptm != 0 || tsn % wptn != 0) {
            throw new IllegalArgumentException("TSM must be a multiple of WPTM and TSN of WPTN, got TSM=" + tsm
                    + " WPTM=" + wptm + " TSN=" + tsn + " WPTN=" + wptn);
        }
        if (Integer.bitCount(reduceWg) != 1 || Integer.bitCount(sumColsY) != 1) {
            throw new IllegalArgumentException("REDUCE_WG and SUM_COLS_Y must be powers of two, got " + reduceWg + ", " + sumColsY);
        }
    }

    /** Work-items per gemm work-group. */
    public int gemmWorkGroup() { return (tsm / wptm) * (tsn / wptn); }

    /** Local memory one gemm work-group uses, in bytes. */
    public long gemmLocalBytes() { return 4L * tsk * (tsm + tsn); }

    /**
     * Defaults for a device: the largest gemm tile (64, 32, then 16 square, 4x4 outputs per
     * work-item) whose work-group and local-memory slabs fit the device, and reductions of up to
     * 256 work-items.
     */
    public static KernelTunables forDevice(long maxWorkGroup, long[] maxItemSizes, long localMemBytes) {
        int[][] gemmChoices = {{64, 16, 4}, {32, 16, 4}, {16, 8, 4}, {8, 8, 8}};   // {TS, TSK, WPT}
        int ts = 8, tsk = 8, wpt = 8;
        for (int[] c : gemmChoices) {
            int side = c[0] / c[2];
            boolean fits = (long) side * side <= maxWorkGroup && side <= maxItemSizes[0] && side <= maxItemSizes[1]
                    && 4L * c[1] * 2 * c[0] + 1024 <= localMemBytes;
            if (fits) { ts = c[0]; tsk = c[1]; wpt = c[2]; break; }
        }
        int reduce = Integer.highestOneBit((int) Math.min(256, Math.min(maxWorkGroup, maxItemSizes[0])));
        int sumX = Math.min(16, reduce);
        int sumY = Math.max(1, Integer.highestOneBit((int) Math.min(reduce / sumX, maxItemSizes[1])));
        return withOverrides(new KernelTunables(ts, ts, tsk, wpt, wpt, reduce, sumX, sumY), System.getProperty(PROPERTY, ""));
    }

    /** Applies {@code "NAME=value,..."} overrides (names as in the kernel files). */
    public static KernelTunables withOverrides(KernelTunables t, String spec) {
        Map<String, Integer> m = t.defines();
        for (String part : spec.split(",")) {
            if (part.isBlank()) continue;
            String[] kv = part.split("=", 2);
            String key = kv[0].trim().toUpperCase(java.util.Locale.ROOT);
            if (kv.length != 2 || !m.containsKey(key)) {
                throw new IllegalArgumentException(PROPERTY + ": cannot parse '" + part + "'; expected NAME=value with NAME one of " + m.keySet());
            }
            m.put(key, Integer.parseInt(kv[1].trim()));
        }
        return new KernelTunables(m.get("TSM"), m.get("TSN"), m.get("TSK"), m.get("WPTM"), m.get("WPTN"),
                m.get("REDUCE_WG"), m.get("SUM_COLS_X"), m.get("SUM_COLS_Y"));
    }

    /** The tunables by their kernel-file names. */
    public Map<String, Integer> defines() {
        Map<String, Integer> m = new LinkedHashMap<>();
        m.put("TSM", tsm);
        m.put("TSN", tsn);
        m.put("TSK", tsk);
        m.put("WPTM", wptm);
        m.put("WPTN", wptn);
        m.put("REDUCE_WG", reduceWg);
        m.put("SUM_COLS_X", sumColsX);
        m.put("SUM_COLS_Y", sumColsY);
        return m;
    }

    /** The {@code -D} build options. */
    public String options() {
        StringBuilder sb = new StringBuilder();
        defines().forEach((k, v) -> sb.append(" -D").append(k).append('=').append(v));
        return sb.toString().trim();
    }
}
