package dev.clayers.backend;

import dev.clayers.backend.cpu.CpuBackend;
import dev.clayers.backend.opencl.DeviceProfile;
import dev.clayers.backend.opencl.OpenClBackend;
import dev.clayers.backend.opencl.OpenClDevices;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Device discovery and selection by id: {@code auto}, {@code cpu}, {@code opencl:P:D}, or a
 * case-insensitive substring of a device name. An OpenCL id or name may end in {@code @cpu} or
 * {@code @gpu} to run that kernel shape instead of the device's own ({@link DeviceProfile}): the
 * tests run the GPU-shaped kernels on a CPU device so. Discovery never throws, even without libOpenCL.
 */
public final class Backends {
    private static final Logger log = LoggerFactory.getLogger(Backends.class);
    private static final Pattern OPENCL_ID = Pattern.compile("opencl:(\\d+):(\\d+)", Pattern.CASE_INSENSITIVE);
    /** {@code opencl:P:D/N}: that device split into N sub-devices of equal compute units. */
    private static final Pattern OPENCL_PARTS = Pattern.compile("opencl:(\\d+):(\\d+)/(\\d+)", Pattern.CASE_INSENSITIVE);
    private static final Pattern SHAPE_SUFFIX = Pattern.compile("(.+)@(cpu|gpu)", Pattern.CASE_INSENSITIVE);

    private Backends() {}

    /** Every device that can be opened here: the Java backend first, then every OpenCL device. */
    public static List<DeviceInfo> list() {
        List<DeviceInfo> all = new ArrayList<>();
        all.add(cpuInfo());
        OpenClDevices.Discovery d = OpenClDevices.discover();
        if (d.problem() != null) log.debug("OpenCL: {}", d.problem());
        all.addAll(d.devices());
        return all;
    }

    /** The ids of {@link #list()}. */
    public static List<String> ids() {
        return list().stream().map(DeviceInfo::id).toList();
    }

    private static DeviceInfo cpuInfo() {
        try (CpuBackend cpu = new CpuBackend()) {
            return cpu.info();
        }
    }

    /**
     * Opens the device named by {@code spec} ({@code null} or blank means {@code auto}).
     *
     * @throws IllegalArgumentException when the spec names no device or the device cannot be
     *     opened; the message lists the valid ids
     */
    public static Backend open(String spec) {
        String s = spec == null || spec.isBlank() ? "auto" : spec.trim();
        if (s.equalsIgnoreCase("auto")) return openAuto();
        if (s.equalsIgnoreCase(CpuBackend.ID)) return new CpuBackend();
        DeviceProfile.Shape shape = null;
        Matcher suffix = SHAPE_SUFFIX.matcher(s);
        if (suffix.matches()) {
            shape = DeviceProfile.Shape.parse(suffix.group(2));
            s = suffix.group(1).trim();
            if (s.equalsIgnoreCase("auto") || s.equalsIgnoreCase(CpuBackend.ID)) {
                throw new IllegalArgumentException("'" + spec + "': @cpu and @gpu choose the kernel shape of an OpenCL device; "
                        + "name one (opencl:P:D or part of its name)");
            }
        }
        if (OPENCL_PARTS.matcher(s).matches()) {
            throw new IllegalArgumentException("'" + spec + "' is a device split into sub-devices, which are several devices; give it"
                    + " where several are taken (train --device, bench --data-parallel) or name one whole device");
        }
        Matcher m = OPENCL_ID.matcher(s);
        if (m.matches()) {
            int platform = index(m.group(1), "platform", spec), device = index(m.group(2), "device", spec);
            // Built from the numbers, so opencl:00:0 names the device listed as opencl:0:0.
            return openExplicit("opencl:" + platform + ":" + device, platform, device, shape);
        }

        List<DeviceInfo> all = list();
        String needle = s.toLowerCase(Locale.ROOT);
        List<DeviceInfo> hits = all.stream().filter(d -> d.name().toLowerCase(Locale.ROOT).contains(needle)).toList();
        if (hits.isEmpty()) {
            throw new IllegalArgumentException("no device matches '" + spec + "'; valid: " + validIds(all));
        }
        if (hits.size() > 1) {
            throw new IllegalArgumentException("'" + spec + "' matches several devices: "
                    + hits.stream().map(d -> d.id() + " (" + d.name() + ")").toList() + "; use one of their ids");
        }
        return open(hits.get(0).id() + (shape == null ? "" : "@" + shape.label()));
    }

    /**
     * The devices {@code --device all} means: every device of {@link #list()} but simulators, which
     * run only when named (Oclgrind takes minutes for what PoCL does in a second).
     */
    public static List<DeviceInfo> all() {
        List<DeviceInfo> out = new ArrayList<>();
        for (DeviceInfo d : list()) {
            if (DeviceProfile.isSimulator(d)) log.debug("all: leaving out {} ({}), a simulator; name it to use it", d.id(), d.name());
            else out.add(d);
        }
        return out;
    }

    /** The ids of {@link #all()}. */
    public static List<String> allIds() {
        return all().stream().map(DeviceInfo::id).toList();
    }

    /** Opens every device of {@link #allIds()} ({@code --device all}), the Java backend first. */
    public static List<Backend> openAll() {
        List<Backend> out = new ArrayList<>();
        try {
            for (String id : allIds()) out.add(open(id));
        } catch (RuntimeException e) {
            out.forEach(Backend::close);
            throw e;
        }
        return out;
    }

    /** A platform or device number of an {@code opencl:P:D} id; digits past {@code int} name the id, not "For input string". */
    private static int index(String digits, String what, String spec) {
        try {
            return Integer.parseInt(digits);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + spec + "': " + what + " number " + digits + " is out of range; valid: "
                    + validIds(list()));
        }
    }

    /**
     * Opens the devices of a comma-separated list of ids ({@code opencl:0:0,opencl:0:1},
     * {@code cpu,opencl:0:0}; each as {@link #open} takes it) in its order, or every device for
     * {@code all}: each OpenCL device but simulators, or the Java backend where there is none (the
     * Java backend and an OpenCL CPU device would share the same cores; name {@code cpu} to add it).
     * An entry {@code opencl:P:D/N} is that device split into {@code N} sub-devices of equal compute
     * units ({@code clCreateSubDevices}), opened as {@code N} devices with ids {@code opencl:P:D/N.0} ...
     *
     * @throws IllegalArgumentException naming the entry, for an empty entry, a device that cannot be
     *     opened or one listed twice; nothing stays open then
     */
    public static List<Backend> openEach(String spec) {
        String s = spec == null ? "" : spec.trim();
        List<String> entries;
        if (s.equalsIgnoreCase("all")) {
            entries = allIds().stream().filter(id -> !id.equals(CpuBackend.ID)).toList();
            if (entries.isEmpty()) entries = List.of(CpuBackend.ID);
        } else {
            entries = List.of(s.split(",", -1));
        }
        // The same id written twice fails before any device is opened; names that reach one device, after opening.
        java.util.Set<String> written = new java.util.HashSet<>();
        for (String e : entries) {
            String id = whole(withoutShape(e.trim().toLowerCase(Locale.ROOT)));
            if (!id.isEmpty() && !written.add(id)) {
                throw new IllegalArgumentException("device " + id + " is listed twice in '" + spec + "'; name each device once"
                        + " (whole or split into sub-devices, not both)");
            }
        }
        List<Backend> out = new ArrayList<>();
        try {
            java.util.Set<String> seen = new java.util.HashSet<>();
            for (String e : entries) {
                if (e.isBlank()) throw new IllegalArgumentException("'" + spec + "' has an empty entry; list device ids separated by commas");
                if (e.trim().equalsIgnoreCase("all") || e.trim().equalsIgnoreCase("auto")) {
                    throw new IllegalArgumentException("'" + e.trim() + "' cannot be one of several devices; list their ids or"
                            + " give 'all' alone");
                }
                // An entry opens one device or its sub-devices: the whole device they share is checked once per entry,
                // so a device's name and its split (in either order) are refused like the same id twice.
                List<Backend> group = openParts(e);
                if (group.isEmpty()) group = List.of(open(e));
                out.addAll(group);
                String id = whole(withoutShape(group.get(0).id()));
                if (!seen.add(id)) {
                    throw new IllegalArgumentException("device " + id + " is listed twice in '" + spec + "'; name each device once"
                            + " (whole or split into sub-devices, not both)");
                }
            }
        } catch (RuntimeException e) {
            out.forEach(Backend::close);
            throw e;
        }
        return out;
    }

    /**
     * Whether a {@code --device} value names several devices for {@link #openEach}: a list, {@code
     * all}, or a device split into sub-devices ({@code opencl:P:D/N}).
     */
    public static boolean namesSeveral(String spec) {
        String s = spec == null ? "" : spec.trim();
        return s.contains(",") || s.equalsIgnoreCase("all") || s.contains("/");
    }

    /**
     * An id without its kernel-shape suffix ({@code opencl:0:0@gpu} is the device {@code
     * opencl:0:0}): what two ids must differ in to name different devices.
     */
    public static String withoutShape(String id) {
        int at = id.indexOf('@');
        return at < 0 ? id : id.substring(0, at);
    }

    /** The whole device an id names: {@code opencl:P:D} for its sub-devices {@code opencl:P:D/N} and {@code opencl:P:D/N.i}. */
    private static String whole(String id) {
        int slash = id.indexOf('/');
        return slash < 0 ? id : id.substring(0, slash);
    }

    /** The sub-devices of an {@code opencl:P:D/N} entry (with an optional {@code @cpu}/{@code @gpu}), or an empty list for any other entry. */
    private static List<Backend> openParts(String entry) {
        String s = entry.trim();
        DeviceProfile.Shape shape = null;
        Matcher suffix = SHAPE_SUFFIX.matcher(s);
        if (suffix.matches()) {
            shape = DeviceProfile.Shape.parse(suffix.group(2));
            s = suffix.group(1).trim();
        }
        Matcher m = OPENCL_PARTS.matcher(s);
        if (!m.matches()) {
            if (s.contains("/")) {
                throw new IllegalArgumentException("'" + entry.trim() + "': to split a device into sub-devices write opencl:P:D/N"
                        + " (opencl:0:0/2 is opencl:0:0 in two equal parts)");
            }
            return List.of();
        }
        int platform = index(m.group(1), "platform", entry), device = index(m.group(2), "device", entry);
        int parts = index(m.group(3), "sub-device count", entry);
        return new ArrayList<>(OpenClBackend.openParts(platform, device, parts, shape));
    }

    private static String validIds(List<DeviceInfo> all) {
        List<String> ids = new ArrayList<>();
        ids.add("auto");
        for (DeviceInfo d : all) ids.add(d.id() + (d.id().equals(CpuBackend.ID) ? "" : " (" + d.name() + ")"));
        return String.join(", ", ids);
    }

    private static Backend openExplicit(String id, int platform, int device, DeviceProfile.Shape shape) {
        OpenClDevices.Discovery d = OpenClDevices.discover();
        boolean present = d.devices().stream().anyMatch(x -> x.id().equals(id));
        if (!present) {
            List<DeviceInfo> all = new ArrayList<>();
            all.add(cpuInfo());
            all.addAll(d.devices());
            throw new IllegalArgumentException("no OpenCL device " + id + (d.problem() != null ? " (" + d.problem() + ")" : "")
                    + "; valid: " + validIds(all));
        }
        try {
            return OpenClBackend.open(platform, device, shape);
        } catch (RuntimeException e) {
            List<DeviceInfo> all = new ArrayList<>();
            all.add(cpuInfo());
            all.addAll(d.devices());
            throw new IllegalArgumentException("cannot open " + id + ": " + e.getMessage() + "; valid: " + validIds(all), e);
        }
    }

    /**
     * Picks the device expected to be fastest: a GPU or accelerator (most compute units x clock),
     * else an OpenCL CPU device, else the Java backend. Simulators and emulators (Oclgrind, FPGA
     * emulators: {@link DeviceProfile#isSimulator}) are never picked, only opened when named.
     * Falls back with a WARN when OpenCL is unusable or the chosen device fails to open; an
     * explicit id never falls back.
     */
    private static Backend openAuto() {
        OpenClDevices.Discovery d = OpenClDevices.discover();
        if (d.devices().isEmpty()) {
            log.warn("auto: OpenCL is not usable ({}); using the Java cpu backend", d.problem());
            return new CpuBackend();
        }
        List<DeviceInfo> ranked = new ArrayList<>(d.devices().stream().filter(x -> !DeviceProfile.isSimulator(x)).toList());
        if (ranked.isEmpty()) {
            log.warn("auto: the only OpenCL devices are simulators ({}), which auto never picks; using the Java cpu backend",
                    d.devices().stream().map(x -> x.id() + " " + x.name()).toList());
            return new CpuBackend();
        }
        Comparator<DeviceInfo> speed = Comparator.comparingLong(x -> (long) x.computeUnits() * Math.max(1, x.clockMhz()));
        ranked.sort(Comparator.comparing((DeviceInfo x) -> !x.isGpuLike()).thenComparing(speed.reversed()));
        for (DeviceInfo cand : ranked) {
            Matcher m = OPENCL_ID.matcher(cand.id());
            if (!m.matches()) continue;
            try {
                Backend b = OpenClBackend.open(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)));
                log.info("auto: using {} ({}, {}, {} compute units) because {}", cand.id(), cand.name(), cand.type(),
                        cand.computeUnits(), cand.isGpuLike() ? "it is the largest GPU/accelerator found"
                                : "no GPU/accelerator was found and an OpenCL CPU device runs the same kernels");
                return b;
            } catch (RuntimeException e) {
                log.warn("auto: cannot open {} ({}): {}", cand.id(), cand.name(), e.getMessage());
            }
        }
        log.warn("auto: no OpenCL device could be opened; using the Java cpu backend");
        return new CpuBackend();
    }
}
