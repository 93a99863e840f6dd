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
    public DeviceInfo {
        if (id == null || id.isBlank()) {
            throw new IllegalArgumentException("device id must not be blank");
        }
    }

    /** Whether this device is a GPU or accelerator, which {@code auto} prefers. */
    public boolean isGpuLike() {
        return type.contains("GPU") || type.contains("ACCELERATOR");
    }
}
