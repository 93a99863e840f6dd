package dev.clayers.backend;

/**
 * What a compute device is: a stable id ({@code cpu} or {@code opencl:P:D}) and the facts a user
 * needs to compare devices.
 *
 * @param id             stable id accepted by {@code --device}
 * @param name           device name as the driver reports it
 * @param vendor         device vendor
 * @param type           CPU, GPU, ACCELERATOR, or JAVA for the pure-Java backend
 * @param computeUnits   parallel compute units (cores for the Java backend)
 * @param clockMhz       max clock in MHz (0 when unknown)
 * @param globalMemBytes global memory in bytes (max heap for the Java backend)
 * @param localMemBytes  local (shared) memory per work-group in bytes (0 for the Java backend)
 * @param version        OpenCL version string, or the Java runtime version
 * @param driver         driver version string, or the Java vendor
 */
public record DeviceInfo(String id, String name, String vendor, String type, int computeUnits, long clockMhz,
                         long globalMemBytes, long localMemBytes, String version, String driver) {
    /**
     * Checks the id.
     *
     * @throws IllegalArgumentException when {@code id} is null or blank
     */
    public DeviceInfo {
        if (id == null || id.isBlank()) {
            throw new IllegalArgumentException("device id must not be blank");
        }
    }

    /** Whether this device is a GPU or accelerator, which {@code auto} prefers. */
    public boolean isGpuLike() {
        return type.contains("GPU") || type.contains("ACCELERATOR");
    }

    /** What runs the ops, as every device difference outside the backends needs it; no code tests names. */
    public enum Kind {
        /** The pure-Java backend: its buffers live on the Java heap. */
        JAVA("Java"),
        /** An OpenCL driver for a CPU (PoCL). */
        OPENCL_CPU("OpenCL CPU"),
        /** An OpenCL GPU or accelerator. */
        OPENCL_GPU("OpenCL GPU"),
        /** A simulator or emulator (Oclgrind): correct, slow, never picked by {@code auto}. */
        SIMULATOR("simulator");

        private final String words;

        Kind(String words) { this.words = words; }

        /** The kind as a person says it: Java, OpenCL CPU, OpenCL GPU, simulator. */
        public String words() { return words; }

        /** Whether the device's buffers live on the Java heap. */
        public boolean onHeap() { return this == JAVA; }

        /** Whether it runs OpenCL kernels. */
        public boolean openCl() { return this != JAVA; }
    }

    /** Words in a name, vendor or version that mark a simulator or emulator. */
    private static final java.util.List<String> SIMULATOR_MARKS = java.util.List.of("oclgrind", "emulat", "simulat");

    /** The kind of device: from its type, and from its name, vendor and versions for simulators. */
    public Kind kind() {
        if ("JAVA".equals(type)) return Kind.JAVA;
        if (isSimulatorName(name + " " + vendor + " " + version + " " + driver)) return Kind.SIMULATOR;
        return isGpuLike() ? Kind.OPENCL_GPU : Kind.OPENCL_CPU;
    }

    /** Whether this is a simulator or emulator ({@link Kind#SIMULATOR}): correct, slow, never picked by {@code auto}. */
    public boolean isSimulator() { return kind() == Kind.SIMULATOR; }

    /** Whether a name (of a device, vendor or platform) marks a simulator or emulator. */
    public static boolean isSimulatorName(String text) {
        String lower = text.toLowerCase(java.util.Locale.ROOT);
        return SIMULATOR_MARKS.stream().anyMatch(lower::contains);
    }
}
