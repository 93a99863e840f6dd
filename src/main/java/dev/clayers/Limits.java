package dev.clayers;

import dev.clayers.backend.DeviceInfo;

import java.text.NumberFormat;
import java.util.Locale;

/**
 * Every size cap in one place. Input from users and files (pictures, layer widths, batch sizes,
 * model-file headers) is checked against these before anything is allocated, so a hostile or
 * mistyped value fails with one line naming the limit instead of running out of memory later.
 *
 * <p>The caps that a real use may need to raise read a system property, set for the CLI with
 * {@code CLAYERS_JAVA_OPTS=-Dclayers.NAME=N}; each message names it.
 */
public final class Limits {
    private Limits() {}

    /**
     * Largest picture {@code predict} decodes, in pixels (width x height): 40 M is a large camera
     * photo. Decoding holds about 12 bytes per pixel (the ARGB raster and the gray copy), so the
     * cap keeps a picture under half a gigabyte of heap; a 400-byte PNG can claim 40000x40000.
     */
    public static final long MAX_IMAGE_PIXELS = fromProperty("clayers.maxImagePixels", 40_000_000L);

    /** Widest layer (inputs or outputs of one affine layer); wider is a typo, not a network. */
    public static final int MAX_LAYER_WIDTH = (int) fromProperty("clayers.maxLayerWidth", 1_000_000L);

    /**
     * Elements of one matrix: a Java array (host copies of weights and batches) holds at most
     * about 2^31 elements, and device buffers are indexed with 32-bit ints.
     */
    public static final long MAX_MATRIX_ELEMENTS = Integer.MAX_VALUE - 8;

    /** Largest mini-batch. */
    public static final int MAX_BATCH = (int) fromProperty("clayers.maxBatch", 65_536L);

    /**
     * Largest safetensors header (the JSON that lists the tensors and the metadata). Our models and
     * checkpoints need kilobytes; the cap bounds the time and heap a hostile file can cost.
     */
    public static final long MAX_SAFETENSORS_HEADER_BYTES = fromProperty("clayers.maxHeaderBytes", 16_000_000L);

    /** Most tensors in one safetensors file (a network needs two per affine layer, a checkpoint up to four more). */
    public static final int MAX_TENSORS = (int) fromProperty("clayers.maxTensors", 10_000L);

    /**
     * Largest file {@code bench --compare} reads: a full bench run writes a few tens of kilobytes
     * of JSON, so a file this large is the wrong file, and is refused before it is read into memory.
     */
    public static final long MAX_BENCH_JSON_BYTES = 64L << 20;

    /** A network or a run that would need more memory than the device or the Java heap has. */
    public static final class OutOfMemoryException extends IllegalArgumentException {
        private static final long serialVersionUID = 1L;

        public OutOfMemoryException(String message) {
            super(message);
        }
    }

    /**
     * Checks an estimate of the memory something needs before it is allocated, so a too-large
     * network fails at once with one line instead of an {@link OutOfMemoryError} (or a device
     * allocation failure) minutes later. The CPU backend keeps its "device" buffers on the Java
     * heap, so there both estimates count against the heap.
     *
     * @param what        what needs it ("the network 784-900000-10")
     * @param deviceBytes bytes of device buffers
     * @param hostBytes   bytes of Java arrays alive at the same time
     * @param advice      what to make smaller ("use narrower layers")
     * @throws OutOfMemoryException when an estimate exceeds what is there
     */
    public static void checkMemory(String what, long deviceBytes, long hostBytes, DeviceInfo device, String advice) {
        checkMemory(what, deviceBytes, 0, hostBytes, device, advice);
    }

    /**
     * As {@link #checkMemory(String, long, long, DeviceInfo, String)}, for something that adds to
     * buffers already there: {@code allocatedDeviceBytes} count against the device's total, but
     * not against the free heap (on {@code cpu} they are already missing from it).
     */
    public static void checkMemory(String what, long deviceBytes, long allocatedDeviceBytes, long hostBytes,
                                   DeviceInfo device, String advice) {
        Runtime rt = Runtime.getRuntime();
        long heapFree = rt.maxMemory() - (rt.totalMemory() - rt.freeMemory());
        boolean onHeap = "JAVA".equals(device.type());
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

    /** "raise it with CLAYERS_JAVA_OPTS=-Dclayers.maxBatch=N" for a message. */
    public static String howToRaise(String property) {
        return "raise it with CLAYERS_JAVA_OPTS=-D" + property + "=N (a system property)";
    }

    /** {@code 40,000,000}. */
    public static String format(long n) {
        return NumberFormat.getIntegerInstance(Locale.ROOT).format(n);
    }

    private static long fromProperty(String name, long fallback) {
        String v = System.getProperty(name);
        if (v == null) return fallback;
        try {
            long n = Long.parseLong(v.trim().replace("_", ""));
            if (n > 0) return n;
        } catch (NumberFormatException ignored) {
            // fall through: a bad override is reported and ignored rather than failing every command
        }
        System.err.println("clayers: ignoring -D" + name + "=" + v + " (not a positive integer); using " + fallback);
        return fallback;
    }
}
