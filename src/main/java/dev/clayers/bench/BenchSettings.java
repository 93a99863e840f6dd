package dev.clayers.bench;

/**
 * How hard to measure.
 *
 * @param reps            timed samples per (case, device); fewer only when a case would take
 *                        longer than {@code maxCaseSeconds} (never fewer than 3, or than reps if smaller)
 * @param minSampleNanos  a sample repeats the call until it lasts at least about this long, so
 *                        timer resolution and launch jitter do not dominate tiny ops
 * @param warmupNanos     untimed calls after the first call, so JIT and driver caches settle: at
 *                        least this long, then on until the JIT is quiet and the time per call steady
 * @param maxWarmupNanos  the warm-up's upper bound, JIT or not; reaching it is logged (WARN) unless it is 0
 * @param maxCaseSeconds  soft cap on the timed part of one (case, device)
 * @param quick           whether this is {@code --quick} (recorded in the report)
 */
public record BenchSettings(int reps, long minSampleNanos, long warmupNanos, long maxWarmupNanos, double maxCaseSeconds,
                            boolean quick) {
    public BenchSettings {
        if (reps < 1) throw new IllegalArgumentException("--reps must be positive, got " + reps);
        if (minSampleNanos < 0 || warmupNanos < 0 || maxWarmupNanos < 0 || maxCaseSeconds < 0) {
            throw new IllegalArgumentException("bench times must be >= 0");
        }
    }

    /** The full run: 10 samples of >= 50 ms after 0.2 to 10 s of warm-up (see {@code Bench.warmUp}: the Java backend can take 4 s). */
    public static BenchSettings forFull() { return new BenchSettings(10, 50_000_000L, 200_000_000L, 10_000_000_000L, 8, false); }

    /**
     * {@code --quick}: 3 samples of >= 50 ms after 0.05 to 10 s of warm-up. Quick shortens the least
     * warm-up, not the most: a quick run timed while the JIT still compiles is far off
     * (measurements: docs/performance.md, "Tuning notes").
     */
    public static BenchSettings forQuick() { return new BenchSettings(3, 50_000_000L, 50_000_000L, 10_000_000_000L, 2, true); }

    public BenchSettings withReps(int r) { return new BenchSettings(r, minSampleNanos, warmupNanos, maxWarmupNanos, maxCaseSeconds, quick); }
}
