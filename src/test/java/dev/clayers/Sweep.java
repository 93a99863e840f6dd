package dev.clayers;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * The hostile sweep's tally (issue 27): each surface's test runs its generated cases through
 * {@link #check}, each on a worker thread with a time limit (a hang is a failure), and
 * {@link #finish} fails the test naming every case that did not hold, then writes the surface's
 * counts to {@code target/sweep/} and prints the table of every surface counted so far. Run the
 * whole sweep with {@code mvn -B -o test -Dtest='*SweepTest'}; the last table printed has every row.
 *
 * <p>{@link #fixed} marks a case that failed when the sweep was first run and holds since its fix;
 * it counts as held and as fixed.
 */
public final class Sweep {
    /** One case: returns normally when it held, throws (an assertion or anything else) when it did not. */
    @FunctionalInterface
    public interface Case {
        void run() throws Exception;
    }

    private static final Path DIR = Path.of("target", "sweep");
    private static final long LIMIT_S = 120;

    private final String surface;
    private int tried, held, fixed;
    private final List<String> failures = new ArrayList<>();
    private ExecutorService worker = newWorker();

    private Sweep(String surface) { this.surface = surface; }

    public static Sweep of(String surface) { return new Sweep(surface); }

    private static ExecutorService newWorker() {
        return Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "sweep-case");
            t.setDaemon(true);
            return t;
        });
    }

    /** Runs one case. */
    public void check(String label, Case body) { run(label, body, false); }

    /** Runs one case that failed before this sweep's fix. */
    public void fixed(String label, Case body) { run(label, body, true); }

    /** Runs one case; {@code wasFixed}: it failed before this sweep's fix. */
    public void run(boolean wasFixed, String label, Case body) { run(label, body, wasFixed); }

    private volatile boolean pendingFixed;

    /** Called by a running case: it is one that failed before this sweep's fix (known only once it ran). */
    public void markFixed() { pendingFixed = true; }

    private void run(String label, Case body, boolean wasFixed) {
        tried++;
        pendingFixed = false;
        Future<?> f = worker.submit(() -> {
            body.run();
            return null;
        });
        try {
            f.get(LIMIT_S, TimeUnit.SECONDS);
            held++;
            if (wasFixed || pendingFixed) fixed++;
        } catch (TimeoutException e) {
            f.cancel(true);
            worker.shutdownNow();
            worker = newWorker();
            failures.add(label + ": hung past " + LIMIT_S + " s");
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            failures.add(label + ": " + c.getClass().getSimpleName() + ": " + c.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            failures.add(label + ": interrupted");
        }
    }

    public int tried() { return tried; }

    /** The devices the sweep predicts on: {@code cpu} and the first real (not simulated) OpenCL device, if any. */
    public static List<String> devices() {
        List<String> ids = new ArrayList<>(List.of("cpu"));
        dev.clayers.backend.TestDevices.openClIds().stream().filter(id -> !dev.clayers.backend.TestDevices.small(id))
                .findFirst().ifPresent(ids::add);
        return ids;
    }

    /** The simulators (Oclgrind), for a few tiny cases. */
    public static List<String> simulators() { return dev.clayers.backend.TestDevices.simulatorIds(); }

    /** {@code e} is a refusal the sweep accepts: one of {@code types}, with a one-line message that is not blank. */
    @SafeVarargs
    public static void refusal(Throwable e, Class<? extends Throwable>... types) {
        boolean typed = false;
        for (Class<? extends Throwable> t : types) typed |= t.isInstance(e);
        if (!typed) throw new AssertionError("refused with " + e.getClass().getName() + ": " + e.getMessage(), e);
        String m = e.getMessage();
        if (m == null || m.isBlank() || m.contains("\n")) throw new AssertionError("refusal message is blank or several lines: " + m);
    }

    /** Writes and prints the counts, then fails naming every case that did not hold. */
    public void finish() {
        worker.shutdownNow();
        try {
            Files.createDirectories(DIR);
            Files.writeString(DIR.resolve(surface.replaceAll("[^A-Za-z0-9]+", "_") + ".tsv"),
                    surface + "\t" + tried + "\t" + held + "\t" + fixed + "\t" + failures.size() + "\n", StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        System.out.println(table());
        if (!failures.isEmpty()) {
            fail(surface + ": " + failures.size() + " of " + tried + " cases did not hold:\n  " + String.join("\n  ", failures));
        }
    }

    /** The table of every surface whose counts are in {@code target/sweep/}, with a total row. */
    public static String table() {
        List<String[]> rows = new ArrayList<>();
        try (Stream<Path> files = Files.list(DIR)) {
            for (Path p : files.sorted().toList()) rows.add(Files.readString(p, StandardCharsets.UTF_8).strip().split("\t"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        StringBuilder sb = new StringBuilder("\nHostile sweep\n\n| surface | tried | held | failed, then fixed | failing |\n|---|---:|---:|---:|---:|\n");
        long[] total = new long[4];
        for (String[] r : rows) {
            sb.append(String.format(Locale.ROOT, "| %s | %s | %s | %s | %s |%n", r[0], r[1], r[2], r[3], r[4]));
            for (int i = 0; i < 4; i++) total[i] += Long.parseLong(r[i + 1]);
        }
        sb.append(String.format(Locale.ROOT, "| **total** | %d | %d | %d | %d |%n", total[0], total[1], total[2], total[3]));
        return sb.toString();
    }
}
