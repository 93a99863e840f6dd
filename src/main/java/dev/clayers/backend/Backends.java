package dev.clayers.backend;

import dev.clayers.backend.cpu.CpuBackend;

import java.util.List;

/**
 * Device discovery and selection by id ({@code auto}, {@code cpu}, {@code opencl:P:D}, or a
 * name substring).
 */
public final class Backends {
    private Backends() {}

    /** Every device that can be opened here, the Java backend first. */
    public static List<DeviceInfo> list() {
        try (CpuBackend cpu = new CpuBackend()) {
            return List.of(cpu.info());
        }
    }

    /**
     * Opens the device named by {@code spec}.
     *
     * @throws IllegalArgumentException when the spec names no usable device; the message lists the valid ids
     */
    public static Backend open(String spec) {
        String s = spec == null ? "auto" : spec.trim();
        if (s.equalsIgnoreCase("cpu") || s.equalsIgnoreCase("auto")) {
            return new CpuBackend();
        }
        throw new IllegalArgumentException("unknown device '" + spec + "'; valid: auto, cpu");
    }
}
