package dev.clayers.cli;

import dev.clayers.train.EpochMetrics;
import dev.clayers.train.Trainer;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

import java.io.PrintStream;
import java.text.DecimalFormat;
import java.time.temporal.ChronoUnit;

/**
 * Training progress on stderr: a live bar with samples/s and ETA on a terminal; elsewhere (logs,
 * pipes) a plain line every few seconds, so redirected output is not flooded with redraws.
 */
final class ProgressReporter implements Trainer.Listener {
    private static final long LINE_INTERVAL_NANOS = 5_000_000_000L;
    private final PrintStream err;
    private final boolean enabled;
    private final boolean bar;
    private final int epochs;
    private ProgressBar pb;
    private long total;
    private long start;
    private long lastLine;
    private int epoch;

    ProgressReporter(PrintStream err, boolean enabled, int epochs) {
        this.err = err;
        this.enabled = enabled;
        this.bar = enabled && System.console() != null;
        this.epochs = epochs;
    }

    @Override
    public void epochStarted(int epoch, long samples) {
        this.epoch = epoch;
        this.total = samples;
        this.start = System.nanoTime();
        this.lastLine = start;
        if (bar) {
            pb = new ProgressBarBuilder().setTaskName("epoch " + epoch + "/" + epochs).setInitialMax(samples)
                    .setConsumer(new ConsoleProgressBarConsumer(err)).setStyle(ProgressBarStyle.ASCII)
                    .setUnit(" img", 1).showSpeed(new DecimalFormat("#,##0")).setSpeedUnit(ChronoUnit.SECONDS)
                    .setUpdateIntervalMillis(250).clearDisplayOnFinish().build();
        }
    }

    @Override
    public void progress(long done) {
        if (pb != null) {
            pb.stepTo(done);
            return;
        }
        if (!enabled) return;
        long now = System.nanoTime();
        if (now - lastLine >= LINE_INTERVAL_NANOS) {
            lastLine = now;
            double secs = (now - start) / 1e9;
            double rate = done / secs;
            err.printf("epoch %d/%d: %,d/%,d images, %,.0f img/s, ETA %.0f s%n", epoch, epochs, done, total, rate,
                    (total - done) / Math.max(rate, 1e-9));
        }
    }

    @Override
    public void epochEnded(EpochMetrics metrics) {
        if (pb != null) {
            pb.close();
            pb = null;
        }
    }
}
