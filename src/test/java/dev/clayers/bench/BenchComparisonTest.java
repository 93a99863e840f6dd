package dev.clayers.bench;

import dev.clayers.backend.DeviceInfo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code bench --compare} without the CLI: reading bench JSON back, pairing devices and figures, the table. */
class BenchComparisonTest {
    private static final BenchSettings ONE_REP = new BenchSettings(1, 0, 0, 0, 0, false);

    private static DeviceRun device(String id, String name) {
        return new DeviceRun(new DeviceInfo(id, name, "vendor", "CPU", 2, 0, 1L << 30, 0, "OpenCL 3.0", "driver 1"), 1, 1);
    }

    private static BenchResult train(String caseName, String device, double min, double median, double max) {
        return new BenchResult(Workload.TRAIN.title(), caseName, device, "samples/s", min, median, max, 3, 10, 1, "");
    }

    /** A report written and read back exactly as bench --json and --compare do. */
    private static BenchComparison.Run roundTrip(Path dir, String file, BenchReport r) throws Exception {
        Path p = dir.resolve(file);
        BenchOutput.writeJson(r, p);
        return BenchComparison.read(p);
    }

    private static String print(BenchComparison c) {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        c.print(new PrintStream(buf, true, StandardCharsets.UTF_8));
        return buf.toString(StandardCharsets.UTF_8);
    }

    @Test
    void readGivesBackWhatBenchJsonWrote(@TempDir Path dir) throws Exception {
        BenchResult gemm = new BenchResult(Workload.GEMM.title(), "256", "cpu", "GFLOP/s", 10, 20.5, 30, 3, 4, 5, "FAIL: max abs error 1");
        BenchReport r = new BenchReport("2026-12-01T22:19:25Z", "Linux test host", ONE_REP.withReps(3), List.of(device("cpu", "Java")),
                List.of(gemm, train("784-16-10 batch 7", "cpu", 100, 150, 400)), List.of(), "at start 1.00 2.00 3.00, at end 4 5 6");
        BenchComparison.Run run = roundTrip(dir, "a.json", r);
        assertEquals("2026-12-01T22:19:25Z", run.started());
        assertEquals("Linux test host", run.host());
        assertEquals("at start 1.00 2.00 3.00, at end 4 5 6", run.load());
        assertEquals(List.of(new BenchComparison.Device("cpu", "Java")), run.devices());
        assertEquals(2, run.results().size());
        BenchResult g = run.results().get(0);
        assertEquals(List.of("gemm", "256", "cpu", "GFLOP/s"), List.of(g.workload(), g.caseName(), g.device(), g.unit()));
        assertEquals(List.of(10.0, 20.5, 30.0), List.of(g.min(), g.median(), g.max()));
        assertTrue(g.failed());
        assertTrue(run.results().get(1).unsteady(), "400 / 100 is more than 2x apart");
    }

    @Test
    void figuresPairByCaseAndDeviceWithRatioAndFlags(@TempDir Path dir) throws Exception {
        BenchReport a = new BenchReport("t0", "host A", ONE_REP, List.of(device("cpu", "Java")),
                List.of(train("784-16-10 batch 7", "cpu", 90, 100, 110), train("784-16-10 batch 9", "cpu", 90, 100, 110),
                        train("only-A batch 1", "cpu", 1, 1, 1)), List.of(), "unknown");
        BenchReport b = new BenchReport("t1", "host B", ONE_REP, List.of(device("cpu", "Java")),
                List.of(train("784-16-10 batch 7", "cpu", 240, 250, 260), train("784-16-10 batch 9", "cpu", 20, 50, 60),
                        train("only-B batch 1", "cpu", 1, 1, 1)), List.of(), "unknown");
        BenchComparison c = BenchComparison.of(roundTrip(dir, "a.json", a), roundTrip(dir, "b.json", b), null);
        assertEquals(2, c.rows().size());
        assertEquals(2.5, c.rows().get(0).ratio(), 1e-12);
        assertFalse(c.rows().get(0).unsteady());
        assertEquals(0.5, c.rows().get(1).ratio(), 1e-12);
        assertTrue(c.rows().get(1).unsteady(), "B's 20-60 is 3x apart");
        assertEquals(List.of("only-A batch 1"), c.onlyA().stream().map(BenchResult::caseName).toList());
        assertEquals(List.of("only-B batch 1"), c.onlyB().stream().map(BenchResult::caseName).toList());

        String t = print(c);
        assertTrue(t.contains("A = " + dir.resolve("a.json") + ": started t0; host host A; load average unknown"), t);
        assertTrue(t.contains("B = " + dir.resolve("b.json") + ": started t1; host host B"), t);
        assertTrue(t.matches("(?s).*784-16-10 batch 7 \\| cpu +\\| +100 \\| +250 \\| +2\\.50x\\R.*"), t);
        assertTrue(t.matches("(?s).*784-16-10 batch 9 \\| cpu +\\| +100 \\| +50\\.0 ! \\| +0\\.50x !\\R.*"), t);
        assertTrue(t.contains("only in A (" + dir.resolve("a.json") + "), 1 figure(s):" + System.lineSeparator()
                + "  train step | only-A batch 1 | cpu"), t);
        assertTrue(t.contains("only-B batch 1"), t);
        assertTrue(t.contains("! 1 of 2 pairs"), t);

        BenchComparison none = BenchComparison.of(c.a(), c.b(), Set.of(Workload.GEMM.title()));
        assertTrue(none.rows().isEmpty() && none.onlyA().isEmpty() && none.onlyB().isEmpty(), "--only gemm keeps no train step");
    }

    /** Id first: a shared id pairs even when the names differ; a left-over device pairs with a same-named one. */
    @Test
    void devicesPairByIdThenByName() {
        var a = List.of(new BenchComparison.Device("cpu", "Java"), new BenchComparison.Device("opencl:0:0", "PoCL"),
                new BenchComparison.Device("opencl:1:0", "GPU X"), new BenchComparison.Device("opencl:2:0", "lonely"));
        var b = List.of(new BenchComparison.Device("opencl:0:0", "NVIDIA"), new BenchComparison.Device("cpu", "Java"),
                new BenchComparison.Device("opencl:3:0", "GPU X"), new BenchComparison.Device("opencl:4:0", "PoCL"));
        List<BenchComparison.DevicePair> pairs = BenchComparison.pair(a, b);
        assertEquals(List.of(new BenchComparison.DevicePair("cpu", "cpu", false, "Java"),
                new BenchComparison.DevicePair("opencl:0:0", "opencl:0:0", false, "PoCL"),
                new BenchComparison.DevicePair("opencl:1:0", "opencl:3:0", true, "GPU X")), pairs);
        assertEquals("opencl:1:0 = opencl:3:0", pairs.get(2).label());
    }

    @Test
    void figuresOfDevicesPairedByNameAreCompared(@TempDir Path dir) throws Exception {
        BenchReport a = new BenchReport("t0", "h", ONE_REP, List.of(device("opencl:0:0", "PoCL")),
                List.of(train("n batch 1", "opencl:0:0", 9, 10, 11)), List.of(), "unknown");
        BenchReport b = new BenchReport("t1", "h", ONE_REP, List.of(device("opencl:1:0", "PoCL")),
                List.of(train("n batch 1", "opencl:1:0", 29, 30, 31)), List.of(), "unknown");
        BenchComparison c = BenchComparison.of(roundTrip(dir, "a.json", a), roundTrip(dir, "b.json", b), null);
        assertEquals(1, c.rows().size());
        assertEquals(3.0, c.rows().get(0).ratio(), 1e-12);
        String t = print(c);
        assertTrue(t.contains("devices: opencl:0:0 = opencl:1:0 (same name: PoCL)"), t);
        assertTrue(t.contains("n batch 1 | opencl:0:0 = opencl:1:0 |"), t);
    }

    @Test
    void malformedFilesAreRefusedNamingTheFile(@TempDir Path dir) throws Exception {
        Path notJson = dir.resolve("broken.json");
        Files.writeString(notJson, "{\"results\": [ {\"workload\": ");
        Path noResults = dir.resolve("other.json");
        Files.writeString(noResults, "{\"epochs\": 3}");
        Path noMedian = dir.resolve("nomedian.json");
        Files.writeString(noMedian, "{\"results\": [{\"workload\": \"train step\", \"caseName\": \"x\", \"device\": \"cpu\", \"median\": \"fast\"}]}");
        Path twice = dir.resolve("twice.json");
        String one = "{\"workload\": \"train step\", \"caseName\": \"x\", \"device\": \"cpu\", \"median\": 5}";
        Files.writeString(twice, "{\"results\": [" + one + ", " + one + "]}");
        for (var c : List.of(List.of(notJson, "not JSON"), List.of(noResults, "no \"results\" array"),
                List.of(noMedian, "results[0] (x on cpu) has no numeric median"), List.of(twice, "results[1] repeats"),
                List.of(dir.resolve("missing.json"), "no such file"), List.of(dir, "not a regular file"))) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> BenchComparison.read((Path) c.get(0)));
            assertTrue(e.getMessage().startsWith("--compare " + c.get(0) + ": " + c.get(1)), e.getMessage());
            assertFalse(e.getMessage().contains("\n"), "one line: " + e.getMessage());
        }
    }
}
