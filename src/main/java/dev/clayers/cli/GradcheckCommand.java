package dev.clayers.cli;

import com.google.gson.GsonBuilder;
import dev.clayers.backend.Backend;
import dev.clayers.backend.Backends;
import dev.clayers.backend.Matrix;
import dev.clayers.net.Activation;
import dev.clayers.net.Architecture;
import dev.clayers.net.GradientCheck;
import dev.clayers.net.Sequential;
import dev.clayers.net.WeightInit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.Random;
import java.util.concurrent.Callable;

/** The book's gradient_check: backprop against central differences, per parameter. */
@Command(name = "gradcheck",
        footer = {"", "Examples:", "  clayers gradcheck                          backprop against numerical gradients on cpu", "  clayers gradcheck --device opencl:0:0      the same check on an OpenCL device", "  clayers gradcheck --hidden 50,20 --activation sigmoid"}, mixinStandardHelpOptions = true,
        description = {"Checks backpropagation against numerical gradients (central differences) on a small batch.",
                "Prints, per parameter, the mean |backprop - numerical| and the max relative error;",
                "exits 1 when a parameter is beyond tolerance (mean abs " + GradientCheck.MEAN_ABS_TOLERANCE
                        + ", max rel " + GradientCheck.MAX_REL_TOLERANCE + ")."})
final class GradcheckCommand implements Callable<Integer> {
    @Option(names = "--device", defaultValue = "cpu", paramLabel = "DEVICE",
            description = "Device: auto, cpu, opencl:P:D or a name substring (default: ${DEFAULT-VALUE}).")
    String device;

    @Option(names = "--hidden", defaultValue = "50", description = "Hidden layer sizes, e.g. 50 or 64,32 (default: ${DEFAULT-VALUE}).", paramLabel = "HIDDEN")
    String hidden;

    @Option(names = "--activation", defaultValue = "relu", completionCandidates = Choices.Activations.class,
            description = "${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).", paramLabel = "ACTIVATION")
    String activation;

    @Option(names = "--batch", defaultValue = "3", description = "Batch size (default: ${DEFAULT-VALUE}, as in the book).", paramLabel = "BATCH")
    int batch;

    @Option(names = "--entries", defaultValue = "300",
            description = "Entries checked per parameter; a seeded sample when the tensor is larger, 0 = all (default: ${DEFAULT-VALUE}).", paramLabel = "ENTRIES")
    int entries;

    @Option(names = "--init", defaultValue = "0.01", description = "Weight init: a std such as 0.01, he or xavier (default: ${DEFAULT-VALUE}).", paramLabel = "INIT")
    String init;

    @Option(names = "--h", paramLabel = "H",
            description = "Finite-difference step (default: the activation's own, shown in the report's first line).")
    Double h;

    @Option(names = "--seed", defaultValue = "42", description = "Seed for weights, data and sampled entries (default: ${DEFAULT-VALUE}).", paramLabel = "SEED")
    long seed;

    @Option(names = "--json", description = "Print one JSON object instead of a table.")
    boolean json;


    @Override
    public Integer call() {
        if (batch <= 0) throw new IllegalArgumentException("--batch must be positive, got " + batch);
        if (entries < 0) throw new IllegalArgumentException("--entries must be 0 (all) or positive, got " + entries);
        Architecture arch = new Architecture(784, Architecture.parseHidden(hidden), 10, Activation.parse(activation));
        WeightInit wi = WeightInit.parse(init);
        // Pixel-like inputs in [0, 1) and labels 0..9: what the network sees in training.
        Random rng = new Random(seed);
        float[] xs = new float[batch * arch.input()];
        for (int i = 0; i < xs.length; i++) xs[i] = rng.nextFloat();
        int[] labels = new int[batch];
        for (int i = 0; i < batch; i++) labels[i] = rng.nextInt(arch.output());

        GradientCheck.Report report;
        try (Backend backend = Backends.open(device);
             Sequential net = Sequential.create(backend, arch, wi, seed);
             Matrix x = backend.upload(xs, batch, arch.input())) {
            double step = h != null ? h : arch.activation().gradientCheckStep();
            if (!(step > 0 && step < 1)) throw new IllegalArgumentException("--h must be in (0, 1), got " + step);
            report = GradientCheck.run(net, x, labels, entries, step, seed);
        }
        if (json) {
            var out = new java.util.LinkedHashMap<String, Object>();
            out.put("device", report.device());
            out.put("architecture", arch.describe());
            out.put("batch", report.batch());
            out.put("h", report.h());
            out.put("mean_abs_tolerance", GradientCheck.MEAN_ABS_TOLERANCE);
            out.put("max_rel_tolerance", GradientCheck.MAX_REL_TOLERANCE);
            var params = new java.util.ArrayList<Object>();
            for (GradientCheck.ParamResult p : report.params()) {
                var m = new java.util.LinkedHashMap<String, Object>();
                m.put("name", p.name());
                m.put("entries", p.entries());
                m.put("checked", p.checked());
                m.put("skipped_kinks", p.kinks());
                m.put("mean_abs_diff", p.meanAbsDiff());
                m.put("max_rel_error", p.maxRelError());
                m.put("max_abs_grad", p.maxAbsGrad());
                m.put("pass", p.pass());
                params.add(m);
            }
            out.put("params", params);
            out.put("pass", report.pass());
            System.out.println(new GsonBuilder().serializeSpecialFloatingPointValues().create().toJson(out));
        } else {
            System.out.printf("gradient check on %s, %s %s, batch %d, h %.0e%n", report.device(), arch.describe(),
                    arch.activation().id(), report.batch(), report.h());
            System.out.printf("%-12s %9s %9s %6s %14s %14s %12s  %s%n", "param", "entries", "checked", "kinks", "mean|diff|",
                    "max rel err", "max|grad|", "result");
            for (GradientCheck.ParamResult p : report.params()) {
                System.out.printf("%-12s %9d %9d %6d %14.3e %14.3e %12.3e  %s%n", p.name(), p.entries(), p.checked(), p.kinks(),
                        p.meanAbsDiff(), p.maxRelError(), p.maxAbsGrad(), p.pass() ? "PASS" : "FAIL");
            }
            System.out.printf("tolerance: mean|diff| <= %.0e, max rel err <= %.0e; kinks: entries skipped because a"
                    + " +-h step flipped a ReLU%n", GradientCheck.MEAN_ABS_TOLERANCE, GradientCheck.MAX_REL_TOLERANCE);
        }
        if (!report.pass()) throw new Main.CheckFailedException("gradient check failed: a parameter is beyond tolerance");
        return 0;
    }
}
