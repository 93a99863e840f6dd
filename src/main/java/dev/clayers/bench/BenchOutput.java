package dev.clayers.bench;

import com.google.gson.GsonBuilder;
import dev.clayers.backend.DeviceInfo;
import dev.clayers.io.AtomicFiles;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/** A {@link BenchReport} as text tables, JSON and CSV. */
public final class BenchOutput {
    private BenchOutput() {}

    /**
     * One table per workload, a column per device, each cell {@code median [min-max]}. Every
     * table header names each device, its driver and version, so tables from two machines can
     * be laid side by side.
     */
    public static void printTables(BenchReport r, PrintStream out) {
        out.println("host: " + r.host() + "; started " + r.started() + (r.settings().quick() ? "; --quick" : "") + "; load average "
                + r.load());
        out.println();
        out.println("set-up per device (never part of a figure):");
        for (DeviceRun d : r.devices()) {
            String opened = d.info().kind().onHeap() ? "the Java backend's worker threads" : "OpenCL context, queue, every kernel built";
            out.printf("  %-12s open %s ms (%s), first calls %s ms in all (one call per case, with any lazy kernel compilation and JIT)%n",
                    d.info().id(), Bench.fmt(d.openMs()), opened, Bench.fmt(d.firstCallsMs()));
        }
        for (Workload w : Workload.values()) {
            Map<String, Map<String, BenchResult>> rows = new LinkedHashMap<>();
            for (BenchResult res : r.results()) {
                if (res.workload().equals(w.title())) rows.computeIfAbsent(res.caseName(), k -> new LinkedHashMap<>()).put(res.device(), res);
            }
            if (rows.isEmpty()) continue;
            out.println();
            out.printf("== %s: %s, median [min-max] over the timed samples (! more than %.0fx apart); %s%n", w.title(), w.unit(),
                    BenchReport.UNSTEADY_SPREAD, w.meaning());
            for (DeviceRun d : r.devices()) out.println("   " + Bench.describe(d.info()));
            int caseWidth = Math.max(4, rows.keySet().stream().mapToInt(String::length).max().orElse(4));
            List<String[]> cells = new ArrayList<>();
            int cellWidth = 0;
            for (Map<String, BenchResult> row : rows.values()) {
                String[] c = new String[r.devices().size()];
                for (int i = 0; i < c.length; i++) {
                    BenchResult res = row.get(r.devices().get(i).info().id());
                    c[i] = res == null ? "-" : Bench.fmt(res.median()) + " [" + Bench.fmt(res.min()) + "-" + Bench.fmt(res.max()) + "]"
                            + (res.failed() ? " FAIL" : "") + (res.unsteady() ? " !" : "");
                    cellWidth = Math.max(cellWidth, c[i].length());
                }
                cells.add(c);
            }
            for (DeviceRun d : r.devices()) cellWidth = Math.max(cellWidth, d.info().id().length());
            // With several devices, each other device's median as a multiple of the first's.
            List<DeviceRun> ds = r.devices();
            String first = ds.get(0).info().id();
            StringBuilder head = new StringBuilder(String.format("%-" + caseWidth + "s", "case"));
            for (DeviceRun d : ds) head.append(" | ").append(String.format("%" + cellWidth + "s", d.info().id()));
            for (DeviceRun d : ds.subList(1, ds.size())) head.append(" | ").append(d.info().id()).append(" / ").append(first);
            out.println(head);
            int i = 0;
            for (Map.Entry<String, Map<String, BenchResult>> row : rows.entrySet()) {
                StringBuilder line = new StringBuilder(String.format("%-" + caseWidth + "s", row.getKey()));
                for (String c : cells.get(i)) line.append(" | ").append(String.format("%" + cellWidth + "s", c));
                BenchResult base = row.getValue().get(first);
                for (DeviceRun d : ds.subList(1, ds.size())) {
                    BenchResult other = row.getValue().get(d.info().id());
                    String ratio = base == null || other == null || base.median() <= 0 ? "-"
                            : String.format(java.util.Locale.ROOT, "%.2fx", other.median() / base.median());
                    line.append(" | ").append(String.format("%" + (d.info().id().length() + 3 + first.length()) + "s", ratio));
                }
                out.println(line);
                i++;
            }
        }
        List<BenchResult> unsteady = r.unsteady();
        if (!unsteady.isEmpty()) {
            out.println();
            out.printf("! %d of %d figures swung more than %.0fx between their fastest and slowest sample (load average %s):%n",
                    unsteady.size(), r.results().size(), BenchReport.UNSTEADY_SPREAD, r.load());
            out.println("  the machine was busy or the device unsteady; rerun them (--only) before comparing.");
        }
        if (!r.failures().isEmpty()) {
            out.println();
            out.println("gemm results beyond tolerance (figures marked FAIL):");
            r.failures().forEach(f -> out.println("  " + f));
        }
    }

    /** The whole report as pretty JSON. */
    public static String json(BenchReport r) {
        return new GsonBuilder().setPrettyPrinting().serializeSpecialFloatingPointValues().create().toJson(r);
    }

    public static final List<String> CSV_HEADER = List.of("workload", "case", "device", "device_name", "vendor", "driver", "version", "unit",
            "median", "min", "max", "reps", "calls_per_rep", "first_call_ms", "check");

    /** One row per (workload, case, device), RFC 4180 quoting, device facts on every row. */
    public static String csv(BenchReport r) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.join(",", CSV_HEADER)).append("\r\n");
        for (BenchResult res : r.results()) {
            Optional<DeviceInfo> info = r.devices().stream().map(DeviceRun::info).filter(d -> d.id().equals(res.device())).findFirst();
            List<String> row = List.of(res.workload(), res.caseName(), res.device(), info.map(DeviceInfo::name).orElse(""),
                    info.map(DeviceInfo::vendor).orElse(""), info.map(DeviceInfo::driver).orElse(""), info.map(DeviceInfo::version).orElse(""),
                    res.unit(), num(res.median()), num(res.min()), num(res.max()), Integer.toString(res.reps()),
                    Long.toString(res.callsPerRep()), num(res.firstCallMs()), res.check());
            sb.append(String.join(",", row.stream().map(BenchOutput::quote).toList())).append("\r\n");
        }
        return sb.toString();
    }

    private static String num(double v) { return String.format(Locale.ROOT, "%.6g", v); }

    static String quote(String s) {
        if (s.indexOf(',') < 0 && s.indexOf('"') < 0 && s.indexOf('\n') < 0 && s.indexOf('\r') < 0) return s;
        return '"' + s.replace("\"", "\"\"") + '"';
    }

    public static void writeJson(BenchReport r, Path file) throws IOException { AtomicFiles.writeString(file, json(r)); }

    public static void writeCsv(BenchReport r, Path file) throws IOException { AtomicFiles.writeString(file, csv(r)); }
}
