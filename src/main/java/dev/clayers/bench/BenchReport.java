package dev.clayers.bench;

import dev.clayers.backend.Verifier;

import java.util.List;

/**
 * Everything one bench run found, as written to {@code --json}.
 *
 * @param started  when the run began (ISO-8601)
 * @param host     OS, architecture and Java runtime of the machine
 * @param settings reps, sample and warm-up times
 * @param devices  each device with its set-up costs
 * @param results  one figure per (case, device), in run order
 * @param checks   the gemm results compared with the reference before timing
 * @param load     the machine's load average (1, 5, 15 minutes) at the start and at the end of the
 *                 run, {@code /proc/loadavg}; "unknown" where there is none
 */
public record BenchReport(String started, String host, BenchSettings settings, List<DeviceRun> devices, List<BenchResult> results,
                          List<Verifier.Result> checks, String load) {
    /** A figure whose slowest sample is more than this many times its fastest is flagged as unsteady. */
    public static final double UNSTEADY_SPREAD = 2.0;

    public BenchReport {
        devices = List.copyOf(devices);
        results = List.copyOf(results);
        checks = List.copyOf(checks);
    }

    /** Figures whose samples spread more than {@link #UNSTEADY_SPREAD}x (max over min): the machine was busy or the device unsteady. */
    public List<BenchResult> unsteady() {
        return results.stream().filter(BenchResult::unsteady).toList();
    }

    /** Gemm checks beyond tolerance. */
    public List<Verifier.Result> failures() {
        return checks.stream().filter(c -> !c.pass()).toList();
    }
}
