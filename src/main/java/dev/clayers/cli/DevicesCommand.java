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
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code clayers devices [--json]}: every device {@code --device} accepts, the Java backend first;
 * simulators are marked, since {@code auto} never picks them.
 */
@Command(name = "devices", mixinStandardHelpOptions = true,
        description = {"Lists the compute devices (Java cpu and every OpenCL device) and their ids for --device.",
                "Simulators and emulators (such as Oclgrind) are marked with *: auto never picks them; name one to use it.",
                "An OpenCL id or name may end in @cpu or @gpu to run that kernel shape instead of the device's own."})
public final class DevicesCommand implements Callable<Integer> {
    @Option(names = "--json", description = "Print one JSON array instead of a table.")
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
                o.addProperty("simulator", DeviceProfile.isSimulator(d));
                if (d.kind().openCl()) o.addProperty("kernels", DeviceProfile.naturalShape(d).label());
                all.add(o);
            }
            out.println(gson.toJson(all));
            return 0;
        }
        String fmt = "%-12s %-34s %-14s %-11s %5s %7s %10s %9s  %-28s %s%n";
        out.printf(fmt, "ID", "NAME", "VENDOR", "TYPE", "CU", "MHZ", "GLOBAL", "LOCAL", "VERSION", "DRIVER");
        boolean anySimulator = false;
        for (DeviceInfo d : devices) {
            boolean sim = DeviceProfile.isSimulator(d);
            anySimulator |= sim;
            out.printf(fmt, d.id() + (sim ? " *" : ""), cut(d.name(), 34), cut(d.vendor(), 14), d.type(), d.computeUnits(),
                    d.clockMhz() == 0 ? "-" : Long.toString(d.clockMhz()), bytes(d.globalMemBytes()),
                    d.localMemBytes() == 0 ? "-" : bytes(d.localMemBytes()), cut(d.version(), 28), d.driver());
        }
        if (anySimulator) out.println("* a simulator: correct but slow; auto never picks it, name it with --device to use it");
        if (devices.size() == 1) System.err.println("no OpenCL device found; only the Java backend is available");
        return 0;
    }

    private static String cut(String s, int n) { return s.length() <= n ? s : s.substring(0, n - 1) + "~"; }

    static String bytes(long b) {
        if (b >= 1L << 30) return String.format("%.1f GiB", b / (double) (1L << 30));
        if (b >= 1L << 20) return String.format("%.1f MiB", b / (double) (1L << 20));
        return String.format("%d KiB", b >> 10);
    }
}
