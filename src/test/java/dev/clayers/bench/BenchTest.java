package dev.clayers.bench;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.clayers.backend.Op;
import dev.clayers.backend.cpu.CpuBackend;
import dev.clayers.cli.Main;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The bench machinery on tiny cases, one sample each: shapes of the output, never speed. */
class BenchTest {
    private static final BenchSettings ONE_REP = new BenchSettings(1, 0, 0, 0, 0, false);

    private static List<BenchCase> tinyCases() {
        List<BenchCase> cases = new ArrayList<>();
        cases.add(BenchCases.gemm(GemmShape.square(8)));
        cases.add(BenchCases.gemm(new GemmShape("nt", 5, 7, 3, false, true)));
        cases.add(BenchCases.gemm(new GemmShape("tn", 6, 4, 9, true, false)));
        cases.add(BenchCases.addBias(4, 8));
        cases.add(BenchCases.sumColumns(5, 3));
        for (Op op : Op.all()) cases.add(BenchCases.elementwise(op, 3, 4));
        cases.add(BenchCases.softmax(4, 3));
        cases.add(BenchCases.softmaxBackward(4, 3));
        cases.add(BenchCases.trainStep(20, 5, 3, 4));
        cases.add(BenchCases.transfer(true, 4096));
        cases.add(BenchCases.transfer(false, 4096));
        return cases;
    }

    private static BenchReport runOnCpu(List<BenchCase> cases, GemmReference ref) {
        try (CpuBackend cpu = new CpuBackend()) {
            BenchReport r = Bench.run(List.of(new Bench.Opened(cpu, 0.5)), cases, ONE_REP, ref,
                    new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
            assertEquals(0, cpu.liveBuffers(), "every case closes its buffers");
            return r;
        }
    }

    /** The standard run times every op of the catalogue, in both --quick and full runs. */
    @Test
    void standardRunsCoverTheOpCatalogue() {
        for (boolean quick : new boolean[] {true, false}) {
            List<String> names = BenchCases.standard(quick).stream().map(BenchCase::name).toList();
            for (Op op : Op.all()) {
                assertTrue(names.stream().anyMatch(n -> n.startsWith(op.id() + " ")), op.id() + " in " + names);
            }
        }
    }

    @Test
    void tinyRunGivesOneWellFormedFigurePerCase() {
        List<BenchCase> cases = tinyCases();
        BenchReport r = runOnCpu(cases, GemmReference.cpu());
        assertEquals(cases.size(), r.results().size());
        assertEquals(1, r.devices().size());
        assertEquals("cpu", r.devices().get(0).info().id());
        for (int i = 0; i < cases.size(); i++) {
            BenchResult res = r.results().get(i);
            assertEquals(cases.get(i).name(), res.caseName());
            assertEquals(cases.get(i).workload().unit(), res.unit());
            assertEquals("cpu", res.device());
            assertEquals(1, res.reps());
            assertTrue(res.median() > 0 && Double.isFinite(res.median()), res.toString());
            assertTrue(res.min() <= res.median() && res.median() <= res.max(), res.toString());
            assertEquals(cases.get(i).gemm() != null ? "PASS" : "", res.check());
        }
        assertEquals(3, r.checks().size());
        assertTrue(r.failures().isEmpty(), r.failures().toString());

        ByteArrayOutputStream text = new ByteArrayOutputStream();
        BenchOutput.printTables(r, new PrintStream(text, true, StandardCharsets.UTF_8));
        String t = text.toString(StandardCharsets.UTF_8);
        for (Workload w : Workload.values()) assertTrue(t.contains("== " + w.title() + ": " + w.unit()), t);
        assertTrue(t.contains(Bench.describe(r.devices().get(0).info())), "each table names device, driver, version");
        assertFalse(t.contains("FAIL"), t);
    }

    @Test
    void jsonAndCsvParseBack(@TempDir Path dir) throws Exception {
        BenchReport r = runOnCpu(tinyCases(), GemmReference.cpu());
        Path json = dir.resolve("b.json"), csv = dir.resolve("b.csv"), png = dir.resolve("b.png");
        BenchOutput.writeJson(r, json);
        BenchOutput.writeCsv(r, csv);
        BenchPlot.write(r, png);

        JsonObject doc = JsonParser.parseString(Files.readString(json)).getAsJsonObject();
        JsonArray devices = doc.getAsJsonArray("devices");
        assertEquals("cpu", devices.get(0).getAsJsonObject().getAsJsonObject("info").get("id").getAsString());
        assertTrue(devices.get(0).getAsJsonObject().has("openMs"));
        JsonArray results = doc.getAsJsonArray("results");
        assertEquals(r.results().size(), results.size());
        for (JsonElement e : results) {
            JsonObject o = e.getAsJsonObject();
            for (String k : List.of("workload", "caseName", "device", "unit", "min", "median", "max", "reps")) assertTrue(o.has(k), k + " in " + o);
            assertTrue(o.get("min").getAsDouble() <= o.get("max").getAsDouble());
        }
        assertEquals(3, doc.getAsJsonArray("checks").size());

        List<List<String>> rows = parseCsv(Files.readString(csv));
        assertEquals(BenchOutput.CSV_HEADER, rows.get(0));
        assertEquals(r.results().size() + 1, rows.size());
        for (int i = 1; i < rows.size(); i++) {
            List<String> row = rows.get(i);
            BenchResult res = r.results().get(i - 1);
            assertEquals(BenchOutput.CSV_HEADER.size(), row.size(), row.toString());
            assertEquals(res.caseName(), row.get(1));
            assertEquals(r.devices().get(0).info().name(), row.get(3));
            assertEquals(res.median(), Double.parseDouble(row.get(8)), 1e-5 * res.median());
        }
        byte[] head = Files.readAllBytes(png);
        assertTrue(head.length > 8 && head[1] == 'P' && head[2] == 'N' && head[3] == 'G', "a PNG");
        try (var files = Files.list(dir)) {
            assertEquals(3, files.count(), "no temp files left behind");
        }
    }

    @Test
    void plotDrawsFiguresThatSpanOrdersOfMagnitude(@TempDir Path dir) throws Exception {
        var info = new CpuBackend().info();
        List<BenchResult> rs = List.of(new BenchResult("ops", "small", "cpu", "GB/s", 0.01, 0.02, 0.03, 1, 1, 0, ""),
                new BenchResult("ops", "big", "cpu", "GB/s", 50, 60, 70, 1, 1, 0, ""));
        BenchReport r = new BenchReport("now", "host", ONE_REP, List.of(new DeviceRun(info, 0, 0)), rs, List.of(), "unknown");
        Path png = dir.resolve("log.png");
        BenchPlot.write(r, png);
        assertTrue(Files.size(png) > 1000);
    }

    @Test
    void csvQuotesFieldsWithCommasAndQuotes() {
        assertEquals("plain", BenchOutput.quote("plain"));
        assertEquals("\"a, \"\"b\"\"\"", BenchOutput.quote("a, \"b\""));
        assertEquals(List.of(List.of("x", "a, \"b\"", "")), parseCsv("x," + BenchOutput.quote("a, \"b\"") + ",\r\n"));
    }

    @Test
    void gemmResultBeyondToleranceIsReportedAsFail() {
        GemmReference wrong = (s, a, b) -> {
            float[] c = GemmReference.cpu().multiply(s, a, b);
            c[c.length / 2] += 1f;
            return c;
        };
        BenchReport r = runOnCpu(List.of(BenchCases.gemm(GemmShape.square(16)), BenchCases.addBias(4, 8)), wrong);
        assertEquals(1, r.failures().size());
        assertTrue(r.results().get(0).failed(), r.results().get(0).check());
        assertFalse(r.results().get(1).failed());
        ByteArrayOutputStream text = new ByteArrayOutputStream();
        BenchOutput.printTables(r, new PrintStream(text, true, StandardCharsets.UTF_8));
        assertTrue(text.toString(StandardCharsets.UTF_8).contains("FAIL"));
    }

    @Test
    void standardCasesQuickIsASubsetOfFull() {
        List<String> full = BenchCases.standard(false).stream().map(BenchCase::name).toList();
        List<String> quick = BenchCases.standard(true).stream().map(BenchCase::name).toList();
        assertTrue(full.containsAll(quick));
        assertTrue(full.contains("2048") && !quick.contains("2048"));
        assertTrue(full.contains("X^T*dH (100x784)^T*100x100") && quick.contains("X^T*dH (100x784)^T*100x100"));
    }

    @Test
    void onlyKeepsTheNamedWorkloads() {
        PrintStream oldOut = System.out, oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
        try {
            assertEquals(0, Main.run("bench", "--device", "cpu", "--quick", "--reps", "1", "--only", "transfer"));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
        String text = out.toString(StandardCharsets.UTF_8);
        assertTrue(text.contains("== transfer:"), text);
        assertFalse(text.contains("== gemm:") || text.contains("== ops:") || text.contains("== train step:"), text);
    }

    @Test
    void badDeviceOrRepsExit2() {
        PrintStream oldErr = System.err;
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            assertEquals(2, Main.run("bench", "--device", "no-such-device-xyz"));
            assertTrue(err.toString(StandardCharsets.UTF_8).contains("no device matches"), err.toString(StandardCharsets.UTF_8));
            assertEquals(2, Main.run("bench", "--device", "cpu", "--reps", "0"));
            assertTrue(err.toString(StandardCharsets.UTF_8).contains("--reps must be positive"), err.toString(StandardCharsets.UTF_8));
            assertEquals(2, Main.run("bench", "--device", "cpu", "--only", "train,trian"));
            assertTrue(err.toString(StandardCharsets.UTF_8).contains("unknown workload 'trian'; valid: gemm, ops, train, transfer"),
                    err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setErr(oldErr);
        }
    }

    /** RFC 4180: comma-separated, CRLF rows, fields with commas or quotes quoted, "" for a quote. */
    static List<List<String>> parseCsv(String text) {
        List<List<String>> rows = new ArrayList<>();
        List<String> row = new ArrayList<>();
        StringBuilder f = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < text.length(); i++) {
            char ch = text.charAt(i);
            if (quoted) {
                if (ch == '"' && i + 1 < text.length() && text.charAt(i + 1) == '"') { f.append('"'); i++; }
                else if (ch == '"') quoted = false;
                else f.append(ch);
            } else if (ch == '"') quoted = true;
            else if (ch == ',') { row.add(f.toString()); f.setLength(0); }
            else if (ch == '\r') continue;
            else if (ch == '\n') { row.add(f.toString()); f.setLength(0); rows.add(row); row = new ArrayList<>(); }
            else f.append(ch);
        }
        return rows;
    }
}
