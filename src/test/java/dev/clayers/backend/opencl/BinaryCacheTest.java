package dev.clayers.backend.opencl;

import dev.clayers.backend.Verifier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The compiled-program cache: a second open uses the cached binaries; corrupt files fall back to source builds. */
class BinaryCacheTest {
    @TempDir Path cacheDir;
    private String oldDir;

    @BeforeEach void setUp() { oldDir = OpenClTestSupport.useCacheDir(cacheDir); }

    @AfterEach void tearDown() { OpenClTestSupport.restoreCacheDir(oldDir); }

    private static int opens(int[] d, boolean fromBinary) {
        try (OpenClBackend b = OpenClBackend.open(d[0], d[1])) {
            try (Verifier.Pair p = new Verifier.Pair(b)) {
                Verifier.Result r = p.gemm(new Random(3), true, false, 37, 53, 29, 1f, 0f, false);
                assertTrue(r.pass(), r::toString);
            }
            return fromBinary ? b.programsFromBinary() : b.programsFromSource();
        }
    }

    private List<Path> binaries() throws IOException {
        try (Stream<Path> s = Files.list(cacheDir.resolve("binaries"))) {
            return s.filter(f -> f.toString().endsWith(".bin")).toList();
        }
    }

    @Test
    void secondOpenUsesCachedBinaries() throws IOException {
        int[] d = OpenClTestSupport.firstDevice();
        int built = opens(d, false);
        assertTrue(built > 0);
        assertEquals(built, binaries().size(), "one cached binary per program");
        assertEquals(built, opens(d, true), "second open: every program from its cached binary");
    }

    @Test
    void corruptBinaryFallsBackToSourceBuild() throws IOException {
        int[] d = OpenClTestSupport.firstDevice();
        int built = opens(d, false);
        for (Path f : binaries()) {
            byte[] b = Files.readAllBytes(f);
            b[b.length - 10] ^= 0x5a;   // payload bit flip: the checksum no longer matches
            Files.write(f, b);
        }
        assertEquals(0, opens(d, true));
        assertEquals(built, opens(d, true), "the source builds rewrote the cache");
        for (Path f : binaries()) Files.write(f, "garbage".getBytes());
        assertEquals(built, opens(d, false));
    }

    @Test
    void binaryTheDriverRejectsFallsBackToSourceBuild() throws IOException {
        int[] d = OpenClTestSupport.firstDevice();
        int built = opens(d, false);
        // Well-formed cache files (right key, right checksum) whose payload is not a program binary.
        BinaryCache cache = new BinaryCache(cacheDir.resolve("binaries"));
        for (Path f : binaries()) Files.delete(f);
        assertTrue(binaries().isEmpty());
        try (OpenClBackend b = OpenClBackend.open(d[0], d[1])) {
            assertEquals(built, b.programsFromSource());
        }
        for (Path f : binaries()) {
            byte[] all = Files.readAllBytes(f);
            String key = keyOf(all);
            cache.store(key, "definitely not a device binary".getBytes());
            assertFalse(cache.load(key) == null);
        }
        assertEquals(built, opens(d, false));
    }

    @Test
    void missingOrForeignFileLoadsNothing() throws IOException {
        BinaryCache cache = new BinaryCache(cacheDir.resolve("binaries"));
        assertNull(cache.load("k"));
        cache.store("k", new byte[] {1, 2, 3});
        assertEquals(3, cache.load("k").length);
        Files.copy(cache.file("k"), cache.file("other"));
        assertNull(cache.load("other"), "a file stored for another key is not used");
    }

    /** The key stored in a cache file (after the 16-byte magic, an int length and UTF-8 bytes). */
    private static String keyOf(byte[] file) {
        int len = java.nio.ByteBuffer.wrap(file, 16, 4).getInt();
        return new String(file, 20, len, java.nio.charset.StandardCharsets.UTF_8);
    }
}
