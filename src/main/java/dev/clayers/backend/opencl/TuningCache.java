package dev.clayers.backend.opencl;

import dev.clayers.backend.DeviceInfo;
import dev.clayers.io.CacheDir;
import dev.clayers.io.JsonCache;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;

/**
 * The gemm choices {@code clayers tune} found, in {@code <cache>/tuning.json} ({@link CacheDir}).
 * One entry per (device name, driver version, SHA-256 of the gemm kernel sources): a new driver
 * or an edited kernel file simply misses, so a stale winner is never used. Example:
 * <pre>{@code
 * {"version": 1, "entries": {"pthread-haswell-AMD EPYC|3.1+debian|9f2c...": {
 *     "device": "pthread-haswell-AMD EPYC", "driver": "3.1+debian", "sourceSha256": "9f2c...",
 *     "gemm": "GEMM=cpu,CPU_RM=6,CPU_VW=16,CPU_WGN=1,CPU_WGM=16",
 *     "gflops": 120.5, "benchmark": "1024x1024x1024", "tunedAt": "2024-..."}}}
 * }</pre>
 * {@code gemm} is an override spec as {@link KernelTunables#withOverrides} reads it. An unreadable
 * or malformed file, or an entry with a value out of range, is ignored with a WARN (and replaced
 * by the next {@code tune}).
 */
public final class TuningCache {
    private static final Logger log = LoggerFactory.getLogger(TuningCache.class);

    /** One tuned device. */
    public record Entry(String device, String driver, String sourceSha256, String gemm, double gflops, String benchmark,
                        String tunedAt) {}

    private TuningCache() {}

    /** The cache file now ({@code clayers.cache.dir} may differ between calls). */
    public static Path file() { return CacheDir.root().resolve("tuning.json"); }

    /** SHA-256 of the two gemm kernel files, the part of the key that changes when a kernel is edited. */
    static String gemmSourceHash() {
        return BinaryCache.sha256Hex((Kernels.source("gemm.cl") + "\0" + Kernels.source("gemm_cpu.cl")).getBytes(StandardCharsets.UTF_8));
    }

    static String key(DeviceInfo info, String sourceHash) {
        return info.name() + "|" + info.driver() + "|" + sourceHash;
    }

    /** The entry for this device and the current kernel sources, or null. */
    static Entry lookup(DeviceInfo info) {
        Map<String, Entry> all = read();
        Entry e = all.get(key(info, gemmSourceHash()));
        if (e == null) return null;
        try {
            KernelTunables.checkTunedRanges(e.gemm());
        } catch (IllegalArgumentException bad) {
            // Out of range, the kernel build would fail and take the device with it.
            log.warn("ignoring tuning-cache entry '{}' for {} in {} ({}); using defaults (rerun clayers tune to replace it)",
                    e.gemm(), info.name(), file(), bad.getMessage());
            return null;
        }
        return e;
    }

    /** Adds (or replaces) the entry for its device, keeping the others; atomic. */
    static void store(DeviceInfo info, Entry e) throws IOException {
        Map<String, Entry> all = read();
        all.put(key(info, e.sourceSha256()), e);
        JsonCache.write(file(), all);
    }

    private static Map<String, Entry> read() {
        return JsonCache.read(file(), Entry.class, e -> e.gemm() != null, "tuning cache");
    }
}
