package dev.clayers.bench;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import dev.clayers.Limits;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Two runs of {@code bench --json} side by side ({@code bench --compare A.json B.json}): each
 * (workload, case, device) found in both with A's median, B's median and B/A, so a change to the
 * code or the machine is read off one table instead of two. Every figure is a rate (GFLOP/s,
 * GB/s, samples/s), so B/A above 1 means B was faster.
 *
 * <p>Devices are paired by id first; a device left over in A is then paired with the first
 * left-over device of B that has the same name (two machines may number the same OpenCL platform
 * differently). Devices still unpaired, and cases one run did not time, are listed apart.
 *
 * @param a      the first run
 * @param b      the second run
 * @param pairs  the devices paired, in A's order
 * @param rows   the figures found in both, in A's order
 * @param onlyA  A's figures with no partner in B
 * @param onlyB  B's figures with no partner in A
 */
public record BenchComparison(Run a, Run b, List<DevicePair> pairs, List<Row> rows, List<BenchResult> onlyA, List<BenchResult> onlyB) {
    public BenchComparison {
        pairs = List.copyOf(pairs);
        rows = List.copyOf(rows);
        onlyA = List.copyOf(onlyA);
        onlyB = List.copyOf(onlyB);
    }

    /**
     * A bench run as read back from its JSON: what a comparison needs of it.
     *
     * @param file    where it was read from, for the header and messages
     * @param started when it began, or null when the file does not say
     * @param host    the machine, or null
     * @param load    the load averages at start and end, or null (files written before they were recorded)
     * @param quick   whether it was a {@code --quick} run
     * @param devices every device, in the run's order
     * @param results every figure, in the run's order
     */
    public record Run(Path file, String started, String host, String load, boolean quick, List<Device> devices, List<BenchResult> results) {
        public Run {
            devices = List.copyOf(devices);
            results = List.copyOf(results);
        }

        /** {@code started 2026-12-01T22:19:25Z; host ...; load average ...}, leaving out what the file lacks. */
        String describe() {
            List<String> parts = new ArrayList<>();
            if (started != null) parts.add("started " + started);
            if (host != null) parts.add("host " + host);
            if (load != null) parts.add("load average " + load);
            if (quick) parts.add("--quick");
            return file + (parts.isEmpty() ? "" : ": " + String.join("; ", parts));
        }
    }

    /** A device of a run: its id and the name its driver gave (empty when the file lacks it). */
    public record Device(String id, String name) {}

    /**
     * Two devices taken as the same one.
     *
     * @param a      the device's id in A
     * @param b      its id in B
     * @param byName whether they were paired by name (their ids differ)
     * @param name   the name they share (A's name when paired by id)
     */
    public record DevicePair(String a, String b, boolean byName, String name) {
        /** {@code cpu}, or {@code opencl:0:0 = opencl:1:0} when the ids differ. */
        public String label() { return a.equals(b) ? a : a + " = " + b; }
    }

    /** One figure found in both runs. */
    public record Row(String workload, String caseName, DevicePair devices, BenchResult a, BenchResult b) {
        /** B's median over A's, NaN when A's is not a positive number. */
        public double ratio() { return a.median() > 0 ? b.median() / a.median() : Double.NaN; }

        /** Whether either side's samples swung more than {@link BenchReport#UNSTEADY_SPREAD}x. */
        public boolean unsteady() { return a.unsteady() || b.unsteady(); }
    }

    /**
     * Pairs the devices and the figures of two runs, keeping only the workloads whose titles are
     * in {@code workloads} (all when null).
     */
    public static BenchComparison of(Run a, Run b, Set<String> workloads) {
        List<DevicePair> pairs = pair(a.devices(), b.devices());
        Map<String, DevicePair> byA = new HashMap<>();
        for (DevicePair p : pairs) byA.put(p.a(), p);
        Map<List<String>, BenchResult> inB = new LinkedHashMap<>();
        for (BenchResult r : b.results()) inB.put(key(r.workload(), r.caseName(), r.device()), r);
        List<Row> rows = new ArrayList<>();
        List<BenchResult> onlyA = new ArrayList<>();
        Set<List<String>> matched = new HashSet<>();
        for (BenchResult r : a.results()) {
            if (workloads != null && !workloads.contains(r.workload())) continue;
            DevicePair p = byA.get(r.device());
            BenchResult other = p == null ? null : inB.get(key(r.workload(), r.caseName(), p.b()));
            if (other == null) {
                onlyA.add(r);
            } else {
                rows.add(new Row(r.workload(), r.caseName(), p, r, other));
                matched.add(key(other.workload(), other.caseName(), other.device()));
            }
        }
        List<BenchResult> onlyB = b.results().stream()
                .filter(r -> (workloads == null || workloads.contains(r.workload())) && !matched.contains(key(r.workload(), r.caseName(), r.device())))
                .toList();
        return new BenchComparison(a, b, pairs, rows, onlyA, onlyB);
    }

    /** By id, then the left-overs by name (first come, first paired), each device in at most one pair. */
    static List<DevicePair> pair(List<Device> a, List<Device> b) {
        Map<String, Device> bLeft = new LinkedHashMap<>();
        for (Device d : b) bLeft.put(d.id(), d);
        Map<String, DevicePair> byId = new HashMap<>();
        for (Device d : a) {
            if (bLeft.remove(d.id()) != null) byId.put(d.id(), new DevicePair(d.id(), d.id(), false, d.name()));
        }
        List<DevicePair> out = new ArrayList<>();
        for (Device d : a) {
            DevicePair p = byId.get(d.id());
            if (p == null && !d.name().isEmpty()) {
                Device twin = bLeft.values().stream().filter(o -> o.name().equals(d.name())).findFirst().orElse(null);
                if (twin != null) {
                    bLeft.remove(twin.id());
                    p = new DevicePair(d.id(), twin.id(), true, d.name());
                }
            }
            if (p != null) out.add(p);
        }
        return out;
    }

    private static List<String> key(String workload, String caseName, String device) { return List.of(workload, caseName, device); }

    /**
     * The comparison as text: the two runs (file, date, host, load average), how the devices were
     * paired, one table per workload ({@code case | device | A | B | B/A}), then what only one run has.
     */
    public void print(PrintStream out) {
        out.println("A = " + a.describe());
        out.println("B = " + b.describe());
        List<String> paired = new ArrayList<>();
        for (DevicePair p : pairs) paired.add(p.label() + (p.byName() ? " (same name: " + p.name() + ")" : " (same id)"));
        out.println("devices: " + (paired.isEmpty() ? "none paired" : String.join("; ", paired)));
        List<String> unpaired = new ArrayList<>();
        for (Device d : a.devices()) if (pairs.stream().noneMatch(p -> p.a().equals(d.id()))) unpaired.add("A " + d.id());
        for (Device d : b.devices()) if (pairs.stream().noneMatch(p -> p.b().equals(d.id()))) unpaired.add("B " + d.id());
        if (!unpaired.isEmpty()) out.println("unpaired (no device of the other run with its id or name): " + String.join(", ", unpaired));

        Map<String, List<Row>> byWorkload = new LinkedHashMap<>();
        for (Row r : rows) byWorkload.computeIfAbsent(r.workload(), k -> new ArrayList<>()).add(r);
        for (Map.Entry<String, List<Row>> w : byWorkload.entrySet()) {
            List<Row> rs = w.getValue();
            out.println();
            out.printf("== %s: %s, median of each run (! its samples more than %.0fx apart); B/A above 1: B faster%n", w.getKey(),
                    rs.get(0).a().unit(), BenchReport.UNSTEADY_SPREAD);
            List<String[]> lines = new ArrayList<>();
            lines.add(new String[] {"case", "device", "A", "B", "B/A"});
            for (Row r : rs) {
                double ratio = r.ratio();
                lines.add(new String[] {r.caseName(), r.devices().label(), cell(r.a()), cell(r.b()),
                        (Double.isFinite(ratio) ? String.format(Locale.ROOT, "%.2fx", ratio) : "-") + (r.unsteady() ? " !" : "")});
            }
            int[] width = new int[5];
            for (String[] l : lines) for (int i = 0; i < l.length; i++) width[i] = Math.max(width[i], l[i].length());
            for (String[] l : lines) {
                out.println(String.format("%-" + width[0] + "s | %-" + width[1] + "s | %" + width[2] + "s | %" + width[3] + "s | %"
                        + width[4] + "s", (Object[]) l));
            }
        }
        if (rows.isEmpty()) {
            out.println();
            out.println("no (workload, case, device) is in both runs");
        }
        long unsteady = rows.stream().filter(Row::unsteady).count();
        if (unsteady > 0) {
            out.println();
            out.printf("! %d of %d pairs have a side whose samples swung more than %.0fx: rerun them (bench --only) before trusting B/A.%n",
                    unsteady, rows.size(), BenchReport.UNSTEADY_SPREAD);
        }
        only(out, "A", a, onlyA);
        only(out, "B", b, onlyB);
    }

    private static String cell(BenchResult r) {
        return Bench.fmt(r.median()) + (r.failed() ? " FAIL" : "") + (r.unsteady() ? " !" : "");
    }

    private static void only(PrintStream out, String side, Run run, List<BenchResult> results) {
        if (results.isEmpty()) return;
        out.println();
        out.println("only in " + side + " (" + run.file() + "), " + results.size() + " figure(s):");
        for (BenchResult r : results) out.println("  " + r.workload() + " | " + r.caseName() + " | " + r.device());
    }

    /** Why a --compare file cannot be read, in one line naming the file. */
    private static IllegalArgumentException bad(Path file, String what) {
        return new IllegalArgumentException("--compare " + file + ": " + what + "; give two files written by bench --json");
    }

    /**
     * Reads a run written by {@link BenchOutput#writeJson}: {@code results} is required (each with
     * workload, caseName, device and median); min and max (without them no {@code !}), unit,
     * check, the devices and the run's date, host and load average are used when there.
     *
     * @throws IllegalArgumentException naming the file, when it is missing, too large, not JSON or not a bench run
     */
    public static Run read(Path file) {
        String text;
        try {
            if (!Files.isRegularFile(file)) throw bad(file, Files.exists(file) ? "not a regular file" : "no such file");
            long size = Files.size(file);
            if (size > Limits.MAX_BENCH_JSON_BYTES) {
                throw bad(file, Limits.format(size) + " bytes, more than the limit of " + Limits.format(Limits.MAX_BENCH_JSON_BYTES)
                        + " (a full run writes a few tens of kilobytes)");
            }
            text = Files.readString(file);
        } catch (IOException e) {
            throw bad(file, "cannot read it (" + e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage()) + ")");
        }
        JsonElement root;
        try {
            root = JsonParser.parseString(text);
        } catch (JsonParseException e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            String message = String.valueOf(cause.getMessage());
            int newline = message.indexOf('\n');   // Gson appends a troubleshooting link on a second line
            throw bad(file, "not JSON (" + (newline < 0 ? message : message.substring(0, newline)) + ")");
        }
        if (!root.isJsonObject()) throw bad(file, "not a JSON object");
        JsonObject doc = root.getAsJsonObject();
        if (!(doc.get("results") instanceof JsonArray resultArray)) throw bad(file, "no \"results\" array");

        List<Device> devices = new ArrayList<>();
        Set<String> ids = new HashSet<>();
        if (doc.get("devices") instanceof JsonArray deviceArray) {
            for (int i = 0; i < deviceArray.size(); i++) {
                JsonObject info = deviceArray.get(i).isJsonObject() && deviceArray.get(i).getAsJsonObject().get("info") instanceof JsonObject o
                        ? o : null;
                String id = info == null ? null : string(info, "id");
                if (id == null || id.isBlank()) throw bad(file, "devices[" + i + "] has no info.id");
                String name = string(info, "name");
                if (ids.add(id)) devices.add(new Device(id, name == null ? "" : name));
            }
        }
        List<BenchResult> results = new ArrayList<>();
        Set<List<String>> seen = new HashSet<>();
        for (int i = 0; i < resultArray.size(); i++) {
            String where = "results[" + i + "]";
            if (!resultArray.get(i).isJsonObject()) throw bad(file, where + " is not an object");
            JsonObject o = resultArray.get(i).getAsJsonObject();
            String workload = string(o, "workload"), caseName = string(o, "caseName"), device = string(o, "device");
            if (workload == null || caseName == null || device == null) throw bad(file, where + " lacks workload, caseName or device");
            Double median = number(o, "median");
            if (median == null) throw bad(file, where + " (" + caseName + " on " + device + ") has no numeric median");
            Double min = number(o, "min"), max = number(o, "max");
            String unit = string(o, "unit"), check = string(o, "check");
            if (!seen.add(key(workload, caseName, device))) throw bad(file, where + " repeats " + workload + " | " + caseName + " | " + device);
            if (ids.add(device)) devices.add(new Device(device, ""));
            results.add(new BenchResult(workload, caseName, device, unit == null ? "" : unit, min == null ? median : min, median,
                    max == null ? median : max, 0, 0, 0, check == null ? "" : check));
        }
        boolean quick = doc.get("settings") instanceof JsonObject settings && settings.get("quick") instanceof JsonPrimitive q
                && q.isBoolean() && q.getAsBoolean();
        return new Run(file, string(doc, "started"), string(doc, "host"), string(doc, "load"), quick, devices, results);
    }

    private static String string(JsonObject o, String name) {
        return o.get(name) instanceof JsonPrimitive p && p.isString() ? p.getAsString() : null;
    }

    /** A number, or NaN and the infinities as {@code serializeSpecialFloatingPointValues} writes them; null when absent or not a number. */
    private static Double number(JsonObject o, String name) {
        if (!(o.get(name) instanceof JsonPrimitive p) || p.isBoolean()) return null;
        try {
            return p.getAsDouble();
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
