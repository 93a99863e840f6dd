package dev.clayers.backend.cpu;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;

class CacheSizesTest {

    @Test
    void sliceDepthKeepsBlissFigureForThirtyTwoKilobytes() {
        assertEquals(256, CacheSizes.sliceDepth(32 * 1024, 16));   // AVX2 6 x 16: BLIS's Haswell KC
        assertEquals(512, CacheSizes.sliceDepth(48 * 1024, 16));   // Zen 5's 48 KiB
        assertEquals(256, CacheSizes.sliceDepth(48 * 1024, 32));   // the same tile with 512-bit vectors
        assertEquals(128, CacheSizes.sliceDepth(4 * 1024, 16));    // never under 128
    }

    @Test
    void parsesSysfsSizes() {
        assertEquals(49152, CacheSizes.parseSize("48K\n"));
        assertEquals(1 << 20, CacheSizes.parseSize("1M"));
        assertEquals(512, CacheSizes.parseSize("512"));
        assertEquals(-1, CacheSizes.parseSize("lots"));
        assertEquals(-1, CacheSizes.parseSize("0K"));
    }

    @Test
    void readsTheLevelOneDataCacheAndSkipsTheInstructionCache(@TempDir Path dir) throws IOException {
        cache(dir, 0, "1", "Instruction", "64K");
        cache(dir, 1, "1", "Data", "48K");
        cache(dir, 2, "2", "Unified", "1024K");
        assertEquals(48 * 1024, CacheSizes.l1Data(dir));
    }

    @Test
    void fallsBackWhereSysfsSaysNothing(@TempDir Path dir) throws IOException {
        assertEquals(CacheSizes.DEFAULT_L1_DATA, CacheSizes.l1Data(dir.resolve("absent")));
        cache(dir, 0, "1", "Data", "garbage");
        assertEquals(CacheSizes.DEFAULT_L1_DATA, CacheSizes.l1Data(dir));
    }

    private static void cache(Path dir, int i, String level, String type, String size) throws IOException {
        Path d = Files.createDirectories(dir.resolve("index" + i));
        Files.writeString(d.resolve("level"), level + "\n");
        Files.writeString(d.resolve("type"), type + "\n");
        Files.writeString(d.resolve("size"), size + "\n");
    }
}
