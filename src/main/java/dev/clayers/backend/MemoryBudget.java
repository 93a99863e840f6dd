package dev.clayers.backend;

import java.util.Locale;

/**
 * The memory a device and the Java heap have, checked before something large is allocated, so a
 * too-large network fails at once with one line instead of an {@link OutOfMemoryError} (or a
 * device allocation failure) minutes later. The Java backend keeps its "device" buffers on the
 * heap ({@link DeviceInfo.Kind#onHeap}), so there both estimates count against the heap.
 */
public final class MemoryBudget {
    private MemoryBudget() {}

    /** A network or a run that would need more memory than the device or the Java heap has. */
    public static final class OutOfMemoryException extends IllegalArgumentException {
        private static final long serialVersionUID = 1L;

        /** An exception with this one-line message. */
        public OutOfMemoryException(String message) {
            super(message);
        }
    }

    /**
     * Checks an estimate of the memory something needs before it is allocated.
     *
     * @param what        what needs it ("the network 784-900000-10")
     * @param deviceBytes bytes of device buffers
     * @param hostBytes   bytes of Java arrays alive at the same time
     * @param advice      what to make smaller ("use narrower layers")
     * @throws OutOfMemoryException when an estimate exceeds what is there
     */
    public static void check(String what, long deviceBytes, long hostBytes, DeviceInfo device, String advice) {
        check(what, deviceBytes, 0, hostBytes, device, advice);
    }

    /**
     * As {@link #check(String, long, long, DeviceInfo, String)}, for something that adds to
     * buffers already there: {@code allocatedDeviceBytes} count against the device's total, but
     * not against the free heap (on {@code cpu} they are already missing from it).
     */
    public static void check(String what, long deviceBytes, long allocatedDeviceBytes, long hostBytes, DeviceInfo device,
                             String advice) {
        Runtime rt = Runtime.getRuntime();
        long heapFree = rt.maxMemory() - (rt.totalMemory() - rt.freeMemory());
        boolean onHeap = device.kind().onHeap();
        long heapNeed = onHeap ? deviceBytes + hostBytes : hostBytes;
        if (heapNeed > heapFree) {
            throw new OutOfMemoryException(what + " needs about " + gigabytes(heapNeed) + " of Java heap"
                    + (onHeap ? " on " + device.id() : " for its host copies") + ", but " + gigabytes(heapFree)
                    + " is free; " + advice + ", or raise the heap with CLAYERS_JAVA_OPTS=-Xmx<size>");
        }
        long deviceNeed = deviceBytes + allocatedDeviceBytes;
        if (!onHeap && device.globalMemBytes() > 0 && deviceNeed > device.globalMemBytes()) {
            throw new OutOfMemoryException(what + " needs about " + gigabytes(deviceNeed) + " on " + device.id() + " ("
                    + device.name() + "), which has " + gigabytes(device.globalMemBytes()) + "; " + advice
                    + ", or choose a device with more memory (clayers devices)");
        }
    }

    /** {@code 3.1 GB}. */
    static String gigabytes(long bytes) {
        return bytes >= 1L << 30 ? String.format(Locale.ROOT, "%.1f GB", bytes / (double) (1L << 30))
                : String.format(Locale.ROOT, "%.0f MB", Math.ceil(bytes / (double) (1L << 20)));
    }
}
