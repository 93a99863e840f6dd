package dev.clayers.spark;

import dev.clayers.backend.Backend;
import dev.clayers.backend.Backends;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The devices of this JVM (an executor's, or the driver's in local mode), opened once per device
 * spec and kept for the JVM's life: opening an OpenCL device builds its kernels, which every
 * epoch's tasks and every prediction would otherwise pay again. Internal to clayers-spark.
 */
final class Devices {
    private static final Logger LOG = LoggerFactory.getLogger(Devices.class);
    private static final Map<String, List<Backend>> OPEN = new ConcurrentHashMap<>();

    private Devices() {}

    /**
     * The devices {@code spec} names: {@code auto} (the best one, as {@code Backends.open("auto")}
     * picks it), {@code all} (every OpenCL device, else the Java backend), {@code cpu}, or a
     * comma-separated list of ids or name substrings.
     */
    static List<Backend> of(String spec) {
        String key = spec.trim().toLowerCase(Locale.ROOT);
        return OPEN.computeIfAbsent(key, k -> {
            List<Backend> devices = k.equals("auto") ? List.of(Backends.open("auto")) : Backends.openEach(k);
            LOG.info("device spec '{}' opened {}", k, devices.stream().map(Backend::id).toList());
            return devices;
        });
    }

    /** Checks the spec's syntax where the driver can (the devices themselves are the executors'). */
    static String check(String spec) {
        if (spec == null || spec.isBlank()) {
            throw new IllegalArgumentException("device is empty; use auto, cpu, all, an id such as opencl:0:0, or a"
                    + " comma-separated list of them");
        }
        for (String part : spec.split(",", -1)) {
            if (part.isBlank()) throw new IllegalArgumentException("device '" + spec + "' has an empty entry between commas");
        }
        String k = spec.trim().toLowerCase(Locale.ROOT);
        boolean alone = java.util.Arrays.stream(k.split(",")).map(String::trim).anyMatch(e -> e.equals("auto") || e.equals("all"));
        if (alone && k.contains(",")) {
            throw new IllegalArgumentException("device '" + spec + "': auto and all stand alone, not in a list");
        }
        return spec.trim();
    }
}
