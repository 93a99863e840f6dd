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
            // Every settled figure now comes from the file, unchanged; an unsettled one (a loaded
            // machine's Java backend still compiling after the probe's 4 s) is measured again.
            assertEquals(first.probes().size(), second.probes().size());
            boolean allCached = true;
            for (int i = 0; i < first.probes().size(); i++) {
                DeviceChoice.Probe was = first.probes().get(i), now = second.probes().get(i);
                assertEquals(was.settled(), now.cached(), was + " then " + now);
                if (now.cached()) {
                    assertEquals(was.samplesPerSecond(), now.samplesPerSecond());
                    assertEquals(was.readyMillis(), now.readyMillis());
                }
                allCached &= now.cached();
            }
            // With every figure from the file, the choice is the same.
            if (allCached) assertEquals(first.backend().id(), b.id());
        }
    }

    /**
     * The run's length decides between a device that is fast once warm and one that is ready at
     * once: the figures are planted in the cache (cpu twice as fast, but 10 s to warm up).
     */
    @Test
    void aShortRunGoesToTheDeviceThatIsReadyFirst() throws Exception {
        String cpuName = cpuNameIfChoice();
        FitOptions options = FitOptions.builder().batch(8).build();
        java.util.Map<String, DeviceChoice.Entry> cache = probedCache(options);
        cache.replaceAll((k, e) -> e.device().equals(cpuName)
                ? new DeviceChoice.Entry(e.device(), e.driver(), e.network(), e.batch(), 2000, true, 10_000, e.measuredAt())
                : new DeviceChoice.Entry(e.device(), e.driver(), e.network(), e.batch(), 1000, true, 100, e.measuredAt()));
        dev.clayers.io.JsonCache.write(DeviceChoice.file(), cache);

        DeviceChoice.Choice shortRun = DeviceChoice.choose(NET, options, 1_000);           // cpu 10.5 s, others 1.1 s
        DeviceChoice.Choice longRun = DeviceChoice.choose(NET, options, 1_000_000);        // cpu 510 s, others 1000 s
        DeviceChoice.Choice bySpeed = DeviceChoice.choose(NET, options, 0);
        try (var s = shortRun.backend(); var l = longRun.backend(); var b = bySpeed.backend()) {
            assertTrue(shortRun.probes().stream().allMatch(DeviceChoice.Probe::cached), shortRun.probes().toString());
            assertFalse(s.id().equals("cpu"), "a 1,000-sample run should not wait 10 s for cpu's warm-up: " + s.id());
            assertEquals("cpu", l.id());
            assertEquals("cpu", b.id());
        }
        assertEquals(10.5, shortRun.probes().stream().filter(p -> p.id().equals("cpu")).findFirst().orElseThrow().secondsFor(1_000), 1e-9);
    }

    /**
     * With a run length, a probe ends by the best finish so far: the other devices' figures are
     * planted (300 samples at 1,000 a second after 100 ms: 0.4 s), cpu's removed, so cpu is probed
     * with a 400 ms limit; unsettled by then, it cannot be chosen. Then an unsettled cpu figure
     * (a lower bound: still warming up after 5 s) is planted: it rules cpu out of the same run
     * without a probe, but a run long enough to leave room for it measures it again.
     */
    @Test
    void aProbeEndsByTheBestFinishSoFar() throws Exception {
        String cpuName = cpuNameIfChoice();
        FitOptions options = FitOptions.builder().batch(8).build();
        java.util.Map<String, DeviceChoice.Entry> cache = probedCache(options);
        DeviceChoice.Entry cpuEntry = cache.values().stream().filter(e -> e.device().equals(cpuName)).findFirst().orElseThrow();
        cache.values().removeIf(e -> e.device().equals(cpuName));
        cache.replaceAll((k, e) -> new DeviceChoice.Entry(e.device(), e.driver(), e.network(), e.batch(), 1000, true, 100, e.measuredAt()));
        java.util.Map<String, DeviceChoice.Entry> others = new java.util.HashMap<>(cache);
        dev.clayers.io.JsonCache.write(DeviceChoice.file(), cache);

        DeviceChoice.Choice c = DeviceChoice.choose(NET, options, 300);
        try (var b = c.backend()) {
            DeviceChoice.Probe cpu = c.probes().stream().filter(p -> p.id().equals("cpu")).findFirst().orElseThrow();
            assertFalse(cpu.cached(), cpu.toString());
            // The limit is checked after each 40 ms window; a loaded machine may overrun it by a window or two.
            assertTrue(cpu.readyMillis() < 400 + 400, "cpu's probe ran past the 0.4 s a run on the others takes: " + cpu);
            if (!cpu.settled()) assertFalse(b.id().equals("cpu"), "an unsettled cpu was chosen: " + c.probes());
        }

        others.put("cpu-bound", new DeviceChoice.Entry(cpuEntry.device(), cpuEntry.driver(), cpuEntry.network(), cpuEntry.batch(),
                2000, false, 5000, cpuEntry.measuredAt()));
        java.util.Map<String, DeviceChoice.Entry> planted = new java.util.HashMap<>();
        for (DeviceChoice.Entry e : others.values()) planted.put(e.device() + "|" + e.driver() + "|" + e.network() + "|" + e.batch(), e);
        dev.clayers.io.JsonCache.write(DeviceChoice.file(), planted);
        DeviceChoice.Choice same = DeviceChoice.choose(NET, options, 300);
        try (var b = same.backend()) {
            assertTrue(same.probes().stream().allMatch(DeviceChoice.Probe::cached), "cpu's bound rules it out: " + same.probes());
            assertFalse(b.id().equals("cpu"));
        }
        dev.clayers.io.JsonCache.write(DeviceChoice.file(), planted);
        DeviceChoice.Choice longer = DeviceChoice.choose(NET, options, 10_000_000);
        try (var b = longer.backend()) {
            assertFalse(longer.probes().stream().filter(p -> p.id().equals("cpu")).findFirst().orElseThrow().cached(),
                    "a run of 10,000 s on the others leaves room for cpu: measured again, " + longer.probes());
        }
    }

    /** The Java backend's device name; skips the test where it is the only device. */
    private static String cpuNameIfChoice() {
        List<dev.clayers.backend.DeviceInfo> devices = Backends.all();
        org.junit.jupiter.api.Assumptions.assumeTrue(devices.size() > 1, "one device only: nothing to choose");
        return devices.stream().filter(d -> d.id().equals("cpu")).findFirst().orElseThrow().name();
    }

    /** The cache after one choice at these options: an entry for every device, to plant figures in. */
    private static java.util.Map<String, DeviceChoice.Entry> probedCache(FitOptions options) {
        DeviceChoice.choose(NET, options).backend().close();
        return dev.clayers.io.JsonCache.read(DeviceChoice.file(), DeviceChoice.Entry.class, e -> true, "test");
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
