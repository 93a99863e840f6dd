package dev.clayers.cli;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.clayers.backend.DeviceInfo;
import dev.clayers.bench.BenchCase;
import dev.clayers.bench.BenchCases;
import dev.clayers.bench.BenchOutput;
import dev.clayers.bench.BenchReport;
import dev.clayers.bench.BenchResult;
import dev.clayers.bench.BenchSettings;
import dev.clayers.bench.DeviceRun;
import dev.clayers.bench.Workload;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code bench --net/--batch} (aiming the train workload) and {@code bench --compare}, through Main as users run them. */
class BenchAimTest {

    /** The issue's own form, perceptron widths input to classes, and conv notation, nets x batches, each label once. */
    @Test
    void netsTimesBatchesGiveTheseLabels() {
        assertEquals(List.of("784-256-128-10 batch 64", "784-256-128-10 batch 1000"),
                BenchCases.trainSteps(List.of("784-256-128-10"), List.of(64, 1000)).stream().map(BenchCase::name).toList());
        assertEquals(List.of("conv30k5-pool2-100 batch 64", "784-10 batch 64"),
                BenchCases.trainSteps(List.of("Conv30k5-pool2-100", "784-10", "784 - 10"), List.of(64, 64)).stream()
                        .map(BenchCase::name).toList());
        List<BenchCase> standard = BenchCases.standard(true, BenchCases.trainSteps(List.of("784-16-10"), List.of(7)));
        assertEquals(List.of("784-16-10 batch 7"),
                standard.stream().filter(c -> c.workload() == Workload.TRAIN).map(BenchCase::name).toList());
        assertTrue(standard.stream().anyMatch(c -> c.workload() == Workload.GEMM), "the other workloads stay");
    }

    /**
     * Bad --net or --batch exits 2 with one line, before any device is opened: with a device that
     * does not exist, the message is still about the option.
     */
    @Test
    void badNetOrBatchExit2BeforeAnyDevice() {
        List<List<String>> cases = List.of(
                List.of("--net", "784-abc-10", "--net '784-abc-10': cannot read 'abc'"),
                List.of("--net", "100", "--net '100': plain widths run from the input to the classes, so at least two"),
                List.of("--net", "784-0-10", "--net '784-0-10': hidden layer sizes must be positive"),
                List.of("--net", "784-2000000-10", "is wider than the limit of 1,000,000 units per layer"),
                List.of("--net", "conv30k40-100", "--net 'conv30k40-100': cannot read 'conv30k40'"),
                List.of("--batch", "0", "--batch must be positive, got 0"),
                List.of("--batch", "64,70000", "--batch is 70000, more than the limit of 65,536"));
        for (List<String> c : cases) {
            CliRunner.Result r = CliRunner.run("bench", "--device", "no-such-device-xyz", "--only", "train", c.get(0), c.get(1));
            assertEquals(2, r.code(), r.toString());
            assertTrue(r.err().contains(c.get(2)), r.toString());
            assertEquals(1, r.err().strip().lines().count(), "one line: " + r);
            assertFalse(r.err().contains("opening"), r.toString());
        }
        CliRunner.Result notANumber = CliRunner.run("bench", "--device", "cpu", "--only", "train", "--batch", "64,x");
        assertEquals(2, notANumber.code(), notANumber.toString());
        assertTrue(notANumber.err().contains("'x'"), notANumber.toString());
        CliRunner.Result notTrain = CliRunner.run("bench", "--device", "cpu", "--only", "gemm", "--net", "784-16-10");
        assertEquals(2, notTrain.code(), notTrain.toString());
        assertTrue(notTrain.err().contains("--only leaves out train"), notTrain.toString());
    }

    /**
     * A real (tiny) aimed run writes one figure, labelled as asked; comparing it with a run in
     * the same format gives the ratio, the flags and the leftovers, and opens no device.
     */
    @Test
    void aimedRunThenCompare(@TempDir Path dir) throws Exception {
        Path a = dir.resolve("a.json");
        CliRunner.Result run = CliRunner.run("bench", "--only", "train", "--device", "cpu", "--net", "784-16-10", "--batch", "7",
                "--quick", "--reps", "1", "--json", a.toString());
        assertEquals(0, run.code(), run.toString());
        assertTrue(run.out().contains("== train step:"), run.toString());
        assertTrue(run.out().lines().anyMatch(l -> l.startsWith("784-16-10 batch 7 |")), run.toString());
        assertFalse(run.out().contains("784-50-10") || run.out().contains("conv30k5") || run.out().contains("== gemm"), run.toString());
        JsonObject doc = JsonParser.parseString(Files.readString(a)).getAsJsonObject();
        assertEquals(1, doc.getAsJsonArray("results").size());
        JsonObject res = doc.getAsJsonArray("results").get(0).getAsJsonObject();
        assertEquals("784-16-10 batch 7", res.get("caseName").getAsString());
        double median = res.get("median").getAsDouble();

        // B: the same figure at twice A's median with samples 3x apart, and a case A lacks, in BenchOutput's own format.
        DeviceInfo cpu = new DeviceInfo("cpu", "Java", "v", "JAVA", 2, 0, 1L << 30, 0, "Java 17", "vm");
        BenchReport rb = new BenchReport("2026-12-02T10:00:00Z", "host B", BenchSettings.forQuick(), List.of(new DeviceRun(cpu, 1, 1)),
                List.of(new BenchResult("train step", "784-16-10 batch 7", "cpu", "samples/s", median, 2 * median, 3 * median, 3, 1, 1, ""),
                        new BenchResult("train step", "784-99-10 batch 7", "cpu", "samples/s", 1, 1, 1, 3, 1, 1, "")),
                List.of(), "at start 0.50 0.40 0.30, at end 0.60 0.50 0.40");
        Path b = dir.resolve("b.json");
        BenchOutput.writeJson(rb, b);

        CliRunner.Result cmp = CliRunner.run("bench", "--compare", a.toString(), b.toString());
        assertEquals(0, cmp.code(), cmp.toString());
        assertFalse(cmp.err().contains("opening"), cmp.toString());
        assertTrue(cmp.out().contains("A = " + a + ": started " + doc.get("started").getAsString()), cmp.toString());
        assertTrue(cmp.out().contains("load average at start"), cmp.toString());
        assertTrue(cmp.out().contains("B = " + b + ": started 2026-12-02T10:00:00Z; host host B; load average at start 0.50"), cmp.toString());
        assertTrue(cmp.out().lines().anyMatch(l -> l.startsWith("784-16-10 batch 7 | cpu ") && l.endsWith("| 2.00x !")), cmp.toString());
        assertTrue(cmp.out().contains("only in B (" + b + "), 1 figure(s):"), cmp.toString());
        assertTrue(cmp.out().contains("  train step | 784-99-10 batch 7 | cpu"), cmp.toString());
        assertFalse(cmp.out().contains("only in A"), cmp.toString());

        Path broken = dir.resolve("broken.json");
        Files.writeString(broken, "{\"results\": [");
        CliRunner.Result bad = CliRunner.run("bench", "--compare", a.toString(), broken.toString());
        assertEquals(2, bad.code(), bad.toString());
        assertEquals(1, bad.err().strip().lines().count(), bad.toString());
        assertTrue(bad.err().contains("--compare " + broken + ": not JSON"), bad.toString());
        assertTrue(bad.out().isEmpty(), "nothing printed before both files are read: " + bad);

        CliRunner.Result missing = CliRunner.run("bench", "--compare", dir.resolve("nope.json").toString(), b.toString());
        assertEquals(2, missing.code(), missing.toString());
        assertTrue(missing.err().contains("--compare " + dir.resolve("nope.json") + ": no such file"), missing.toString());

        CliRunner.Result withDevice = CliRunner.run("bench", "--compare", a.toString(), b.toString(), "--device", "cpu");
        assertEquals(2, withDevice.code(), withDevice.toString());
        assertTrue(withDevice.err().contains("--device cannot be combined with --compare"), withDevice.toString());

        CliRunner.Result oneFile = CliRunner.run("bench", "--compare", a.toString());
        assertEquals(2, oneFile.code(), oneFile.toString());
    }

    /**
     * {@code --gemm}: the shapes asked for replace the standard gemm cases, labelled as written,
     * each timed once it matched the Java reference; a bad shape exits 2 with one line before
     * any device is opened.
     */
    @Test
    void aimedGemmShapes() {
        CliRunner.Result run = CliRunner.run("bench", "--only", "gemm", "--device", "cpu", "--gemm", "7x33x100,33x7x100tA",
                "--gemm", "7x33x100", "--gemm", "5x9x3tAtB", "--quick", "--reps", "1");
        assertEquals(0, run.code(), run.toString());
        List<String> rows = run.out().lines().filter(l -> l.matches("^\\S+ +\\|.*")).map(l -> l.split(" ")[0]).toList();
        assertEquals(List.of("case", "7x33x100", "33x7x100tA", "5x9x3tAtB"), rows, run.toString());
        assertFalse(run.out().contains("1024") || run.out().contains("X*W1"), "the standard shapes are left out: " + run);

        List<List<String>> bad = List.of(
                List.of("100x50", "--gemm '100x50': expected MxNxK"),
                List.of("0x5x5", "--gemm '0x5x5': sizes must be positive"),
                List.of("2000000x1x1", "2000000 is more than the limit of 1,000,000 per dimension"),
                List.of("1000000x1000000x1", "an operand of 1,000,000,000,000 elements is more than one matrix can hold"));
        for (List<String> c : bad) {
            CliRunner.Result r = CliRunner.run("bench", "--device", "no-such-device-xyz", "--only", "gemm", "--gemm", c.get(0));
            assertEquals(2, r.code(), r.toString());
            assertTrue(r.err().contains(c.get(1)), r.toString());
            assertEquals(1, r.err().strip().lines().count(), "one line: " + r);
        }
        CliRunner.Result notGemm = CliRunner.run("bench", "--device", "cpu", "--only", "train", "--gemm", "5x5x5");
        assertEquals(2, notGemm.code(), notGemm.toString());
        assertTrue(notGemm.err().contains("--only leaves out gemm"), notGemm.toString());
    }
}
