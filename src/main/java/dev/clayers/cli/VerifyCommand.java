package dev.clayers.cli;

import com.google.gson.GsonBuilder;
import dev.clayers.backend.Backend;
import dev.clayers.backend.Backends;
import dev.clayers.backend.Verifier;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code clayers verify [--device D|all] [--json] [--seed N]}: every op, forward and backward,
 * on the chosen devices against the Java reference; exit code 1 on any FAIL.
 */
@Command(name = "verify",
        footer = {"", "Examples:", "  clayers verify                       every op on the best device against the Java reference", "  clayers verify --device all --json   every real device, as JSON"}, mixinStandardHelpOptions = true,
        description = {"Checks every op on a device against the Java reference backend (max abs/rel error, tolerance, PASS/FAIL).",
                "--device all checks every device but the reference itself and simulators; name one to check it."})
public final class VerifyCommand implements Callable<Integer> {
    @Option(names = "--device", defaultValue = "auto", description = "Device id, name substring, auto, or all (default: ${DEFAULT-VALUE}).", paramLabel = "DEVICE")
    String device;

    @Option(names = "--json", description = "Print the results as one JSON array.")
    boolean json;

    @Option(names = "--seed", defaultValue = "42", description = "Seed for the random shapes and data (default: ${DEFAULT-VALUE}).", paramLabel = "SEED")
    long seed;

    private final PrintStream out;

    public VerifyCommand() { this(System.out); }

    VerifyCommand(PrintStream out) { this.out = out; }

    @Override
    public Integer call() {
        boolean all = device.equalsIgnoreCase("all");
        List<Backend> backends = all ? Backends.openAll() : List.of(Backends.open(device));
        if (all) {
            // The Java backend is the reference: checking it against itself proves nothing new.
            backends.stream().filter(b -> b.info().kind().onHeap()).forEach(Backend::close);
            backends = backends.stream().filter(b -> !b.info().kind().onHeap()).toList();
            if (backends.isEmpty()) throw new IllegalArgumentException("--device all found no device besides the Java reference cpu");
        } else if (backends.get(0).info().kind().onHeap()) {
            System.err.println("verify: cpu is the reference; this checks it against a second Java backend (self-consistency)");
        }
        List<Verifier.Result> results = new ArrayList<>();
        try {
            for (Backend b : backends) {
                System.err.println("verifying " + b.id() + " (" + b.info().name() + "), seed " + seed);
                results.addAll(Verifier.verify(b, seed));
            }
        } finally {
            backends.forEach(Backend::close);
        }
        long failed = results.stream().filter(r -> !r.pass()).count();
        if (json) {
            out.println(new GsonBuilder().setPrettyPrinting().serializeSpecialFloatingPointValues().create().toJson(results));
        } else {
            String fmt = "%-34s %-12s %-14s %11s %11s  %-30s %s%n";
            out.printf(fmt, "OP", "DEVICE", "SHAPE", "MAX ABS", "MAX REL", "TOLERANCE", "RESULT");
            for (Verifier.Result r : results) {
                out.printf(fmt, r.op(), r.device(), r.shape(), String.format("%.3e", r.maxAbs()), String.format("%.3e", r.maxRel()),
                        r.tolerance(), r.pass() ? "PASS" : "FAIL " + r.detail());
            }
            out.println(summary(results, backends.stream().map(b -> b.id() + " (" + b.info().name() + ")").toList()));
        }
        return failed == 0 ? 0 : 1;
    }

    /** The one summary line: {@code 146 checks on opencl:0:0 (PoCL ...), all passed}, failures counted per device. */
    static String summary(List<Verifier.Result> results, List<String> devices) {
        long failed = results.stream().filter(r -> !r.pass()).count();
        String verdict = failed == 0 ? "all passed" : failed + " FAILED";
        if (failed > 0 && devices.size() > 1) {
            java.util.Map<String, Long> byDevice = new java.util.TreeMap<>();
            results.stream().filter(r -> !r.pass()).forEach(r -> byDevice.merge(r.device(), 1L, Long::sum));
            verdict += " (" + String.join(", ", byDevice.entrySet().stream().map(e -> e.getKey() + ": " + e.getValue()).toList()) + ")";
        }
        return String.format("%d checks on %s, %s", results.size(), String.join(", ", devices), verdict);
    }
}
