package dev.clayers.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class IdxTest {
    @TempDir
    Path dir;

    /** Three 2x4 images covering the byte range, including values above 127 (sign bit set). */
    private static Idx.Images sample() {
        byte[] pixels = new byte[3 * 2 * 4];
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = (byte) (i * 11);
        }
        pixels[0] = (byte) 255;
        return new Idx.Images(3, 2, 4, pixels);
    }

    /** Raw IDX bytes: a big-endian magic, the dimensions, then the data (possibly the wrong amount). */
    private static byte[] idx(int magic, int[] dims, int dataBytes) {
        ByteBuffer b = ByteBuffer.allocate(4 + 4 * dims.length + dataBytes).putInt(magic);
        for (int d : dims) {
            b.putInt(d);
        }
        return b.array();
    }

    private static byte[] gzip(byte[] raw) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (GZIPOutputStream out = new GZIPOutputStream(bytes)) {
            out.write(raw);
        }
        return bytes.toByteArray();
    }

    private Path file(String name, byte[] content) throws IOException {
        return Files.write(dir.resolve(name), content);
    }

    private static void assertMessage(IOException e, Path file, String... parts) {
        String m = e.getMessage();
        assertTrue(m.startsWith(file.toString() + ": "), "message should start with the file: " + m);
        assertTrue(m.indexOf('\n') < 0, "message should be one line: " + m);
        for (String part : parts) {
            assertTrue(m.contains(part), "message should contain '" + part + "': " + m);
        }
    }

    @ParameterizedTest(name = "gzip={0}")
    @ValueSource(booleans = {false, true})
    void imagesAndLabelsRoundTrip(boolean gzip) throws IOException {
        Path images = dir.resolve("images.idx");
        Path labels = dir.resolve("labels.idx");
        Idx.writeImages(images, sample(), gzip);
        Idx.writeLabels(labels, new int[] {0, 9, 4}, gzip);

        Idx.Images back = Idx.readImages(images);
        assertEquals(3, back.count());
        assertEquals(2, back.rows());
        assertEquals(4, back.cols());
        assertEquals(8, back.features());
        assertArrayEquals(sample().pixels(), back.pixels());
        assertArrayEquals(new int[] {0, 9, 4}, Idx.readLabels(labels, 10));
        assertTrue(Files.list(dir).noneMatch(p -> p.toString().endsWith(".tmp")), "no temp file left behind");
    }

    @Test
    void writerProducesStandardHeaderAndGzip() throws IOException {
        Path raw = dir.resolve("raw");
        Path gz = dir.resolve("gz");
        Idx.writeLabels(raw, new int[] {1, 2}, false);
        Idx.writeLabels(gz, new int[] {1, 2}, true);
        assertArrayEquals(new byte[] {0, 0, 8, 1, 0, 0, 0, 2, 1, 2}, Files.readAllBytes(raw));
        byte[] compressed = Files.readAllBytes(gz);
        assertEquals((byte) 0x1f, compressed[0]);
        assertEquals((byte) 0x8b, compressed[1]);
    }

    @Test
    void gzipIsDetectedByContentNotByName() throws IOException {
        Path gzipWithoutSuffix = dir.resolve("train-images-idx3-ubyte");
        Path rawWithGzSuffix = dir.resolve("t10k-images-idx3-ubyte.gz");
        Idx.writeImages(gzipWithoutSuffix, sample(), true);
        Idx.writeImages(rawWithGzSuffix, sample(), false);
        assertEquals((byte) 0x1f, Files.readAllBytes(gzipWithoutSuffix)[0]);
        assertEquals(0, Files.readAllBytes(rawWithGzSuffix)[0]);

        assertArrayEquals(sample().pixels(), Idx.readImages(gzipWithoutSuffix).pixels());
        assertArrayEquals(sample().pixels(), Idx.readImages(rawWithGzSuffix).pixels());
    }

    @ParameterizedTest(name = "gzip={0}")
    @ValueSource(booleans = {false, true})
    void truncatedImagesNameTheFileAndTheShortfall(boolean gzip) throws IOException {
        byte[] content = idx(Idx.IMAGES_MAGIC, new int[] {10, 28, 28}, 100);
        Path f = file("t10k-images-idx3-ubyte.gz", gzip ? gzip(content) : content);
        IdxFormatException e = assertThrows(IdxFormatException.class, () -> Idx.readImages(f));
        assertMessage(e, f, "truncated: header says 10 images of 28x28 (7840 bytes) but only 100 bytes follow");
    }

    @Test
    void truncatedLabels() throws IOException {
        Path f = file("train-labels-idx1-ubyte", idx(Idx.LABELS_MAGIC, new int[] {60000}, 59999));
        IdxFormatException e = assertThrows(IdxFormatException.class, () -> Idx.readLabels(f, 10));
        assertMessage(e, f, "truncated: header says 60000 labels (60000 bytes) but only 59999 bytes follow");
    }

    @Test
    void truncatedHeader() throws IOException {
        Path f = file("short", Arrays.copyOf(idx(Idx.IMAGES_MAGIC, new int[] {1, 2, 3}, 6), 9));
        assertMessage(assertThrows(IdxFormatException.class, () -> Idx.readImages(f)), f,
                "truncated", "inside the header (5 of 12 dimension bytes)");
    }

    @Test
    void emptyFile() throws IOException {
        Path f = file("empty", new byte[0]);
        assertMessage(assertThrows(IdxFormatException.class, () -> Idx.readImages(f)), f, "empty file");
    }

    @Test
    void truncatedGzipStreamIsAFormatError() throws IOException {
        Path whole = dir.resolve("whole.gz");
        Idx.writeImages(whole, sample(), true);
        byte[] gz = Files.readAllBytes(whole);
        Path f = file("cut.gz", Arrays.copyOf(gz, gz.length - 12));
        assertMessage(assertThrows(IdxFormatException.class, () -> Idx.readImages(f)), f,
                "corrupt or truncated gzip data");
    }

    @Test
    void labelsFileReadAsImagesIsAWrongMagic() throws IOException {
        Path f = dir.resolve("train-labels-idx1-ubyte");
        Idx.writeLabels(f, new int[] {1, 2, 3}, false);
        assertMessage(assertThrows(IdxFormatException.class, () -> Idx.readImages(f)), f,
                "magic number 0x00000801", "expected 3 for images (magic 0x00000803)");
    }

    @Test
    void notAnIdxFile() throws IOException {
        Path f = file("picture.png", new byte[] {(byte) 0x89, 'P', 'N', 'G', 13, 10, 26, 10});
        assertMessage(assertThrows(IdxFormatException.class, () -> Idx.readLabels(f, 10)), f,
                "not an IDX file", "0x89504e47");
    }

    @Test
    void wrongDimensionCount() throws IOException {
        Path f = file("images-2d", idx(0x00000802, new int[] {4, 7}, 28));
        assertMessage(assertThrows(IdxFormatException.class, () -> Idx.readImages(f)), f,
                "magic number 0x00000802 says 2 dimension(s), expected 3");
    }

    @Test
    void unsupportedDataType() throws IOException {
        Path f = file("floats", idx(0x00000D03, new int[] {1, 1, 1}, 4));
        assertMessage(assertThrows(IdxFormatException.class, () -> Idx.readImages(f)), f,
                "data type 0x0d", "only 0x08 (unsigned byte)");
    }

    @Test
    void nonPositiveDimension() throws IOException {
        Path f = file("zero-rows", idx(Idx.IMAGES_MAGIC, new int[] {5, 0, 28}, 0));
        assertMessage(assertThrows(IdxFormatException.class, () -> Idx.readImages(f)), f,
                "dimension 1 is 0, must be positive");
        Path g = file("negative-count", idx(Idx.LABELS_MAGIC, new int[] {-1}, 0));
        assertMessage(assertThrows(IdxFormatException.class, () -> Idx.readLabels(g, 10)), g,
                "dimension 0 is -1, must be positive");
    }

    @ParameterizedTest(name = "gzip={0}")
    @ValueSource(booleans = {false, true})
    void trailingGarbage(boolean gzip) throws IOException {
        byte[] content = idx(Idx.IMAGES_MAGIC, new int[] {10, 28, 28}, 7840 + 3);
        Path f = file("train-images-idx3-ubyte", gzip ? gzip(content) : content);
        assertMessage(assertThrows(IdxFormatException.class, () -> Idx.readImages(f)), f,
                "trailing bytes: header says 10 images of 28x28 (7840 bytes) but 7843 bytes follow");
    }

    @Test
    void labelOutOfRange() throws IOException {
        Path f = dir.resolve("labels");
        Idx.writeLabels(f, new int[] {0, 9, 10, 3}, true);
        assertMessage(assertThrows(IdxFormatException.class, () -> Idx.readLabels(f, 10)), f,
                "label 10 at index 2 is outside 0..9");
        assertMessage(assertThrows(IdxFormatException.class, () -> Idx.readLabels(f, 4)), f,
                "label 9 at index 1 is outside 0..3 (4 classes)");
        assertArrayEquals(new int[] {0, 9, 10, 3}, Idx.readLabels(f, 256));
    }

    @Test
    void writerRejectsWhatIdxCannotHold() {
        assertThrows(IllegalArgumentException.class, () -> Idx.writeLabels(dir.resolve("x"), new int[] {256}, false));
        assertThrows(IllegalArgumentException.class, () -> Idx.writeLabels(dir.resolve("x"), new int[0], false));
        assertThrows(IllegalArgumentException.class, () -> new Idx.Images(2, 28, 28, new byte[784]));
    }
}
