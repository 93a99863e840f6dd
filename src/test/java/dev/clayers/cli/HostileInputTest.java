package dev.clayers.cli;

import dev.clayers.backend.Backend;
import dev.clayers.backend.cpu.CpuBackend;
import dev.clayers.io.ModelFile;
import dev.clayers.net.Activation;
import dev.clayers.net.Architecture;
import dev.clayers.net.Sequential;
import dev.clayers.net.WeightInit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.Deflater;
import java.util.zip.DeflaterOutputStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What a hostile sweep tried: each input ends in exit 2 and one line naming the problem, quickly. */
class HostileInputTest {
    /** A tiny untrained 784-8-10 model on the CPU. */
    static Path model(Path dir) throws IOException {
        Path f = dir.resolve("m.safetensors");
        try (Backend be = new CpuBackend();
             Sequential net = Sequential.create(be, new Architecture(784, new int[] {8}, 10, Activation.RELU), WeightInit.HE, 1)) {
            ModelFile.save(f, net, Map.of());
        }
        return f;
    }

    /**
     * A valid 1-bit grayscale PNG of {@code width x height} black pixels: deflate turns the rows of
     * zeros into a few hundred bytes per megapixel, so a 40000x40000 picture is a small file.
     */
    static byte[] blackPng(int width, int height) throws IOException {
        ByteArrayOutputStream idat = new ByteArrayOutputStream();
        try (DeflaterOutputStream z = new DeflaterOutputStream(idat, new Deflater(9))) {
            byte[] row = new byte[1 + (width + 7) / 8];   // filter byte 0, then 1 bit per pixel
            for (int y = 0; y < height; y++) z.write(row);
        }
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(png);
        out.write(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'});
        ByteArrayOutputStream ihdr = new ByteArrayOutputStream();
        DataOutputStream h = new DataOutputStream(ihdr);
        h.writeInt(width);
        h.writeInt(height);
        h.write(new byte[] {1, 0, 0, 0, 0});   // bit depth 1, grayscale, deflate, filter 0, no interlace
        chunk(out, "IHDR", ihdr.toByteArray());
        chunk(out, "IDAT", idat.toByteArray());
        chunk(out, "IEND", new byte[0]);
        return png.toByteArray();
    }

    private static void chunk(DataOutputStream out, String type, byte[] data) throws IOException {
        out.writeInt(data.length);
        byte[] t = type.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        out.write(t);
        out.write(data);
        CRC32 crc = new CRC32();
        crc.update(t);
        crc.update(data);
        out.writeInt((int) crc.getValue());
    }

    @Test
    void decompressionBombIsRefusedFromTheHeader(@TempDir Path dir) throws Exception {
        Path m = model(dir);
        Path bomb = dir.resolve("bomb.png");
        Files.write(bomb, blackPng(40_000, 40_000));
        assertTrue(Files.size(bomb) < 400_000, "the bomb is small: " + Files.size(bomb));
        long t0 = System.nanoTime();
        CliRunner.Result r = CliRunner.run("predict", "--model", m.toString(), bomb.toString());
        double seconds = (System.nanoTime() - t0) / 1e9;
        assertEquals(2, r.code(), r.toString());
        assertTrue(r.err().contains("40000x40000") && r.err().contains("clayers.maxImagePixels"), r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertTrue(seconds < 5, "refused from the header, not after decoding: " + seconds + " s");
    }

    @Test
    void aPictureWithinTheLimitIsStillRead(@TempDir Path dir) throws Exception {
        Path m = model(dir);
        Path png = dir.resolve("small.png");
        Files.write(png, blackPng(300, 200));
        CliRunner.Result r = CliRunner.run("predict", "--model", m.toString(), png.toString());
        assertEquals(0, r.code(), r.toString());
    }

    @Test
    void predictSaysWhatANonFileIs(@TempDir Path dir) throws Exception {
        Path m = model(dir);
        CliRunner.Result folder = CliRunner.run("predict", "--model", m.toString(), dir.toString());
        assertEquals(2, folder.code(), folder.toString());
        assertTrue(folder.err().contains("is a folder"), folder.err());
        if (Files.exists(Path.of("/dev/zero"))) {
            CliRunner.Result zero = CliRunner.run("predict", "--model", m.toString(), "/dev/zero");
            assertEquals(2, zero.code(), zero.toString());
            assertTrue(zero.err().contains("/dev/zero is a character device"), zero.err());
        }
        CliRunner.Result missing = CliRunner.run("predict", "--model", m.toString(), dir.resolve("nope.png").toString());
        assertEquals(2, missing.code());
        assertTrue(missing.err().contains("no such file"), missing.err());
    }

    @Test
    void dataSaysWhatANonFolderIs(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("afile"), "x");
        CliRunner.Result r = CliRunner.run("train", "--device", "cpu", "--data", file.toString(), "--epochs", "1");
        assertEquals(2, r.code(), r.toString());
        assertFalse(r.err().contains("no such file"), r.err());
        assertTrue(r.err().contains("is a file, not a folder"), r.err());
    }

    @Test
    void hugeLayersAndBatchesFailAtOnceWithOneLine() {
        for (String hidden : new String[] {"2000000", "2800000", "5500000", "100000000"}) {
            long t0 = System.nanoTime();
            CliRunner.Result r = CliRunner.run("train", "--device", "cpu", "--hidden", hidden, "--epochs", "1", "--no-progress");
            assertEquals(2, r.code(), r.toString());
            assertTrue(r.err().contains("limit of 1,000,000 units"), r.err());
            assertEquals(1, r.err().lines().filter(l -> l.startsWith("clayers")).count(), r.err());
            assertFalse(r.err().contains("Exception"), r.err());
            assertTrue((System.nanoTime() - t0) / 1e9 < 10);
        }
        CliRunner.Result heap = CliRunner.run("train", "--device", "cpu", "--hidden", "1000000", "--epochs", "1", "--no-progress");
        assertEquals(2, heap.code(), heap.toString());
        assertTrue(heap.err().contains("Java heap") && heap.err().contains("-Xmx"), heap.err());
        CliRunner.Result batch = CliRunner.run("train", "--device", "cpu", "--batch", "1000000", "--epochs", "1", "--no-progress");
        assertEquals(2, batch.code(), batch.toString());
        assertTrue(batch.err().contains("--batch") && batch.err().contains("65,536"), batch.err());
    }

    /** An OutOfMemoryError the checks did not foresee still ends in one line and exit 2 (a JVM with a tiny heap). */
    @Test
    void outOfMemoryErrorIsOneLine(@TempDir Path dir) throws Exception {
        Path m = model(dir);
        Path bomb = dir.resolve("bomb.png");
        Files.write(bomb, blackPng(20_000, 20_000));
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx48m",
                "-Dclayers.maxImagePixels=1000000000", "-cp", System.getProperty("java.class.path"),
                "dev.clayers.cli.Main", "predict", "--model", m.toString(), bomb.toString())
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        String err = new String(p.getErrorStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertEquals(2, p.waitFor(), err);
        assertTrue(err.contains("out of memory") && err.contains("-Xmx"), err);
        assertFalse(err.contains("\tat "), "no stack trace: " + err);
    }
}
