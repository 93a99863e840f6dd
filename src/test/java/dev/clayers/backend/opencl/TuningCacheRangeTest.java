package dev.clayers.backend.opencl;

import dev.clayers.backend.DeviceInfo;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A tuning-cache entry with a value out of range is ignored (a WARN), not built into a kernel that fails. */
class TuningCacheRangeTest {
    private static final DeviceInfo DEVICE = new DeviceInfo("opencl:0:0", "Test CPU", "test", "CPU", 2, 1000, 1L << 30,
            1 << 15, "OpenCL 3.0", "1.0");

    @TempDir Path cacheDir;
    private String oldDir;

    @BeforeEach void setUp() { oldDir = OpenClTestSupport.useCacheDir(cacheDir); }

    @AfterEach void tearDown() { OpenClTestSupport.restoreCacheDir(oldDir); }

    private static void store(String gemm) throws IOException {
        TuningCache.store(DEVICE, new TuningCache.Entry(DEVICE.name(), DEVICE.driver(), TuningCache.gemmSourceHash(), gemm, 1,
                "x", "t"));
    }

    @Test
    void anOutOfRangeEntryIsIgnored() throws IOException {
        store("GEMM=cpu,CPU_RM=64,CPU_VW=16,CPU_WGN=1,CPU_WGM=4");
        assertNull(TuningCache.lookup(DEVICE));
        store("GEMM=cpu,CPU_RM=6,CPU_VW=16,CPU_WGN=1,CPU_WGM=100000");
        assertNull(TuningCache.lookup(DEVICE));
    }

    @Test
    void anEntryInRangeIsUsed() throws IOException {
        store("GEMM=cpu,CPU_RM=6,CPU_VW=16,CPU_WGN=1,CPU_WGM=4");
        assertNotNull(TuningCache.lookup(DEVICE));
    }

    @Test
    void rangesNameTheValue() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> KernelTunables.checkTunedRanges("GEMM=cpu,CPU_RM=64"));
        assertEquals("CPU_RM=64 is outside 1..16", e.getMessage());
        assertDoesNotThrow(() -> KernelTunables.checkTunedRanges("GEMM=tiled,TSM=64,TSN=64,TSK=16,WPTM=4,WPTN=4"));
    }

    /** The hostile sweep's case: CPU_RM=64 in tuning.json made the kernel build fail and the device unusable. */
    @Test
    void aRealDeviceOpensWithItsDefaultsDespiteABadEntry() throws IOException {
        int[] d = OpenClTestSupport.firstDevice();
        DeviceInfo info = OpenClDevices.find(d[0], d[1]).info();
        String bad = "GEMM=cpu,CPU_RM=64,CPU_VW=16,CPU_WGN=1,CPU_WGM=4";
        TuningCache.store(info, new TuningCache.Entry(info.name(), info.driver(), TuningCache.gemmSourceHash(), bad, 1, "x", "t"));
        try (OpenClBackend b = OpenClBackend.open(d[0], d[1])) {
            assertFalse(b.tunables().gemmSpec().contains("CPU_RM=64"), b.tunables().gemmSpec());
        }
    }
}
