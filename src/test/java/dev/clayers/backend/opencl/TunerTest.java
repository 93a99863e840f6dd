package dev.clayers.backend.opencl;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The tuner on a tiny grid, with the cache in a temp folder: written, re-read, used; a corrupt cache is ignored. */
class TunerTest {
    private static final String GOOD = "GEMM=cpu,CPU_RM=4,CPU_VW=8,CPU_WGN=1,CPU_WGM=4";
    private static final String UNBUILDABLE = "GEMM=cpu,CPU_RM=17,CPU_VW=8,CPU_WGN=1,CPU_WGM=4";   // #error in the kernel
    private static final String INVALID = "GEMM=cpu,CPU_VW=5";                                      // rejected by KernelTunables

    @TempDir Path cacheDir;
    private String oldDir;

    @BeforeEach void setUp() { oldDir = OpenClTestSupport.useCacheDir(cacheDir); }

    @AfterEach void tearDown() { OpenClTestSupport.restoreCacheDir(oldDir); }

    @Test
    void tinyGridStoresTheWinnerAndBackendsUseIt() throws IOException {
        int[] d = OpenClTestSupport.firstDevice();
        List<String> lines = new ArrayList<>();
        Tuner.Report r = Tuner.tune(d[0], d[1], List.of(UNBUILDABLE, GOOD, INVALID), 64, 3, lines::add);

        assertEquals(3, r.outcomes().size());
        assertFalse(r.outcomes().get(0).ok(), "a candidate that does not build is discarded");
        assertTrue(r.outcomes().get(1).ok(), () -> String.valueOf(r.outcomes().get(1).problem()));
        assertFalse(r.outcomes().get(2).ok());
        assertTrue(lines.get(0).contains("DISCARDED"), lines.get(0));
        assertNotNull(r.best());
        assertEquals(GOOD, r.best().spec());

        Path file = cacheDir.resolve("tuning.json");
        assertEquals(file, r.cacheFile());
        assertTrue(Files.readString(file).contains(GOOD));
        TuningCache.Entry e = TuningCache.lookup(r.device());
        assertNotNull(e, "re-read from the file");
        assertEquals(GOOD, e.gemm());
        try (OpenClBackend b = OpenClBackend.open(d[0], d[1])) {
            assertEquals(GOOD, b.tunables().gemmSpec(), "a new backend uses the tuned choice");
        }
    }

    @Test
    void corruptCacheIsIgnoredWithAWarning() throws IOException {
        int[] d = OpenClTestSupport.firstDevice();
        String defaults;
        try (OpenClBackend b = OpenClBackend.open(d[0], d[1])) {
            defaults = b.tunables().gemmSpec();
        }
        assertNotEquals(GOOD, defaults);
        Files.writeString(cacheDir.resolve("tuning.json"), "{\"version\": 1, \"entries\": [not json");
        PrintStream err = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try (OpenClBackend b = OpenClBackend.open(d[0], d[1])) {
            assertEquals(defaults, b.tunables().gemmSpec());
        } finally {
            System.setErr(err);
        }
        String log = captured.toString(StandardCharsets.UTF_8);
        assertTrue(log.contains("WARN") && log.contains("corrupt tuning cache"), log);

        // The next tune replaces the corrupt file.
        Tuner.tune(d[0], d[1], List.of(GOOD), 32, 1, s -> { });
        try (OpenClBackend b = OpenClBackend.open(d[0], d[1])) {
            assertEquals(GOOD, b.tunables().gemmSpec());
        }
    }

    @Test
    void entryForAnotherDriverIsNotUsed() throws IOException {
        int[] d = OpenClTestSupport.firstDevice();
        var info = OpenClDevices.find(d[0], d[1]).info();
        var other = new dev.clayers.backend.DeviceInfo(info.id(), info.name(), info.vendor(), info.type(), info.computeUnits(),
                info.clockMhz(), info.globalMemBytes(), info.localMemBytes(), info.version(), info.driver() + "-other");
        TuningCache.store(other, new TuningCache.Entry(other.name(), other.driver(), TuningCache.gemmSourceHash(), GOOD, 1, "x", "t"));
        try (OpenClBackend b = OpenClBackend.open(d[0], d[1])) {
            assertNotEquals(GOOD, b.tunables().gemmSpec());
        }
    }
}
