package dev.clayers.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.NoSuchFileException;
import java.util.List;
import java.util.Map;

/**
 * {@code clayers}: results on stdout, diagnostics on stderr. Bad input exits 2 with one line
 * naming what was wrong (a stack trace only with {@code --verbose}); a failed check exits 1.
 */
@Command(name = "clayers", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Trains neural networks layer by layer on OpenCL devices, with a pure-Java CPU path.",
        subcommands = {
                AppleCommand.class,
                GraphCommand.class,
                GradcheckCommand.class,
                TrainCommand.class,
                EvalCommand.class,
                PredictCommand.class,
                ExportCommand.class,
                ImportCommand.class,
                DevicesCommand.class,
                VerifyCommand.class,
                BenchCommand.class,
                TuneCommand.class,
                CommandLine.HelpCommand.class,
        })
public final class Main implements Runnable {
    /** Exit code for bad input: options, files, devices. */
    public static final int BAD_INPUT = 2;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /**
     * The CLI's log format (slf4j-simple): diagnostics on stderr, short logger names, no thread
     * names or dates. Set here rather than in a {@code simplelogger.properties} on the classpath,
     * because that file would ship in the library jar and configure its users' logging too. A
     * property the user set ({@code -Dorg.slf4j.simpleLogger.showDateTime=true}) wins. This must
     * run before the first logger is created; slf4j-simple reads the properties once.
     */
    private static final Map<String, String> LOG_DEFAULTS = Map.of(
            "org.slf4j.simpleLogger.logFile", "System.err",
            // Quiet by default: warnings, plus the one line of context a run needs, which device
            // auto chose and why (Backends, DeviceChoice); --verbose shows everything down to DEBUG.
            "org.slf4j.simpleLogger.defaultLogLevel", "warn",
            "org.slf4j.simpleLogger.log.dev.clayers.backend.Backends", "info",
            "org.slf4j.simpleLogger.log.dev.clayers.train.DeviceChoice", "info",
            "org.slf4j.simpleLogger.showThreadName", "false",
            "org.slf4j.simpleLogger.showShortLogName", "true",
            "org.slf4j.simpleLogger.showDateTime", "false");

    static void configureLogging(boolean verbose) {
        if (verbose) {
            System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "debug");
            // The loggers that stay at INFO by default go down to DEBUG too.
            LOG_DEFAULTS.keySet().stream().filter(k -> k.startsWith("org.slf4j.simpleLogger.log."))
                    .forEach(k -> System.setProperty(k, "debug"));
        }
        LOG_DEFAULTS.forEach((k, v) -> {
            if (System.getProperty(k) == null) System.setProperty(k, v);
        });
    }

    /** Runs the CLI and returns the exit code (tests call this). */
    public static int run(String... args) {
        boolean verbose = java.util.Arrays.asList(args).contains("--verbose");
        configureLogging(verbose);
        CommandLine cl = new CommandLine(new Main());
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        // Every command takes --verbose; it is read from args above, before any logger exists.
        for (CommandLine sub : cl.getSubcommands().values()) {
            if (sub.getCommandSpec().findOption("--verbose") == null) {
                sub.getCommandSpec().addOption(CommandLine.Model.OptionSpec.builder("--verbose")
                        .description("All logs (INFO and DEBUG: kernel choices, caches, timings) and stack traces.").build());
            }
        }
        // Usage lines say [OPTIONS] (the list below groups them), and grouped commands list them under headings.
        for (CommandLine sub : cl.getSubcommands().values()) sub.getCommandSpec().usageMessage().abbreviateSynopsis(true);
        HelpSections.install(cl);
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            if (verbose) ex.printStackTrace();
            cmd.getErr().println("clayers " + cmd.getCommandName() + ": " + describe(ex));
            // A failed check or a diverged computation is a result, not bad input.
            return ex instanceof CheckFailedException || ex instanceof dev.clayers.layer.NonFiniteLossException ? 1 : BAD_INPUT;
        });
        cl.setParameterExceptionHandler((ex, a) -> {
            CommandLine cmd = ex.getCommandLine();
            // One line, as every other error: the problem, a guess at what was meant, where the usage is.
            boolean unknownCommand = cmd == cl && ex instanceof CommandLine.UnmatchedArgumentException u && !u.getUnmatched().isEmpty()
                    && !u.getUnmatched().get(0).startsWith("-");
            String msg = unknownCommand ? "no command '" + ((CommandLine.UnmatchedArgumentException) ex).getUnmatched().get(0) + "'"
                    : String.join("; ", String.valueOf(ex.getMessage()).strip().lines().toList());
            String guess = suggestion(ex);
            cmd.getErr().println("clayers" + (cmd == cl ? "" : " " + cmd.getCommandName()) + ": " + msg
                    + (guess != null ? ". Did you mean " + guess + "?" : "") + " (run 'clayers "
                    + (cmd == cl ? "" : cmd.getCommandName() + " ") + "--help' for usage)");
            return BAD_INPUT;
        });
        try {
            return cl.execute(args);
        } catch (ExceptionInInitializerError e) {
            // A bad tunable (-Dclayers.gemm.tile=..., set through CLAYERS_JAVA_OPTS) fails its class's
            // set-up with an IllegalStateException that names it; any other failure there is a bug.
            if (!(e.getCause() instanceof IllegalStateException bad)) throw e;
            if (verbose) e.printStackTrace();
            System.err.println("clayers: " + describe(bad));
            return BAD_INPUT;
        } catch (OutOfMemoryError e) {
            // The checks before allocating (Limits) catch the likely cases; this is the rest. The
            // memory that failed is unreachable once the stack unwinds, so printing works again.
            if (verbose) e.printStackTrace();
            System.err.println("clayers: out of memory (Java heap of " + Runtime.getRuntime().maxMemory() / (1 << 20)
                    + " MB): use smaller inputs, layers or batches, or raise the heap with CLAYERS_JAVA_OPTS=-Xmx<size>");
            return BAD_INPUT;
        }
    }

    /**
     * The closest option or subcommand to a mistyped one ({@code --epocs}: {@code --epochs};
     * {@code trian}: {@code train}), from picocli's suggestions, or null when none is close.
     */
    static String suggestion(CommandLine.ParameterException ex) {
        if (!(ex instanceof CommandLine.UnmatchedArgumentException u) || u.getUnmatched().isEmpty()) return null;
        String typed = u.getUnmatched().get(0);
        int at = typed.indexOf('=');
        String word = at > 0 && typed.startsWith("-") ? typed.substring(0, at) : typed;
        List<String> candidates = u.getSuggestions();
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String c : candidates) {
            int d = editDistance(word, c);
            if (d < bestDistance) {
                bestDistance = d;
                best = c;
            }
        }
        // Close enough to be a typo: a few edits, and fewer than half the word.
        return best != null && bestDistance <= Math.max(1, Math.min(3, word.length() / 2)) ? best : null;
    }

    /** Levenshtein distance, with a swap of two neighbours counting as one edit (trian, train). */
    static int editDistance(String a, String b) {
        int[][] d = new int[a.length() + 1][b.length() + 1];
        for (int i = 0; i <= a.length(); i++) d[i][0] = i;
        for (int j = 0; j <= b.length(); j++) d[0][j] = j;
        for (int i = 1; i <= a.length(); i++) {
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
                if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
                    d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
                }
            }
        }
        return d[a.length()][b.length()];
    }

    /** One line naming what went wrong. */
    static String describe(Throwable ex) {
        Throwable e = ex instanceof UncheckedIOException u ? u.getCause() : ex;
        if (e instanceof NoSuchFileException n) {
            return "no such file: " + n.getFile() + (n.getReason() == null ? "" : " (" + n.getReason() + ")");
        }
        String msg = e.getMessage();
        if (msg == null || msg.isBlank()) msg = e.getClass().getSimpleName();
        if (e instanceof java.nio.file.FileSystemException f) return dev.clayers.io.OutputFiles.reason(f);
        if (e instanceof IOException && !(e.getClass().getName().startsWith("dev.clayers"))) {
            return e.getClass().getSimpleName() + ": " + msg;
        }
        return msg;
    }

    /** A check (gradient, verify) found numbers outside tolerance: exit 1. */
    public static final class CheckFailedException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        public CheckFailedException(String message) {
            super(message);
        }
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            String built = buildTime();
            return new String[] {"clayers " + (v == null ? "(not from a packaged jar: no version)" : v)
                    + (built == null ? "" : ", built " + built) + " (Java " + Runtime.version() + ")"};
        }

        /** The jar manifest's Build-Time (set by the shade plugin), or null outside the jar. */
        private static String buildTime() {
            java.net.URL url = Main.class.getResource("/META-INF/MANIFEST.MF");
            if (url == null) return null;
            try (java.io.InputStream in = url.openStream()) {
                return new java.util.jar.Manifest(in).getMainAttributes().getValue("Build-Time");
            } catch (IOException e) {
                return null;
            }
        }
    }
}
