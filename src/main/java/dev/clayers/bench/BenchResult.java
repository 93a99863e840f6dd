package dev.clayers.bench;

/**
 * One (case, device) figure: rates over the timed samples, in the workload's unit.
 *
 * @param workload    {@link Workload#title()}
 * @param caseName    row label
 * @param device      device id
 * @param unit        GFLOP/s, GB/s or samples/s
 * @param min         slowest sample
 * @param median      the figure tables show
 * @param max         fastest sample
 * @param reps        timed samples
 * @param callsPerRep calls per sample (each sample lasts about the minimum sample time)
 * @param firstCallMs the first call, with the device waited for: lazy kernel compilation and
 *                    first-touch allocation land here, so it is never part of the figure
 * @param check       {@code PASS} or {@code FAIL: ...} for gemm (result against the reference
 *                    before timing); empty for other workloads
 */
public record BenchResult(String workload, String caseName, String device, String unit, double min, double median, double max,
                          int reps, long callsPerRep, double firstCallMs, String check) {
    public boolean failed() { return check.startsWith("FAIL"); }

    /**
     * Whether the slowest sample was more than {@link BenchReport#UNSTEADY_SPREAD} times slower
     * than the fastest: the machine was busy or the device unsteady, so the median is not to be
     * trusted (tables mark it {@code !}).
     */
    public boolean unsteady() { return min > 0 && max / min > BenchReport.UNSTEADY_SPREAD; }
}
