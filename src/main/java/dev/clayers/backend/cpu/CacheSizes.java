package dev.clayers.backend.cpu;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/** The CPU's level-1 data cache as Linux reports it, for the gemm kernels' blocking. */
final class CacheSizes {
    private CacheSizes() {}

    /** What {@link #l1Data} assumes where sysfs does not say: the 32 KiB of every AVX2 core from Haswell to Zen 3. */
    static final int DEFAULT_L1_DATA = 32 * 1024;

    /** Bytes of level-1 data cache per core, from {@code /sys/devices/system/cpu/cpu0/cache}, else {@link #DEFAULT_L1_DATA}. */
    static int l1Data() {
        return l1Data(Path.of("/sys/devices/system/cpu/cpu0/cache"));
    }

    static int l1Data(Path cacheDir) {
        for (int i = 0; i < 8; i++) {
            Path index = cacheDir.resolve("index" + i);
            try {
                if (!Files.isDirectory(index)) break;
                if (!read(index, "level").equals("1") || !read(index, "type").equals("Data")) continue;
                int bytes = parseSize(read(index, "size"));
                if (bytes > 0) return bytes;
            } catch (IOException | RuntimeException e) {
                break;
            }
        }
        return DEFAULT_L1_DATA;
    }

    /** "48K" as 49152, "1M" as 1048576, a plain number as bytes; -1 for anything else. */
    static int parseSize(String s) {
        String t = s.trim().toUpperCase(Locale.ROOT);
        int scale = t.endsWith("K") ? 1024 : t.endsWith("M") ? 1024 * 1024 : 1;
        if (scale > 1) t = t.substring(0, t.length() - 1);
        try {
            long v = Long.parseLong(t) * scale;
            return v > 0 && v <= Integer.MAX_VALUE ? (int) v : -1;
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static String read(Path dir, String name) throws IOException {
        return Files.readString(dir.resolve(name)).trim();
    }

    /**
     * BLIS's slice depth for a tile NR floats wide, scaled to an L1 data cache of {@code l1Bytes}:
     * the deepest multiple of 128 whose KC x NR sliver of B fills at most two thirds of it (at
     * least 128). With AVX2's 16-float tile: 256 for 32 KiB (BLIS's Haswell figure), 512 for 48 KiB.
     */
    static int sliceDepth(int l1Bytes, int nr) {
        long fit = (long) l1Bytes * 2 / 3 / (4L * nr);
        return (int) Math.max(128, fit / 128 * 128);
    }
}
