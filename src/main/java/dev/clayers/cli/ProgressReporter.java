package dev.clayers.cli;

import dev.clayers.train.EpochMetrics;
import dev.clayers.train.Trainer;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.function.LongSupplier;

/**
 * Training progress on stderr. On a terminal, one line redrawn in place with {@code \r} (no
 * escape codes): the epoch, a bar, samples done, the rate, and the epoch's ETA once the rate has
 * settled; it is cleared before the epoch line is printed. Elsewhere (logs, pipes) a plain line
 * every {@value #LINE_INTERVAL_SECONDS} s, so redirected output is not flooded with redraws.
 *
 * <p>The rate is samples done over the time since the epoch started, the same sum the epoch line's
 * img/s makes at its end, so the two agree. Every field has a fixed width, so the line does not
 * jump between redraws. Thread rule: one training thread calls it; not thread-safe.
 */
final class ProgressReporter implements Trainer.Listener {
    private static final long LINE_INTERVAL_SECONDS = 5;
    /** Redraws at most this often on a terminal. */
    private static final long REDRAW_NANOS = 200_000_000L;
    /** The ETA is shown once this share of the epoch is done and this long has passed: before, the rate still carries the warm-up. */
    static final double SETTLED_SHARE = 0.2;
    static final double SETTLED_SECONDS = 1.0;
    /** Characters of the bar between its brackets. */
    static final int BAR_WIDTH = 24;

    private final PrintStream err;
    private final boolean enabled;
    private final boolean terminal;
    private final int epochs;
    private final LongSupplier clock;
    private long total;
    private long start;
    private long lastDraw;
    private int epoch;
    private int drawnWidth;

    ProgressReporter(PrintStream err, boolean enabled, int epochs) {
        this(err, enabled, epochs, stderrIsTerminal(), System::nanoTime);
    }

    /** With the terminal decision and the clock (nanoseconds) given: for tests. */
    ProgressReporter(PrintStream err, boolean enabled, int epochs, boolean terminal, LongSupplier clock) {
        this.err = err;
        this.enabled = enabled;
        this.terminal = terminal;
        this.epochs = epochs;
        this.clock = clock;
    }

    /**
     * Whether stderr is a terminal. The launcher, which passes stderr through a filter, says so in
     * {@code CLAYERS_STDERR_TTY}; else Linux's {@code /proc/self/fd/2} names the terminal device;
     * else {@link System#console()} (stdin and stdout terminals) stands in.
     */
    static boolean stderrIsTerminal() {
        String launcher = System.getenv("CLAYERS_STDERR_TTY");
        if (launcher != null) return launcher.equals("1");
        try {
            String target = Files.readSymbolicLink(Path.of("/proc/self/fd/2")).toString();
            return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty");
        } catch (java.io.IOException | UnsupportedOperationException | SecurityException e) {
            return System.console() != null;
        }
    }

    @Override
    public void epochStarted(int epoch, long samples) {
        this.epoch = epoch;
        this.total = samples;
        this.start = clock.getAsLong();
        this.lastDraw = start;
    }

    @Override
    public void progress(long done) {
        if (!enabled) return;
        long now = clock.getAsLong();
        if (terminal) {
            if (now - lastDraw < REDRAW_NANOS && done < total) return;
            lastDraw = now;
            String line = render(epoch, epochs, done, total, (now - start) / 1e9);
            err.print('\r' + line);
            err.flush();
            drawnWidth = line.length();
        } else if (now - lastDraw >= LINE_INTERVAL_SECONDS * 1_000_000_000L) {
            lastDraw = now;
            err.println(render(epoch, epochs, done, total, (now - start) / 1e9).replaceAll(" +", " ").strip());
        }
    }

    @Override
    public void epochEnded(EpochMetrics metrics) {
        if (terminal && drawnWidth > 0) {
            err.print('\r' + " ".repeat(drawnWidth) + '\r');
            err.flush();
            drawnWidth = 0;
        }
    }

    /**
     * The progress line after {@code seconds} of an epoch, every field at a fixed width:
     * {@code epoch  3/20 [##########..............]  3,400/8,000  24,492 img/s  ETA 0:02}. The
     * rate is left out until a few steps are done, the ETA until the rate has settled
     * ({@value #SETTLED_SHARE} of the epoch and {@value #SETTLED_SECONDS} s): blanks of the same width
     * stand in.
     */
    static String render(int epoch, int epochs, long done, long total, double seconds) {
        int epochDigits = Integer.toString(epochs).length();
        String countWidth = Integer.toString(String.format(Locale.ROOT, "%,d", total).length());
        double share = total <= 0 ? 0 : Math.min(1, (double) done / total);
        int filled = (int) Math.floor(share * BAR_WIDTH);
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "epoch %" + epochDigits + "d/%d [", epoch, epochs));
        sb.append("#".repeat(filled)).append(".".repeat(BAR_WIDTH - filled)).append("] ");
        sb.append(String.format(Locale.ROOT, "%" + countWidth + "s/%,d", String.format(Locale.ROOT, "%,d", done), total));
        String rate = "", eta = "";
        if (done > 0 && seconds > 0.05) {
            double r = done / seconds;
            rate = String.format(Locale.ROOT, "%,.0f img/s", r);
            if (share >= SETTLED_SHARE && seconds >= SETTLED_SECONDS && done < total) {
                eta = "ETA " + clock(Math.round((total - done) / r));
            }
        }
        sb.append(String.format(Locale.ROOT, "  %14s  %-10s", rate, eta));
        return sb.toString();
    }

    /** {@code 0:07}, {@code 12:30}, {@code 1:02:03}. */
    static String clock(long seconds) {
        long h = seconds / 3600, m = seconds / 60 % 60, s = seconds % 60;
        return h > 0 ? String.format(Locale.ROOT, "%d:%02d:%02d", h, m, s) : String.format(Locale.ROOT, "%d:%02d", m, s);
    }
}
