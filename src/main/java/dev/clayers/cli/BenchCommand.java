package dev.clayers.cli;

import dev.clayers.backend.Backend;
import dev.clayers.backend.Backends;
import dev.clayers.bench.Bench;
import dev.clayers.bench.BenchCase;
import dev.clayers.bench.BenchCases;
import dev.clayers.bench.BenchComparison;
import dev.clayers.bench.BenchOutput;
import dev.clayers.bench.BenchPlot;
import dev.clayers.bench.BenchReport;
import dev.clayers.bench.BenchSettings;
import dev.clayers.bench.GemmReference;
import dev.clayers.bench.ScalingBench;
import dev.clayers.bench.Workload;
import dev.clayers.io.OutputFiles;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;

/**
 * {@code clayers bench}: the same workloads on every chosen device, one table per workload with a
 * column per device. Figures on stdout, progress on stderr; exit 1 when a device's gemm result is
 * beyond tolerance.
 */
@Command(name = "bench",
        footer = {"", "Examples:", "  clayers bench --quick                       a quick look at every device", "  clayers bench --only train --device opencl:0:0 --json a.json", "  clayers bench --compare a.json b.json       two runs side by side"}, mixinStandardHelpOptions = true,
        description = {"Measures the throughput of every chosen device, side by side: gemm (GFLOP/s), element-wise and reduction ops (GB/s), "
                + "a full training step (samples/s) and host<->device transfers (GB/s).",
                "Each figure is the median of the timed samples (min and max too) after a warm-up of at least 0.2 s that goes on "
                        + "until the JIT is quiet, two 0.1 s stretches agree within 15%% and, on cpu, 30 calls have run (at most 10 s, with a warning when that is not enough; at least 0.05 s with --quick); the device is waited for "
                        + "before the clock stops. Opening a device (kernel builds) and each case's first call are reported "
                        + "apart and never counted. Each gemm shape is checked against the Java reference first.",
                "Aim it: --only train --net 784-256-128-10 --batch 64,1000 times just those train steps, --only gemm --gemm "
                        + "100x50x784 just that product. Compare runs: "
                        + "bench --json A.json, later bench --json B.json, then bench --compare A.json B.json."})
public final class BenchCommand implements Callable<Integer> {
    @Option(names = "--device", defaultValue = "all", split = ",",
            description = "all, or device ids / name substrings separated by commas (default: ${DEFAULT-VALUE}).", paramLabel = "DEVICE")
    List<String> devices;

    @Option(names = "--quick", description = "3 samples per figure, a shorter least warm-up (it still waits for the JIT), and drops " + BenchCases.QUICK_DROPS + ".")
    boolean quick;

    @Option(names = "--only", split = ",", paramLabel = "WORKLOAD",
            description = "Run only these workloads: gemm, ops, train, transfer (comma-separated; default: all).")
    List<String> only;

    @Option(names = "--net", paramLabel = "SPEC",
            description = "Train steps of this net instead of the standard ones (repeat for several). Plain widths from the input to "
                    + "the classes are a ReLU perceptron (784-256-128-10: input 784, hidden 256 and 128, 10 classes); anything else "
                    + "is train --net notation on 28x28 images with 10 classes (conv30k5-pool2-100). At batch "
                    + BenchCases.AIMED_BATCH + " unless --batch is given; --quick drops none of them. The other workloads are "
                    + "unchanged: add --only train to time just these.")
    List<String> nets;

    @Option(names = "--batch", split = ",", paramLabel = "N",
            description = "Train-step batches instead of the standard ones: repeat, or separate by commas (64,1000). Without --net, "
                    + "the standard nets (" + BenchCases.TRAIN_NETS_TEXT + ") at each.")
    List<Integer> batches;

    @Option(names = "--gemm", split = ",", paramLabel = "MxNxK",
            description = "Gemm shapes instead of the standard ones: repeat, or separate by commas. " + BenchCases.GEMM_SYNTAX
                    + ". Each is checked against the Java reference first, like the standard ones; add --only gemm to time just these.")
    List<String> gemms;

    @Option(names = "--compare", arity = "2", paramLabel = "FILE",
            description = {"Compare two files written by bench --json instead of measuring (opens no device): for every (workload, "
                    + "case, device) in both, A's median, B's median and B/A (above 1: B faster), ! where either side's samples were "
                    + "more than 2x apart, and each run's date, host and load average. Figures in one file only are listed at the "
                    + "end; --only filters the workloads.",
                    "Devices pair by id first; a device of A left over then pairs with the first left-over device of B that has the "
                            + "same name (another machine may number the same OpenCL device differently)."})
    List<Path> compare;

    @Option(names = "--data-parallel", description = {"Time training on all the --device devices at once (data parallel) beside each "
            + "alone: whole epochs of train's steps, rounds alternating (each alone, then together), samples/s as min/median/max "
            + "of the rounds, the speed-up over the first device and the scaling efficiency (together / sum alone).",
            "Nets: " + DATA_PARALLEL_TEXT + ", or --net at --batch. --reps rounds (default 5, 3 with --quick)."})
    boolean dataParallel;

    /** The standard cases of {@code --data-parallel}: where the arithmetic dominates, and where the sum of gradients matters most. */
    static final String DATA_PARALLEL_TEXT = "784-1000-10 at batch 1000, conv30k5-pool2-100 at 100, 784-100-10 at 100";

    @Option(names = "--reps", description = "Timed samples per figure (default: 10, or 3 with --quick).", paramLabel = "REPS")
    Integer reps;

    @Option(names = "--json", paramLabel = "FILE", description = "Also write the device infos and every result (min/median/max/unit) as JSON.")
    Path json;

    @Option(names = "--csv", paramLabel = "FILE", description = "Also write one CSV row per (workload, case, device).")
    Path csv;

    @Option(names = "--plot", paramLabel = "FILE.png", description = "Also draw a bar chart per workload (devices side by side) into one PNG.")
    Path plot;

    @Spec
    CommandSpec spec;

    private final PrintStream out;

    public BenchCommand() { this(System.out); }

    BenchCommand(PrintStream out) { this.out = out; }

    @Override
    public Integer call() throws IOException {
        Set<Workload> keep = workloads();
        if (compare != null) return compare(keep);
        if (dataParallel) return dataParallel();
        BenchSettings settings = quick ? BenchSettings.forQuick() : BenchSettings.forFull();
        if (reps != null) settings = settings.withReps(reps);
        List<BenchCase> cases;
        if (nets != null || batches != null) {
            if (!keep.contains(Workload.TRAIN)) {
                throw new IllegalArgumentException("--net and --batch choose train steps, but --only leaves out train; add it (--only train)");
            }
            cases = BenchCases.standard(quick, BenchCases.trainSteps(nets == null ? BenchCases.TRAIN_NETS : nets,
                    batches == null ? List.of(BenchCases.AIMED_BATCH) : batches));
        } else {
            cases = BenchCases.standard(quick);
        }
        if (gemms != null) {
            if (!keep.contains(Workload.GEMM)) {
                throw new IllegalArgumentException("--gemm chooses gemm shapes, but --only leaves out gemm; add it (--only gemm)");
            }
            List<BenchCase> chosen = new java.util.ArrayList<>(BenchCases.gemms(gemms));
            cases.stream().filter(c -> c.workload() != Workload.GEMM).forEach(chosen::add);
            cases = chosen;
        }
        cases = cases.stream().filter(c -> keep.contains(c.workload())).toList();
        // Before the benchmark runs for minutes, not after.
        Map<String, Path> outputs = new LinkedHashMap<>();
        outputs.put("--json", json);
        outputs.put("--csv", csv);
        outputs.put("--plot", plot);
        OutputFiles.check(outputs);
        long t0 = System.nanoTime();
        List<Bench.Opened> opened = open(devices);
        BenchReport report;
        try {
            report = Bench.run(opened, cases, settings, GemmReference.cpu(), System.err);
        } finally {
            opened.forEach(o -> o.backend().close());
        }
        BenchOutput.printTables(report, out);
        if (json != null) BenchOutput.writeJson(report, json);
        if (csv != null) BenchOutput.writeCsv(report, csv);
        if (plot != null) BenchPlot.write(report, plot);
        System.err.printf("bench: done in %.1f s%n", (System.nanoTime() - t0) / 1e9);
        if (!report.failures().isEmpty()) {
            System.err.println("clayers bench: " + report.failures().size() + " gemm result(s) beyond tolerance");
            return 1;
        }
        return 0;
    }

    /**
     * {@code --data-parallel}: each (net, batch) on the devices together against each alone
     * ({@link ScalingBench}). Duplicate or unknown devices and fewer than two are one line, exit 2.
     */
    private int dataParallel() {
        ParseResult pr = spec.commandLine().getParseResult();
        for (String o : List.of("--only", "--gemm", "--json", "--csv", "--plot")) {
            if (pr.hasMatchedOption(o)) throw new IllegalArgumentException(o + " cannot be combined with --data-parallel");
        }
        List<String[]> cases = new ArrayList<>();
        if (nets == null && batches == null) {
            for (String c : DATA_PARALLEL_TEXT.split(", ")) cases.add(c.split(" at (batch )?"));
        } else {
            for (String n : nets == null ? BenchCases.TRAIN_NETS : nets) {
                for (int b : batches == null ? List.of(BenchCases.AIMED_BATCH) : batches) cases.add(new String[] {n, Integer.toString(b)});
            }
        }
        for (String[] c : cases) ScalingBench.layers(c[0]);   // every spec checked before any device opens
        int rounds = reps != null ? reps : quick ? 3 : 5;
        if (rounds < 1) throw new IllegalArgumentException("--reps must be positive, got " + rounds);
        List<Backend> opened = Backends.openEach(String.join(",", devices));
        try {
            if (opened.size() < 2) {
                throw new IllegalArgumentException("--data-parallel needs at least two devices; --device " + String.join(",", devices)
                        + " gives " + opened.size());
            }
            for (String[] c : cases) {
                try {   // the training run's own check of a batch against the devices
                    dev.clayers.train.FitOptions.builder().batch(Integer.parseInt(c[1])).build().shareRows(opened.size());
                } catch (dev.clayers.train.InvalidOptionException e) {
                    throw new IllegalArgumentException("--" + e.option() + " " + e.problem(), e);
                }
            }
            out.printf("data parallel on %s; %s, load average %s%n", String.join(", ",
                    opened.stream().map(b -> b.id() + " (" + b.info().name() + ")").toList()), Bench.host(), Bench.loadAverage());
            for (String[] c : cases) {
                ScalingBench.print(ScalingBench.run(opened, c[0], Integer.parseInt(c[1]), rounds, quick ? 0.5 : 1.0, System.err), out);
            }
        } finally {
            opened.forEach(Backend::close);
        }
        return 0;
    }

    /** The workloads --only names, or all of them. */
    private Set<Workload> workloads() {
        if (only == null) return EnumSet.allOf(Workload.class);
        Set<Workload> keep = EnumSet.noneOf(Workload.class);
        for (String w : only) keep.add(Workload.byKey(w));
        return keep;
    }

    /** The options that measure, which --compare (reading two finished runs) cannot take. */
    private static final List<String> MEASURING = List.of("--device", "--quick", "--reps", "--net", "--batch", "--gemm", "--json", "--csv",
            "--plot");

    /** {@code --compare A.json B.json}: reads both runs (any problem exits 2 naming the file) and prints the comparison. */
    private int compare(Set<Workload> keep) {
        ParseResult pr = spec.commandLine().getParseResult();
        for (String o : MEASURING) {
            if (pr.hasMatchedOption(o)) throw new IllegalArgumentException(o + " cannot be combined with --compare, which measures nothing");
        }
        if (compare.size() != 2) throw new IllegalArgumentException("--compare takes two files, once; got " + compare.size());
        BenchComparison.Run a = BenchComparison.read(compare.get(0));
        BenchComparison.Run b = BenchComparison.read(compare.get(1));
        Set<String> titles = new LinkedHashSet<>();
        for (Workload w : keep) titles.add(w.title());
        BenchComparison.of(a, b, only == null ? null : titles).print(out);
        return 0;
    }

    /** Opens each device once, timing the open (context and every kernel build). */
    static List<Bench.Opened> open(List<String> specs) {
        List<String> ids = new ArrayList<>();
        if (specs.size() == 1 && specs.get(0).trim().equalsIgnoreCase("all")) {
            ids.addAll(Backends.allIds());
        } else {
            for (String s : specs) {
                if (s.isBlank()) throw new IllegalArgumentException("--device has an empty entry in '" + String.join(",", specs) + "'");
                if (s.trim().equalsIgnoreCase("all")) throw new IllegalArgumentException("--device all cannot be combined with other devices");
                ids.add(s.trim());
            }
        }
        List<Bench.Opened> out = new ArrayList<>();
        Set<String> seen = new LinkedHashSet<>();
        try {
            for (String id : ids) {
                System.err.println("bench: opening " + id + " ...");
                long t = System.nanoTime();
                Backend b = Backends.open(id);
                double ms = (System.nanoTime() - t) / 1e6;
                if (!seen.add(b.id())) {
                    b.close();
                    continue;
                }
                out.add(new Bench.Opened(b, ms));
            }
        } catch (RuntimeException e) {
            out.forEach(o -> o.backend().close());
            throw e;
        }
        return out;
    }
}
