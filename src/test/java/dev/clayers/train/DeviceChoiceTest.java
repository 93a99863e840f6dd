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

/** auto for training: OpenCL devices probed briefly, the Java backend estimated, real runs remembered, the fastest opened. */
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
    void opensTheFastestDeviceAndCachesItsFigures() throws Exception {
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
            for (DeviceChoice.Probe p : first.probes()) {
                assertTrue(p.samplesPerSecond() > 0 && !p.cached(), p.toString());
                // The Java backend is never probed: no probe short enough for a first run can wait for its JIT.
                assertEquals(p.id().equals("cpu") ? DeviceChoice.Source.ESTIMATE : DeviceChoice.Source.PROBE, p.source(), p.toString());
            }
        }
        assertTrue(Files.exists(DeviceChoice.file()));
        DeviceChoice.Choice second = DeviceChoice.choose(NET, 8);
        try (var b = second.backend()) {
            // The probes' figures come from the file now, unchanged (the Java backend's estimate
            // follows the machine's load, so it is left out of the comparison).
            assertEquals(first.probes().stream().filter(p -> p.source() == DeviceChoice.Source.PROBE).toList(),
                    second.probes().stream().filter(p -> p.source() == DeviceChoice.Source.CACHED)
                            .map(p -> new DeviceChoice.Probe(p.id(), p.samplesPerSecond(), p.warmupSeconds(), DeviceChoice.Source.PROBE))
                            .toList(), "the same figures, now from the file");
        }
    }

    /**
     * A real run's figure (recorded after training) is used as it is, without a probe; the run's
     * length weighs the Java backend's warm-up: planted, cpu is twice as fast but 10 s to warm up.
     */
    @Test
    void realRunFiguresDecideWithoutProbingAndTheRunLengthWeighsTheWarmUp() throws Exception {
        cpuNameIfChoice();
        FitOptions options = FitOptions.builder().batch(8).build();
        for (dev.clayers.backend.DeviceInfo d : Backends.all()) {
            DeviceChoice.record(NET, options, d, d.id().equals("cpu") ? 2000 : 1000, 10);
        }
        long t0 = System.nanoTime();
        DeviceChoice.Choice shortRun = DeviceChoice.choose(NET, options, 1_000);        // cpu 10.5 s, others 1 s
        double seconds = (System.nanoTime() - t0) / 1e9;
        DeviceChoice.Choice longRun = DeviceChoice.choose(NET, options, 1_000_000);     // cpu 510 s, others 1000 s
        try (var s = shortRun.backend(); var l = longRun.backend()) {
            assertFalse(s.id().equals("cpu"), "a 1,000-sample run should not wait 10 s for cpu's warm-up: " + s.id());
            assertEquals("cpu", l.id());
            assertTrue(shortRun.probes().stream().allMatch(p -> p.source() == DeviceChoice.Source.REAL), shortRun.probes().toString());
            String line = shortRun.explain();
            assertTrue(line.length() <= 160 && !line.contains("\n"), "one short line: " + line);
        }
        assertTrue(seconds < 5, "no probe ran, yet choosing took " + seconds + " s");
        assertEquals(10.5, shortRun.probes().stream().filter(p -> p.id().equals("cpu")).findFirst().orElseThrow().secondsFor(1_000), 1e-9);
    }

    /**
     * Without a real run of this network, the Java backend's rate comes from its real run of
     * another: a net with twice the multiply-adds is estimated at half the speed.
     */
    @Test
    void theJavaBackendsRateCarriesOverToOtherNetworks() {
        cpuNameIfChoice();
        FitOptions options = FitOptions.builder().batch(8).build();
        dev.clayers.backend.DeviceInfo cpu = Backends.all().stream().filter(d -> d.id().equals("cpu")).findFirst().orElseThrow();
        List<LayerSpec> bigger = new Architecture(40, new int[] {16}, 3, Activation.RELU).layers(0f);
        DeviceChoice.record(NET, options, cpu, 1e6, 2);
        double ratio = (double) DeviceChoice.macsPerSample(bigger) / DeviceChoice.macsPerSample(NET);
        DeviceChoice.Choice c = DeviceChoice.choose(bigger, options, 0);
        try (var b = c.backend()) {
            DeviceChoice.Probe p = c.probes().stream().filter(x -> x.id().equals("cpu")).findFirst().orElseThrow();
            assertEquals(DeviceChoice.Source.ESTIMATE, p.source());
            assertEquals(1e6 / ratio, p.samplesPerSecond(), 1e-3 * p.samplesPerSecond());
            assertEquals(2, p.warmupSeconds(), 1e-9);
        }
    }

    @Test
    void multiplyAddsCountEveryPositionOfAConvolution() {
        List<LayerSpec> conv = dev.clayers.net.NetSpec.parse("conv30k5-pool2-100", new dev.clayers.net.ImageShape(1, 28, 28), 10,
                Activation.RELU, 0f);
        // conv: (30*25 + 30) x 24*24; affine 4320 -> 100 and 100 -> 10, biases included.
        assertEquals(780L * 576 + 4321L * 100 + 101L * 10, DeviceChoice.macsPerSample(conv));
    }

    /** A probe ends by its cap (a busy machine never waits), give or take a window and a step. */
    @Test
    void aProbeEndsByItsCap() {
        try (var b = Backends.open("cpu")) {
            DeviceChoice.Measurement m = DeviceChoice.measure(b, NET, FitOptions.builder().batch(8).build(), 100);
            assertTrue(m.samplesPerSecond() > 0 && m.steps() >= 2, m.toString());
            assertTrue(m.millis() < 100 + 1000, "the probe ran " + m.millis() + " ms for a 100 ms cap");
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

    /** The Java backend's device name; skips the test where it is the only device. */
    private static String cpuNameIfChoice() {
        List<dev.clayers.backend.DeviceInfo> devices = Backends.all();
        org.junit.jupiter.api.Assumptions.assumeTrue(devices.size() > 1, "one device only: nothing to choose");
        return devices.stream().filter(d -> d.id().equals("cpu")).findFirst().orElseThrow().name();
    }
}
