package dev.clayers.cli;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.clayers.backend.Backends;
import dev.clayers.backend.DeviceInfo;
import dev.clayers.backend.opencl.DeviceProfile;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code clayers devices [--wide | --json]}: every device {@code --device} accepts, the Java
 * backend first. The default table fits 100 columns (a long name wraps onto the next line rather
 * than being cut); {@code --wide} adds vendor, clock, local memory, versions and driver.
 */
@Command(name = "devices", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Lists the compute devices (the Java backend and every OpenCL device) and their ids for --device.",
                "Simulators (such as Oclgrind) are never picked by auto; name one to use it.",
                "An OpenCL id or name may end in @cpu or @gpu to run that kernel shape instead of the device's own."},
        footer = {"", "Examples:",
                "  clayers devices                  the devices in a table that fits 100 columns",
                "  clayers devices --wide           every detail: vendor, clock, local memory, versions, driver",
                "  clayers devices --json | jq -r '.[].id'"})
public final class DevicesCommand implements Callable<Integer> {
    /** The default table's width at most. */
    static final int WIDTH = 100;

    @Option(names = "--wide", description = "Every detail, in a table wider than 100 columns.")
    boolean wide;

    @Option(names = "--json", description = "Print one JSON array with every detail instead of a table.")
    boolean json;

    private final PrintStream out;

    public DevicesCommand() { this(System.out); }

    DevicesCommand(PrintStream out) { this.out = out; }

    @Override
    public Integer call() {
        List<DeviceInfo> devices = Backends.list();
        if (json) {
            Gson gson = new GsonBuilder().setPrettyPrinting().create();
            JsonArray all = new JsonArray();
            for (DeviceInfo d : devices) {
                JsonObject o = gson.toJsonTree(d).getAsJsonObject();
                o.addProperty("kind", d.kind().words());
                o.addProperty("simulator", DeviceProfile.isSimulator(d));
                if (d.kind().openCl()) o.addProperty("kernels", DeviceProfile.naturalShape(d).label());
                all.add(o);
            }
            out.println(gson.toJson(all));
            return 0;
        }
        List<String[]> rows = new ArrayList<>();
        for (DeviceInfo d : devices) {
            String mem = bytes(d.globalMemBytes());
            rows.add(wide ? new String[] {d.id(), d.kind().words(), d.name(), d.vendor(), Integer.toString(d.computeUnits()),
                    d.clockMhz() == 0 ? "-" : Long.toString(d.clockMhz()), mem, d.localMemBytes() == 0 ? "-" : bytes(d.localMemBytes()),
                    d.version(), d.driver()}
                    : new String[] {d.id(), d.kind().words(), d.name(), Integer.toString(d.computeUnits()), mem});
        }
        String[] head = wide ? new String[] {"ID", "KIND", "NAME", "VENDOR", "UNITS", "MHZ", "MEMORY", "LOCAL", "VERSION", "DRIVER"}
                : new String[] {"ID", "KIND", "NAME", "UNITS", "MEMORY"};
        boolean[] right = wide ? new boolean[] {false, false, false, false, true, true, true, true, false, false}
                : new boolean[] {false, false, false, true, true};
        table(head, right, rows, wide ? Integer.MAX_VALUE : WIDTH, 2).forEach(out::println);
        if (devices.stream().anyMatch(DeviceProfile::isSimulator)) {
            out.println("A simulator is correct but slow: auto never picks it; name it with --device to use it.");
        }
        if (devices.size() == 1) System.err.println("no OpenCL device found; only the Java backend is available");
        return 0;
    }

    /**
     * Rows as lines of columns two spaces apart, each as wide as its widest cell. Where the lines
     * would pass {@code width}, column {@code wrap} (the name) is narrowed and its long cells
     * continue on the next lines, broken at spaces where they can be: never cut.
     */
    static List<String> table(String[] head, boolean[] right, List<String[]> rows, int width, int wrap) {
        int n = head.length;
        int[] w = new int[n];
        List<String[]> all = new ArrayList<>();
        all.add(head);
        all.addAll(rows);
        for (String[] r : all) for (int i = 0; i < n; i++) w[i] = Math.max(w[i], r[i].length());
        int total = 2 * (n - 1);
        for (int x : w) total += x;
        if (total > width) w[wrap] = Math.max(head[wrap].length(), w[wrap] - (total - width));
        List<String> lines = new ArrayList<>();
        for (String[] r : all) {
            List<String> pieces = wrapText(r[wrap], w[wrap]);
            for (int k = 0; k < pieces.size(); k++) {
                StringBuilder sb = new StringBuilder();
                for (int i = 0; i < n; i++) {
                    String cell = i == wrap ? pieces.get(k) : k == 0 ? r[i] : "";
                    if (i > 0) sb.append("  ");
                    sb.append(right[i] ? " ".repeat(w[i] - cell.length()) + cell : cell + " ".repeat(w[i] - cell.length()));
                }
                lines.add(sb.toString().stripTrailing());
            }
        }
        return lines;
    }

    /** {@code s} in pieces of at most {@code width}, broken after a space where one is near enough. */
    static List<String> wrapText(String s, int width) {
        List<String> out = new ArrayList<>();
        String rest = s;
        while (rest.length() > width) {
            int cut = rest.lastIndexOf(' ', width);
            if (cut < width / 2) cut = width;
            out.add(rest.substring(0, cut).stripTrailing());
            rest = rest.substring(cut).stripLeading();
        }
        out.add(rest);
        return out;
    }

    static String bytes(long b) {
        if (b >= 1L << 30) return String.format("%.1f GiB", b / (double) (1L << 30));
        if (b >= 1L << 20) return String.format("%.1f MiB", b / (double) (1L << 20));
        return String.format("%d KiB", b >> 10);
    }
}
