package dev.clayers.bench;

/**
 * The four things {@code clayers bench} measures, each with its unit: a case's work per call
 * (flops, bytes or samples) divided by {@link #scale} and by the seconds one call takes.
 */
public enum Workload {
    GEMM("gemm", "GFLOP/s", 1e9, "2*M*N*K flops per call"),
    OPS("ops", "GB/s", 1e9, "bytes read + written per call (1 GB = 1e9 B)"),
    TRAIN("train step", "samples/s", 1, "gradient + SGD step (lr 0.1), inputs and labels already on the device"),
    TRANSFER("transfer", "GB/s", 1e9, "host<->device bytes per call (1 GB = 1e9 B)");

    private final String title;
    private final String unit;
    private final double scale;
    private final String meaning;

    Workload(String title, String unit, double scale, String meaning) {
        this.title = title;
        this.unit = unit;
        this.scale = scale;
        this.meaning = meaning;
    }

    public String title() { return title; }

    /** The name {@code bench --only} takes: gemm, ops, train or transfer. */
    public String key() { return name().toLowerCase(java.util.Locale.ROOT); }

    /** The workload named {@code key} (case-insensitive), or an error listing the valid ones. */
    public static Workload byKey(String key) {
        for (Workload w : values()) if (w.key().equalsIgnoreCase(key.trim())) return w;
        throw new IllegalArgumentException("unknown workload '" + key + "'; valid: gemm, ops, train, transfer");
    }
    public String unit() { return unit; }
    /** Work units per unit of the reported rate (1e9 for GFLOP/s and GB/s). */
    public double scale() { return scale; }
    /** What one unit of work is, for table headers. */
    public String meaning() { return meaning; }
}
