package dev.clayers.cli;

import dev.clayers.backend.opencl.Tuner;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.util.concurrent.Callable;

/**
 * {@code clayers tune [--device D] [--quick]}: searches the gemm kernel's parameters on an OpenCL
 * device, checks each candidate against the Java reference before timing it, and stores the
 * fastest in the per-user tuning cache that every later run on that device uses.
 */
@Command(name = "tune",
        footer = {"", "Examples:", "  clayers tune                  tunes the gemm kernels of the best OpenCL device (cached)", "  clayers tune --device opencl:0:0 --quick"}, mixinStandardHelpOptions = true,
        description = "Finds the fastest correct gemm kernel parameters for an OpenCL device and remember them "
                + "(~/.cache/clayers/tuning.json, or $XDG_CACHE_HOME/clayers).")
public final class TuneCommand implements Callable<Integer> {
    @Option(names = "--device", defaultValue = "auto", description = "OpenCL device id, name substring, or auto (default: ${DEFAULT-VALUE}).", paramLabel = "DEVICE")
    String device;

    @Option(names = "--quick", description = "A small grid timed at 512 instead of 1024 (about a minute on a CPU device).")
    boolean quick;

    private final PrintStream out;

    public TuneCommand() { this(System.out); }

    TuneCommand(PrintStream out) { this.out = out; }

    @Override
    public Integer call() throws Exception {
        Tuner.Report r = Tuner.tune(device, quick, out::println);
        long discarded = r.outcomes().stream().filter(o -> !o.ok()).count();
        if (r.best() == null) {
            throw new Main.CheckFailedException("no gemm candidate passed the check on " + r.device().id() + "; nothing stored");
        }
        out.printf("best on %s (%s) at %dx%dx%d: %s, median %.2f GFLOP/s (%d candidates, %d discarded)%n", r.device().id(),
                r.device().name(), r.n(), r.n(), r.n(), r.best().spec(), r.best().medianGflops(), r.outcomes().size(), discarded);
        out.println("stored in " + r.cacheFile());
        return 0;
    }
}
