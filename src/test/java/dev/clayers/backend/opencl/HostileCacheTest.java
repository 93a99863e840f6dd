package dev.clayers.backend.opencl;

import dev.clayers.backend.DeviceInfo;
import dev.clayers.backend.Matrix;
import dev.clayers.io.InputFiles;
import dev.clayers.io.JsonCache;
import dev.clayers.net.Activation;
import dev.clayers.net.Architecture;
import dev.clayers.train.DeviceChoice;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A cache can only cost time: a FIFO, a device, a link to {@code /dev/zero} or a huge file at a
 * cache path is ignored with a WARN naming it (not a hang or an out-of-memory), and a tuned
 * work-group too large for the device is ignored when read (not CL_INVALID_WORK_GROUP_SIZE on
 * every launch).
 */
class HostileCacheTest {
    @TempDir Path cacheDir;
    private String oldDir;

    @BeforeEach void setUp() { oldDir = OpenClTestSupport.useCacheDir(cacheDir); }

    @AfterEach void tearDown() { OpenClTestSupport.restoreCacheDir(oldDir); }

    record Entry(String value) {}

    private static final DeviceInfo CPU_DEVICE = new DeviceInfo("opencl:0:0", "Test CPU", "test", "CPU", 2, 1000, 1L << 30,
            1 << 19, "OpenCL 3.0", "1.0");

    private static Path fifo(Path f) throws Exception {
        int rc;
        try {
            rc = new ProcessBuilder("mkfifo", f.toString()).start().waitFor();
        } catch (IOException e) {
            rc = -1;
        }
        assumeTrue(rc == 0, "mkfifo is needed");
        return f;
    }

    /** What {@code body} logs on stderr (slf4j-simple writes to the System.err of the moment). */
    private static String stderrOf(Runnable body) {
        PrintStream old = System.err;
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            body.run();
        } finally {
            System.setErr(old);
        }
        return err.toString(StandardCharsets.UTF_8);
    }

    /** Reading {@code file} as a JSON cache gives nothing, at once, with a WARN naming it and {@code why}. */
    private static void ignored(Path file, String why) {
        String log = stderrOf(() -> assertTimeoutPreemptively(Duration.ofSeconds(10),
                () -> assertTrue(JsonCache.read(file, Entry.class, e -> true, "test cache").isEmpty())));
        assertTrue(log.contains("WARN") && log.contains(file.toString()) && log.contains(why), log);
    }

    @Test
    void aFifoIsIgnoredNotWaitedOn() throws Exception {
        ignored(fifo(cacheDir.resolve("tuning.json")), "FIFO");
    }

    @Test
    void aLinkToDevZeroIsIgnoredNotRead() throws Exception {
        ignored(Files.createSymbolicLink(cacheDir.resolve("auto.json"), Path.of("/dev/zero")), "symbolic link");
    }

    @Test
    void aHugeFileIsIgnoredUnread() throws Exception {
        Path f = cacheDir.resolve("tuning.json");
        try (RandomAccessFile r = new RandomAccessFile(f.toFile(), "rw")) {
            r.setLength(JsonCache.MAX_BYTES + 1L);   // sparse: costs no disk
        }
        ignored(f, "more than");
    }

    @Test
    void aFolderIsIgnored() throws Exception {
        ignored(Files.createDirectory(cacheDir.resolve("tuning.json")), "folder");
    }

    @Test
    void aCharacterDeviceIsIgnored() throws Exception {
        Path dev = cacheDir.resolve("tuning.json");
        int rc;
        try {
            rc = new ProcessBuilder("mknod", dev.toString(), "c", "1", "5").start().waitFor();   // /dev/zero's numbers
        } catch (IOException e) {
            rc = -1;
        }
        assumeTrue(rc == 0, "mknod needs root");
        ignored(dev, "character device");
    }

    @Test
    void aGoodCacheStillReads() throws IOException {
        JsonCache.write(cacheDir.resolve("c.json"), Map.of("k", new Entry("v")));
        assertEquals(new Entry("v"), JsonCache.read(cacheDir.resolve("c.json"), Entry.class, e -> true, "test cache").get("k"));
    }

    @Test
    void aCacheWriteLeavesAFifoAlone() throws Exception {
        Path f = fifo(cacheDir.resolve("auto.json"));
        assertThrows(IOException.class, () -> JsonCache.write(f, Map.of("k", new Entry("v"))));
        assertFalse(Files.isRegularFile(f, LinkOption.NOFOLLOW_LINKS));
    }

    @Test
    void theReaderRefusesBeforeOpening() throws Exception {
        Path f = fifo(cacheDir.resolve("x"));
        assertTimeoutPreemptively(Duration.ofSeconds(10),
                () -> assertThrows(InputFiles.WrongFileKindException.class, () -> InputFiles.readCacheFile(f, 100)));
    }

    @Test
    void aBinaryCacheFifoIsIgnored() throws Exception {
        BinaryCache cache = new BinaryCache(cacheDir);
        fifo(cache.file("key"));
        String log = stderrOf(() -> assertTimeoutPreemptively(Duration.ofSeconds(10), () -> assertEquals(null, cache.load("key"))));
        assertTrue(log.contains("FIFO"), log);
    }

    @Test
    void workGroupsPastTheDeviceLimitAreNamed() {
        KernelTunables base = KernelTunables.forDevice(DeviceProfile.forDevice(CPU_DEVICE), 4096, new long[] {4096, 4096, 4096}, 1 << 19, 16);
        KernelTunables huge = KernelTunables.withOverrides(base, "GEMM=cpu,CPU_WGN=256,CPU_WGM=256");
        KernelTunables.checkTunedRanges("GEMM=cpu,CPU_WGN=256,CPU_WGM=256");   // within range: the check that missed it
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> huge.checkFits(4096, new long[] {4096, 4096, 4096}, 1 << 19));
        assertTrue(e.getMessage().contains("65536") && e.getMessage().contains("4096"), e.getMessage());
        KernelTunables tiled = KernelTunables.withOverrides(base, "GEMM=tiled,TSM=128,TSN=128,TSK=8,WPTM=1,WPTN=1");
        e = assertThrows(IllegalArgumentException.class, () -> tiled.checkFits(4096, new long[] {4096, 4096, 4096}, 1 << 19));
        assertTrue(e.getMessage().contains("16384"), e.getMessage());
        base.checkFits(4096, new long[] {4096, 4096, 4096}, 1 << 19);
    }

    /** The sweep's case: an entry in range but with 65,536 or 16,384 work-items made every run exit 2. */
    @Test
    void aRealDeviceIgnoresATunedWorkGroupTooLargeForIt() throws IOException {
        int[] d = OpenClTestSupport.firstDevice();
        DeviceInfo info = OpenClDevices.find(d[0], d[1]).info();
        for (String bad : new String[] {"GEMM=cpu,CPU_RM=6,CPU_VW=16,CPU_WGN=256,CPU_WGM=256",
                "GEMM=tiled,TSM=128,TSN=128,TSK=8,WPTM=1,WPTN=1"}) {
            TuningCache.store(info, new TuningCache.Entry(info.name(), info.driver(), TuningCache.gemmSourceHash(), bad, 1, "x", "t"));
            String log = stderrOf(() -> {
                try (OpenClBackend b = OpenClBackend.open(d[0], d[1]);
                     Matrix x = b.upload(new float[] {1, 2, 3, 4, 5, 6}, 2, 3); Matrix y = b.alloc(2, 2)) {
                    assertFalse(b.tunables().gemmSpec().equals(bad), b.tunables().gemmSpec());
                    b.gemm(false, true, 1f, x, x, 0f, y);
                    assertEquals(14f, b.download(y)[0], 1e-5f);
                }
            });
            assertTrue(log.contains("WARN") && log.contains(TuningCache.file().toString()) && log.contains("work-items"), log);
        }
    }

    /** auto.json and tuning.json as FIFOs: the device choice for train --device auto finishes. */
    @Test
    void autoChoiceFinishesWithFifoCaches() throws Exception {
        fifo(DeviceChoice.file());
        fifo(TuningCache.file());
        assertTimeoutPreemptively(Duration.ofSeconds(120), () -> {
            DeviceChoice.Choice c = DeviceChoice.choose(new Architecture(784, new int[] {8}, 10, Activation.RELU).layers(0f), 32);
            assertTrue(c != null);
        });
    }
}
