package dev.clayers.io;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.AbstractList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Random;
import java.util.Set;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SafetensorsTest {
    @TempDir
    Path dir;

    static float[] random(int n, long seed) {
        Random rng = new Random(seed);
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) rng.nextGaussian();
        }
        return a;
    }

    @Test
    void roundTripKeepsTensorsBitsAndMetadataInOrder() throws IOException {
        float[] special = {Float.NaN, Float.intBitsToFloat(0x7fc12345), -0.0f, Float.POSITIVE_INFINITY,
                Float.NEGATIVE_INFINITY, Float.MIN_VALUE, Float.MAX_VALUE, 1e-40f, 0f, 1f};
        List<Tensor> tensors = List.of(
                Tensor.matrix("affine1.W", 784, 100, random(784 * 100, 1)),
                Tensor.matrix("one", 1, 1, new float[] {3.25f}),
                Tensor.matrix("odd", 7, 33, random(7 * 33, 2)),
                Tensor.matrix("special", 1, 10, special),
                new Tensor("affine1.b", new int[] {100}, random(100, 3)),
                new Tensor("empty", new int[] {0, 5}, new float[0]));
        Map<String, String> metadata = new LinkedHashMap<>();
        metadata.put("zeta", "last-alphabetically but first");
        metadata.put("architecture", "{\"layers\":[784,100,10]}");
        metadata.put("unicode", "Grüße \u2028 ✓");
        Path file = dir.resolve("sub/folder/model.safetensors");

        Safetensors.write(file, metadata, tensors);
        SafetensorsFile back = Safetensors.read(file);

        assertEquals(tensors, back.tensors());
        assertEquals(List.copyOf(metadata.entrySet()), List.copyOf(back.metadata().entrySet()));
        assertArrayEquals(new int[] {7, 33}, back.tensor("odd").shape());
        assertEquals(0x7fc12345, Float.floatToRawIntBits(back.tensor("special").data()[1]));
        NoSuchElementException missing = assertThrows(NoSuchElementException.class, () -> back.tensor("nope"));
        assertTrue(missing.getMessage().contains("affine1.W"), missing.getMessage());
    }

    @Test
    void emitsTheDocumentedBytesExactly() throws IOException {
        Path file = dir.resolve("tiny.safetensors");
        Safetensors.write(file, Map.of("k", "v"), List.of(Tensor.matrix("a", 1, 2, new float[] {1.0f, -2.5f})));

        String json = "{\"__metadata__\":{\"k\":\"v\"},\"a\":{\"dtype\":\"F32\",\"shape\":[1,2],\"data_offsets\":[0,8]}}";
        assertEquals(81, json.length());
        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        expected.writeBytes(new byte[] {88, 0, 0, 0, 0, 0, 0, 0}); // 81 + 7 spaces, u64 little-endian
        expected.writeBytes(json.getBytes(StandardCharsets.US_ASCII));
        expected.writeBytes("       ".getBytes(StandardCharsets.US_ASCII)); // data starts at 96, a multiple of 8
        expected.writeBytes(new byte[] {0x00, 0x00, (byte) 0x80, 0x3f}); // 1.0f  = 0x3f800000, little-endian
        expected.writeBytes(new byte[] {0x00, 0x00, 0x20, (byte) 0xc0}); // -2.5f = 0xc0200000, little-endian

        assertArrayEquals(expected.toByteArray(), Files.readAllBytes(file));
    }

    @Test
    void omitsMetadataWhenThereIsNoneAndAlignsEveryHeader() throws IOException {
        for (int nameLength = 1; nameLength <= 9; nameLength++) {
            Path file = dir.resolve("n" + nameLength + ".safetensors");
            Safetensors.write(file, Map.of(), List.of(new Tensor("x".repeat(nameLength), new int[] {1}, new float[] {2f})));
            byte[] bytes = Files.readAllBytes(file);
            long headerLength = ByteBuffer.wrap(bytes, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
            assertEquals(0, (8 + headerLength) % 8);
            String header = new String(bytes, 8, (int) headerLength, StandardCharsets.UTF_8);
            assertTrue(header.startsWith("{\"" + "x".repeat(nameLength) + "\":{\"dtype\":\"F32\""), header);
            assertEquals(8 + headerLength + 4, bytes.length);
        }
    }

    /** Bytes laid out as another writer might: unpadded, keys reordered, no metadata, header not in offset order. */
    @Test
    void readsFilesFromOtherWriters() throws IOException {
        String json = "{\"b\": {\"shape\":[2],\"data_offsets\":[12,20],\"dtype\":\"F32\"},"
                + "\"a\":{\"data_offsets\":[0,12],\"dtype\":\"F32\",\"shape\":[3,1]}}";
        assertTrue(json.length() % 8 != 0, "the point is an unpadded header");
        ByteBuffer data = ByteBuffer.allocate(20).order(ByteOrder.LITTLE_ENDIAN);
        data.putFloat(1f).putFloat(2f).putFloat(3f).putFloat(-4f).putFloat(0.5f);
        Path file = dir.resolve("foreign.safetensors");
        Files.write(file, SafetensorsMalformedTest.file(json, data.array()));

        SafetensorsFile read = Safetensors.read(file);

        assertEquals(Map.of(), read.metadata());
        assertEquals(List.of("b", "a"), read.tensors().stream().map(Tensor::name).toList());
        assertEquals(new Tensor("a", new int[] {3, 1}, new float[] {1f, 2f, 3f}), read.tensor("a"));
        assertEquals(new Tensor("b", new int[] {2}, new float[] {-4f, 0.5f}), read.tensor("b"));
    }

    @Test
    void readsAnEmptyFileAndNullMetadata() throws IOException {
        Path empty = dir.resolve("empty.safetensors");
        Safetensors.write(empty, null, List.of());
        assertEquals(List.of(), Safetensors.read(empty).tensors());

        Path nullMetadata = dir.resolve("null-metadata.safetensors");
        Files.write(nullMetadata, SafetensorsMalformedTest.file("{\"__metadata__\":null}", new byte[0]));
        assertEquals(Map.of(), Safetensors.read(nullMetadata).metadata());
    }

    @Test
    void rejectsInvalidTensorsAndNamesBeforeWriting() {
        assertThrows(IllegalArgumentException.class, () -> new Tensor("a", new int[] {2, 3}, new float[5]));
        assertThrows(IllegalArgumentException.class, () -> new Tensor("a", new int[] {1, 1, 1, 1, 1}, new float[1]));
        assertThrows(IllegalArgumentException.class, () -> new Tensor("a", new int[] {-1}, new float[0]));
        assertThrows(IllegalArgumentException.class, () -> new Tensor("__metadata__", new int[] {1}, new float[1]));
        Tensor a = new Tensor("a", new int[] {1}, new float[1]);
        Path file = dir.resolve("dup.safetensors");
        assertThrows(IllegalArgumentException.class, () -> Safetensors.write(file, Map.of(), List.of(a, a)));
        assertTrue(Files.notExists(file));
    }

    @Test
    void shapeIsCopiedDefensively() {
        int[] shape = {2, 1};
        Tensor t = new Tensor("a", shape, new float[2]);
        shape[0] = 99;
        t.shape()[1] = 99;
        assertArrayEquals(new int[] {2, 1}, t.shape());
    }

    // ---- atomic write: a failure anywhere leaves the old file and no temporary file ----

    private Path existingFile() throws IOException {
        Path file = dir.resolve("model.safetensors");
        Safetensors.write(file, Map.of("version", "old"), List.of(Tensor.matrix("w", 2, 2, new float[] {1, 2, 3, 4})));
        return file;
    }

    private void assertOnlyFile(Path file, byte[] expected) throws IOException {
        assertArrayEquals(expected, Files.readAllBytes(file));
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of(file.getFileName().toString()),
                    files.map(p -> p.getFileName().toString()).toList(), "no temporary file left behind");
        }
    }

    @Test
    void failureHalfWayThroughTheBodyLeavesTheOldFile() throws IOException {
        Path file = existingFile();
        byte[] before = Files.readAllBytes(file);

        IOException failure = assertThrows(IOException.class, () -> Safetensors.writeAtomically(file, channel -> {
            channel.write(ByteBuffer.wrap(new byte[4096]));
            throw new IOException("disk full");
        }));

        // The cause is kept; the message names the file, which "disk full" alone does not.
        assertEquals("disk full", failure.getCause().getMessage());
        assertEquals("cannot write " + file + ": disk full", failure.getMessage());
        assertOnlyFile(file, before);
    }

    @Test
    void tensorListThatThrowsWhileIteratedLeavesTheOldFile() throws IOException {
        Path file = existingFile();
        byte[] before = Files.readAllBytes(file);
        List<Tensor> failing = new AbstractList<>() {
            @Override
            public Tensor get(int index) {
                if (index == 1) {
                    throw new IllegalStateException("source went away");
                }
                return Tensor.matrix("w", 1, 1, new float[] {9});
            }

            @Override
            public int size() {
                return 3;
            }
        };

        assertThrows(IllegalStateException.class, () -> Safetensors.write(file, Map.of(), failing));

        assertOnlyFile(file, before);
    }

    @Test
    void failedRenameRemovesTheTemporaryFile() throws IOException {
        // A non-empty folder at the target name makes the final move fail after the body was written.
        Path target = Files.createDirectories(dir.resolve("taken.safetensors"));
        Path inside = Files.writeString(target.resolve("keep"), "x");

        // AtomicFiles refuses to rename over anything but a regular file, after the body was written.
        IOException e = assertThrows(AtomicFiles.WriteFailedException.class,
                () -> Safetensors.write(target, Map.of(), List.of(Tensor.matrix("w", 1, 1, new float[] {1}))));
        assertTrue(e.getMessage().contains(target.toString()), e.getMessage());

        assertEquals("x", Files.readString(inside));
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of("taken.safetensors"), files.map(p -> p.getFileName().toString()).toList());
        }
    }

    @Test
    void readOnlyFolderLeavesTheOldFile() throws IOException {
        Path file = existingFile();
        byte[] before = Files.readAllBytes(file);
        Assumptions.assumeTrue(dir.getFileSystem().supportedFileAttributeViews().contains("posix"), "needs POSIX permissions");
        Set<PosixFilePermission> writable = Files.getPosixFilePermissions(dir);
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("r-x------"));
        try {
            Path probe = dir.resolve("probe");
            boolean canStillWrite;
            try {
                Files.createFile(probe);
                Files.delete(probe);
                canStillWrite = true;
            } catch (AccessDeniedException expected) {
                canStillWrite = false;
            }
            Assumptions.assumeFalse(canStillWrite, "permissions do not bind this user (root?)");

            assertThrows(AccessDeniedException.class,
                    () -> Safetensors.write(file, Map.of(), List.of(Tensor.matrix("w", 1, 1, new float[] {1}))));
        } finally {
            Files.setPosixFilePermissions(dir, writable);
        }
        assertOnlyFile(file, before);
    }

    @Test
    void overwritingReplacesTheWholeFile() throws IOException {
        Path file = existingFile();
        Tensor small = new Tensor("v", new int[] {1}, new float[] {7});
        Safetensors.write(file, Map.of(), List.of(small));
        SafetensorsFile back = Safetensors.read(file);
        assertEquals(List.of(small), back.tensors());
        assertEquals(Map.of(), back.metadata());
    }
}
