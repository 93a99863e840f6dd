package dev.clayers;

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

    /**
     * Most values in one image of a conv or pooling layer (channels x height x width): 16 M is a
     * 3 x 2048 x 2048 picture. Shapes are computed in long and checked against it, so a crafted
     * shape cannot wrap an int.
     */
    public static final long MAX_IMAGE_VALUES = fromProperty("clayers.maxImageValues", 16_777_216L);

    /** Largest mini-batch. */
    public static final int MAX_BATCH = (int) fromProperty("clayers.maxBatch", 65_536L);

    /** Most devices that train one network together (each gets a replica, a host thread and a copy of the data). */
    public static final int MAX_DEVICES = 64;

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

    /**
     * Largest ONNX file read or written: a protobuf message holds at most 2 GiB, and the whole file is
     * parsed in memory; 1 GiB is a network of 250 M float32 weights.
     */
    public static final long MAX_ONNX_BYTES = Math.min(fromProperty("clayers.maxOnnxBytes", 1L << 30), Integer.MAX_VALUE - 8L);

    /**
     * Most pictures one folder loader reads ({@code data.ImageFolder}): a million 28x28 pictures is
     * 3 GB of floats; more is a wrong folder (a home directory) rather than a dataset.
     */
    public static final long MAX_DATASET_FILES = fromProperty("clayers.maxDatasetFiles", 1_000_000L);

    /** Longest line of a CSV file, in characters: a line that long is not a row of numbers but a broken file. */
    public static final long MAX_CSV_LINE_CHARS = fromProperty("clayers.maxCsvLineChars", 16_000_000L);

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
