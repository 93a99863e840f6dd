package dev.clayers.train;

import dev.clayers.backend.Backends;
import dev.clayers.io.CacheDir;
import dev.clayers.net.Activation;
import dev.clayers.net.Architecture;
import dev.clayers.net.LayerSpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** auto for training: every real device is probed, the fastest is opened, figures are cached and reused. */
class DeviceChoiceTest {
    private static final List<LayerSpec> NET = new Architecture(20, new int[] {16}, 3, Activation.RELU).layers(0f);
    @TempDir Path dir;
    private String old;

    @BeforeEach void useTempCache() {
        old = System.getProperty(CacheDir.PROPERTY);
        System.setProperty(CacheDir.PROPERTY, dir.toString());
    }

    @AfterEach void restore() {
        if (old == null) System.clearProperty(CacheDir.PROPERTY);
        else System.setProperty(CacheDir.PROPERTY, old);
    }

    @Test
    void opensTheFastestRealDeviceAndCachesItsFigures() throws Exception {
        List<String> ids = Backends.allIds();
        DeviceChoice.Choice first = DeviceChoice.choose(NET, 8);
        try (var b = first.backend()) {
            if (ids.size() == 1) {
                assertEquals("cpu", b.id());
                return;
            }
            assertEquals(ids, first.probes().stream().map(DeviceChoice.Probe::id).toList(), "every real device, no simulator");
            DeviceChoice.Probe best = first.probes().stream().max(java.util.Comparator.comparingDouble(DeviceChoice.Probe::samplesPerSecond))
                    .orElseThrow();
            assertEquals(best.id(), b.id());
            assertTrue(first.probes().stream().allMatch(p -> p.samplesPerSecond() > 0 && !p.cached()));
        }
        assertTrue(Files.exists(DeviceChoice.file()));
        DeviceChoice.Choice second = DeviceChoice.choose(NET, 8);
        try (var b = second.backend()) {
            // Every figure now comes from the file, unchanged, settled or not, and so does the choice.
            assertEquals(first.probes().size(), second.probes().size());
            for (int i = 0; i < first.probes().size(); i++) {
                DeviceChoice.Probe was = first.probes().get(i), now = second.probes().get(i);
                assertTrue(now.cached(), now.toString());
                assertEquals(was.samplesPerSecond(), now.samplesPerSecond());
                assertEquals(was.settled(), now.settled());
            }
            assertEquals(first.backend().id(), b.id());
        }
    }

    @Test
    void aCorruptCacheIsMeasuredAgain() throws Exception {
        Files.writeString(DeviceChoice.file(), "{not json");
        DeviceChoice.Choice c = DeviceChoice.choose(NET, 4);
        try (var b = c.backend()) {
            assertFalse(c.probes().stream().anyMatch(DeviceChoice.Probe::cached));
        }
    }

    @Test
    void measureReportsAPositiveRate() {
        try (var b = Backends.open("cpu")) {
            DeviceChoice.Measurement m = DeviceChoice.measure(b, NET, dev.clayers.train.FitOptions.builder().batch(4).build());
            assertTrue(m.samplesPerSecond() > 0 && m.steps() >= DeviceChoice.SETTLED_WINDOWS, m.toString());
        }
    }
}
