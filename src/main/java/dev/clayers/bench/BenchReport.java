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
 */
public record BenchReport(String started, String host, BenchSettings settings, List<DeviceRun> devices, List<BenchResult> results,
                          List<Verifier.Result> checks) {
    public BenchReport {
        devices = List.copyOf(devices);
        results = List.copyOf(results);
        checks = List.copyOf(checks);
    }

    /** Gemm checks beyond tolerance. */
    public List<Verifier.Result> failures() {
        return checks.stream().filter(c -> !c.pass()).toList();
    }
}
