package dev.clayers;

import dev.clayers.backend.DeviceInfo;
import dev.clayers.backend.MemoryBudget;
import dev.clayers.backend.MemoryBudget;
import dev.clayers.backend.cpu.CpuBackend;
import dev.clayers.net.Activation;
import dev.clayers.net.Architecture;
import dev.clayers.net.LayerSpec;
import dev.clayers.net.AffineSpec;
import dev.clayers.net.Sequential;
import dev.clayers.net.WeightInit;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Sizes are checked against stated caps and the memory there is, before anything is allocated. */
class LimitsTest {
    private static final long GB = 1L << 30;

    private static DeviceInfo gpu(long memory) {
        return new DeviceInfo("opencl:0:0", "Test GPU", "test", "GPU", 8, 1000, memory, 1 << 16, "OpenCL 3.0", "1");
    }

    @Test
    void aLayerWiderThanTheCapIsRefusedInLongArithmetic() {
        // 784 x 2,800,000 wrapped an int to -2,099,767,296 before; 5,500,000 wrapped to a positive size.
        for (int width : new int[] {2_800_000, 5_500_000, 100_000_000}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new AffineSpec(784, width));
            assertTrue(e.getMessage().contains("1,000,000") && e.getMessage().contains("clayers.maxLayerWidth"), e.getMessage());
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new AffineSpec(900_000, 900_000));
        assertTrue(e.getMessage().contains("more than one matrix can hold"), e.getMessage());
    }

    @Test
    void deviceMemoryIsCheckedBeforeAllocating() {
        MemoryBudget.OutOfMemoryException e = assertThrows(MemoryBudget.OutOfMemoryException.class,
                () -> MemoryBudget.check("the network 784-900000-10", 6 * GB, 0, gpu(4 * GB), "use narrower layers"));
        assertTrue(e.getMessage().contains("6.0 GB") && e.getMessage().contains("4.0 GB")
                && e.getMessage().contains("opencl:0:0") && e.getMessage().contains("use narrower layers"), e.getMessage());
        assertDoesNotThrow(() -> MemoryBudget.check("small", GB, 0, gpu(4 * GB), "x"));
        // Buffers already allocated count against the device's total ...
        assertThrows(MemoryBudget.OutOfMemoryException.class, () -> MemoryBudget.check("more", 2 * GB, 3 * GB, 0, gpu(4 * GB), "x"));
        // ... but not twice against the heap, from which they are already gone.
        DeviceInfo cpu = new DeviceInfo("cpu", "Java", "test", "JAVA", 2, 0, Runtime.getRuntime().maxMemory(), 0, "17", "vm");
        assertDoesNotThrow(() -> MemoryBudget.check("more", 1 << 20, 1L << 50, 0, cpu, "x"));
        long heap = Runtime.getRuntime().maxMemory();
        MemoryBudget.OutOfMemoryException h = assertThrows(MemoryBudget.OutOfMemoryException.class,
                () -> MemoryBudget.check("big", 0, heap + 1, gpu(4 * GB), "x"));
        assertTrue(h.getMessage().contains("-Xmx"), h.getMessage());
    }

    @Test
    void aNetworkLargerThanTheHeapFailsBeforeItsArraysExist() {
        // 784 x 1,000,000 floats are 3 GB, three times over on the CPU (host copy, value, gradient).
        try (CpuBackend be = new CpuBackend()) {
            long t0 = System.nanoTime();
            MemoryBudget.OutOfMemoryException e = assertThrows(MemoryBudget.OutOfMemoryException.class, () -> Sequential.create(be,
                    new Architecture(784, new int[] {1_000_000}, 10, Activation.RELU), WeightInit.HE, 1));
            assertTrue(e.getMessage().contains("784-1000000-10") && e.getMessage().contains("Java heap"), e.getMessage());
            assertTrue((System.nanoTime() - t0) / 1e9 < 2, "failed before drawing weights");
            assertEquals(0, be.liveBuffers());
        }
    }

    @Test
    void layerListsCountParametersInLongs() {
        assertEquals(784L * 1_000_000 + 1_000_000 + 1_000_000L * 10 + 10,
                Sequential.parameterCount(List.of(new AffineSpec(784, 1_000_000), new AffineSpec(1_000_000, 10))));
    }
}
