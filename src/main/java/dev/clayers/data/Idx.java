package dev.clayers.data;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import java.util.zip.ZipException;

/**
 * Reads and writes the IDX files of MNIST and Fashion-MNIST: unsigned-byte images
 * ({@code count x rows x cols}, magic {@code 0x00000803}) and unsigned-byte labels
 * ({@code count}, magic {@code 0x00000801}). All integers in the header are big-endian.
 *
 * <p>A file may be raw or gzip-compressed; gzip is recognised by its first two bytes
 * ({@code 0x1f 0x8b}), never by the file name, because downloaded files are often
 * renamed or decompressed in place. Reading is strict: the magic number, the dimension
 * count, positive dimensions and a data length that matches the header exactly (no
 * fewer bytes, no more) are all checked, and every violation is an
 * {@link IdxFormatException} whose message names the file.
 */
public final class Idx {
    /** Magic number of an IDX file of unsigned bytes with three dimensions (images). */
    public static final int IMAGES_MAGIC = 0x00000803;
    /** Magic number of an IDX file of unsigned bytes with one dimension (labels). */
    public static final int LABELS_MAGIC = 0x00000801;

    /** The IDX type code for unsigned bytes, the third byte of the magic number. */
    private static final int TYPE_UNSIGNED_BYTE = 0x08;
    private static final int BUFFER = 1 << 16;
    /** Largest array the JVM reliably allocates (a few header words below Integer.MAX_VALUE). */
    private static final long MAX_ARRAY = Integer.MAX_VALUE - 8;

    private Idx() {}

    /**
     * The content of an images file: {@code count} images of {@code rows x cols} unsigned
     * bytes, row-major, image after image.
     *
     * @param pixels {@code count * rows * cols} bytes; read them with {@code & 0xff}.
     *               Not copied: the record shares the array with its creator.
     * @param count number of images, positive
     * @param rows  pixel rows per image, positive
     * @param cols  pixel columns per image, positive
     */
    public record Images(int count, int rows, int cols, byte[] pixels) {
        /**
         * Checks the components.
         *
         * @throws IllegalArgumentException when a size is not positive or {@code pixels} does not hold
         *         {@code count * rows * cols} bytes
         */
        public Images {
            if (count <= 0 || rows <= 0 || cols <= 0) {
                throw new IllegalArgumentException("image count and size must be positive, got "
                        + count + " images of " + rows + "x" + cols);
            }
            if ((long) count * rows * cols != pixels.length) {
                throw new IllegalArgumentException(count + " images of " + rows + "x" + cols + " need "
                        + (long) count * rows * cols + " pixel bytes, got " + pixels.length);
            }
        }

        /** Pixels per image, {@code rows * cols}. */
        public int features() { return rows * cols; }
    }

    /** Reads an images file (raw or gzip). */
    public static Images readImages(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return readImages(in, file.toString());
        }
    }

    /**
     * Reads an images file from a stream (raw or gzip) to its end; the caller closes it.
     *
     * @param source the name used in error messages, e.g. a file name or classpath resource
     */
    public static Images readImages(InputStream in, String source) throws IOException {
        Content c = read(in, source, IMAGES_MAGIC);
        return new Images(c.shape[0], c.shape[1], c.shape[2], c.data);
    }

    /**
     * Reads a labels file (raw or gzip) and checks every label is in {@code 0..classes-1}.
     *
     * @param classes number of classes, 1..256 (10 for MNIST)
     */
    public static int[] readLabels(Path file, int classes) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return readLabels(in, file.toString(), classes);
        }
    }

    /** As {@link #readLabels(Path, int)}, from a stream read to its end; the caller closes it. */
    public static int[] readLabels(InputStream in, String source, int classes) throws IOException {
        if (classes < 1 || classes > 256) {
            throw new IllegalArgumentException("classes must be in 1..256 (labels are unsigned bytes), got " + classes);
        }
        byte[] data = read(in, source, LABELS_MAGIC).data;
        int[] labels = new int[data.length];
        for (int i = 0; i < data.length; i++) {
            int label = data[i] & 0xff;
            if (label >= classes) {
                throw new IdxFormatException(source, "label " + label + " at index " + i
                        + " is outside 0.." + (classes - 1) + " (" + classes + " classes)");
            }
            labels[i] = label;
        }
        return labels;
    }

    /**
     * Writes an images file, gzip-compressed when {@code gzip} is true. The file is written
     * to a temporary sibling and renamed into place, so a reader never sees half a file.
     */
    public static void writeImages(Path file, Images images, boolean gzip) throws IOException {
        write(file, gzip, IMAGES_MAGIC, new int[] {images.count(), images.rows(), images.cols()}, images.pixels());
    }

    /**
     * Writes a labels file, gzip-compressed when {@code gzip} is true.
     *
     * @param labels at least one label, each in 0..255 (one unsigned byte)
     */
    public static void writeLabels(Path file, int[] labels, boolean gzip) throws IOException {
        if (labels.length == 0) {
            throw new IllegalArgumentException("an IDX labels file needs at least one label");
        }
        byte[] data = new byte[labels.length];
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] < 0 || labels[i] > 255) {
                throw new IllegalArgumentException("label " + labels[i] + " at index " + i + " does not fit an unsigned byte");
            }
            data[i] = (byte) labels[i];
        }
        write(file, gzip, LABELS_MAGIC, new int[] {labels.length}, data);
    }

    /** A parsed file: the header's dimensions and exactly the data bytes they announce. */
    private record Content(int[] shape, byte[] data) {}

    private static Content read(InputStream raw, String source, int expectedMagic) throws IOException {
        BufferedInputStream buffered = new BufferedInputStream(raw, BUFFER);
        try {
            InputStream in = isGzip(buffered) ? new GZIPInputStream(buffered, BUFFER) : buffered;
            byte[] magicBytes = new byte[4];
            int got = in.readNBytes(magicBytes, 0, 4);
            if (got < 4) {
                throw new IdxFormatException(source, got == 0 ? "empty file, expected an IDX header"
                        : "truncated: file ends inside the 4-byte magic number");
            }
            int magic = ByteBuffer.wrap(magicBytes).getInt();
            int dims = expectedMagic & 0xff;
            if (magicBytes[0] != 0 || magicBytes[1] != 0) {
                throw new IdxFormatException(source, String.format(
                        "not an IDX file: magic number 0x%08x does not start with two zero bytes (expected 0x%08x)",
                        magic, expectedMagic));
            }
            if (magicBytes[2] != TYPE_UNSIGNED_BYTE) {
                throw new IdxFormatException(source, String.format(
                        "magic number 0x%08x has data type 0x%02x, only 0x08 (unsigned byte) is supported",
                        magic, magicBytes[2] & 0xff));
            }
            if (magic != expectedMagic) {
                throw new IdxFormatException(source, String.format(
                        "magic number 0x%08x says %d dimension(s), expected %d for %s (magic 0x%08x)",
                        magic, magicBytes[3] & 0xff, dims, dims == 3 ? "images" : "labels", expectedMagic));
            }

            byte[] header = new byte[4 * dims];
            got = in.readNBytes(header, 0, header.length);
            if (got < header.length) {
                throw new IdxFormatException(source, "truncated: file ends inside the header ("
                        + got + " of " + header.length + " dimension bytes)");
            }
            ByteBuffer h = ByteBuffer.wrap(header);
            int[] shape = new int[dims];
            long total = 1;
            for (int d = 0; d < dims; d++) {
                shape[d] = h.getInt();
                if (shape[d] <= 0) {
                    throw new IdxFormatException(source, "dimension " + d + " is " + shape[d] + ", must be positive");
                }
                total *= shape[d];
                if (total > MAX_ARRAY) {
                    throw new IdxFormatException(source, "header announces more than " + MAX_ARRAY
                            + " bytes, too large for one array");
                }
            }

            byte[] data = new byte[(int) total];
            got = in.readNBytes(data, 0, data.length);
            if (got < data.length) {
                throw new IdxFormatException(source, "truncated: header says " + describe(shape)
                        + " (" + total + " bytes) but only " + got + " bytes follow");
            }
            if (in.read() != -1) {
                long extra = 1 + in.transferTo(OutputStream.nullOutputStream());
                throw new IdxFormatException(source, "trailing bytes: header says " + describe(shape)
                        + " (" + total + " bytes) but " + (total + extra) + " bytes follow");
            }
            return new Content(shape, data);
        } catch (ZipException | EOFException e) {
            // Only GZIPInputStream throws these here: our own reads use readNBytes, which reports EOF by count.
            throw new IdxFormatException(source, "corrupt or truncated gzip data: " + e.getMessage(), e);
        }
    }

    /** Peeks at the first two bytes without consuming them. */
    private static boolean isGzip(BufferedInputStream in) throws IOException {
        in.mark(2);
        int b0 = in.read();
        int b1 = in.read();
        in.reset();
        return b0 == 0x1f && b1 == 0x8b;
    }

    private static String describe(int[] shape) {
        return shape.length == 1 ? shape[0] + " labels" : shape[0] + " images of " + shape[1] + "x" + shape[2];
    }

    private static void write(Path file, boolean gzip, int magic, int[] shape, byte[] data) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try {
            try (OutputStream fileOut = new BufferedOutputStream(Files.newOutputStream(tmp), BUFFER);
                 DataOutputStream out = new DataOutputStream(gzip ? new GZIPOutputStream(fileOut, BUFFER) : fileOut)) {
                out.writeInt(magic);
                for (int dim : shape) {
                    out.writeInt(dim);
                }
                out.write(data);
            }
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
