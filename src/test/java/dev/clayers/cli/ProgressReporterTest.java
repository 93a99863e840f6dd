package dev.clayers.cli;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The progress line as a function of progress and time, on a terminal and off one, with a fake clock. */
class ProgressReporterTest {
    private static final long S = 1_000_000_000L;

    @Test
    void theWidthIsSteadyAndNothingMeaningless() {
        int width = -1;
        for (long done = 0; done <= 8000; done += 100) {
            String line = ProgressReporter.render(3, 20, done, 8000, done / 24_000.0);
            if (width < 0) width = line.length();
            assertEquals(width, line.length(), "the line changed width at " + done + ": '" + line + "'");
            assertFalse(line.contains("?") || line.contains("0:00:00"), line);
            assertTrue(line.length() <= 100, line);
        }
    }

    @Test
    void theRateAgreesWithTheEpochLineAndTheEtaWaitsForItToSettle() {
        // 2,000 of 8,000 after 0.5 s: 4,000 img/s, the epoch's share (25 %) is enough but not the time.
        String early = ProgressReporter.render(1, 5, 2_000, 8_000, 0.5);
        assertTrue(early.contains("4,000 img/s") && !early.contains("ETA"), early);
        // Too small a share: during warm-up the rate says little about the rest.
        String warm = ProgressReporter.render(1, 5, 1_000, 8_000, 2.0);
        assertFalse(warm.contains("ETA"), warm);
        // 4,000 of 8,000 after 2 s: 2,000 img/s, 4,000 left: ETA 0:02.
        String settled = ProgressReporter.render(1, 5, 4_000, 8_000, 2.0);
        assertTrue(settled.contains("2,000 img/s") && settled.contains("ETA 0:02"), settled);
        assertTrue(settled.startsWith("epoch 1/5 [############............] 4,000/8,000 "), settled);
        assertEquals("1:02:03", ProgressReporter.clock(3723));
    }

    @Test
    void aTerminalGetsOneLineRedrawnAndClearedWithoutEscapeCodes() {
        AtomicLong now = new AtomicLong();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ProgressReporter p = new ProgressReporter(new PrintStream(bytes, true, StandardCharsets.UTF_8), true, 2, true, now::get);
        p.epochStarted(1, 8_000);
        for (int i = 1; i <= 80; i++) {
            now.addAndGet(S / 40);
            p.progress(i * 100L);
        }
        p.epochEnded(null);
        String out = bytes.toString(StandardCharsets.UTF_8);
        assertFalse(out.contains("\u001b"), "no escape codes");
        assertFalse(out.contains("\n"), "redrawn in place");
        assertTrue(out.contains("\r") && out.endsWith("\r"), "cleared at the end");
        assertTrue(out.contains("4,000 img/s"), out);
    }

    @Test
    void offATerminalPlainLinesEveryFewSeconds() {
        AtomicLong now = new AtomicLong();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ProgressReporter p = new ProgressReporter(new PrintStream(bytes, true, StandardCharsets.UTF_8), true, 2, false, now::get);
        p.epochStarted(1, 80_000);
        for (int i = 1; i <= 800; i++) {
            now.addAndGet(S / 40);   // 20 s in all
            p.progress(i * 100L);
        }
        p.epochEnded(null);
        String out = bytes.toString(StandardCharsets.UTF_8);
        assertFalse(out.contains("\r") || out.contains("\u001b"), out);
        assertEquals(4, out.lines().count(), out);
        assertTrue(out.lines().allMatch(l -> l.startsWith("epoch 1/2 [") && l.contains("4,000 img/s")), out);
    }
}
