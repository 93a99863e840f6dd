package dev.clayers.cli;

import dev.clayers.backend.Backend;
import dev.clayers.backend.cpu.CpuBackend;
import dev.clayers.net.ModelFile;
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
        CliRunner.Result model = CliRunner.run("predict", "--model", dir.toString(), dir.resolve("x.png").toString());
        assertEquals(2, model.code(), model.toString());
        assertTrue(model.err().contains(dir + " is a folder, not a model file"), model.err());
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
        assertTrue(r.err().contains("is a text file, not a folder"), r.err());
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
        // The network fits; its activations for a batch of 8,000 (about 13 GB) do not.
        CliRunner.Result run = CliRunner.run("train", "--device", "cpu", "--hidden", "100000", "--batch", "8000",
                "--epochs", "1", "--no-progress");
        assertEquals(2, run.code(), run.toString());
        assertTrue(run.err().contains("training 784-100000-10 with adam and batch 8000")
                && run.err().contains("use a smaller batch"), run.err());
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

    /** A bad gemm tunable (through CLAYERS_JAVA_OPTS) fails when the Java backend starts: one line naming it, exit 2. */
    @Test
    void aBadGemmTunableIsOneLine() throws Exception {
        for (String property : new String[] {"-Dclayers.gemm.packA=sometimes", "-Dclayers.gemm.tile=9x9"}) {
            // With the vector module, as ./clayers starts Java: without it the tile is never chosen.
            Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "--add-modules",
                    "jdk.incubator.vector", property, "-cp", System.getProperty("java.class.path"), "dev.clayers.cli.Main", "bench", "--device", "cpu", "--only", "gemm",
                    "--gemm", "8x8x8", "--quick")
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            String err = new String(p.getErrorStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            assertEquals(2, p.waitFor(), err);
            String name = property.substring(2, property.indexOf('='));
            assertTrue(err.contains(name) && err.contains("expected"), err);
            assertFalse(err.contains("\tat "), "no stack trace: " + err);
        }
    }

    @Test
    void aTamperedCheckpointEpochIsRefusedAndTheCheckpointKept(@TempDir Path dir) throws Exception {
        CliRunner.Result first = CliRunner.run("train", "--device", "cpu", "--hidden", "8", "--epochs", "2", "--stop-after", "1",
                "--no-progress", "--checkpoint-dir", dir.toString());
        assertEquals(0, first.code(), first.toString());
        Path ckpt = dir.resolve(dev.clayers.train.Checkpoint.FILE);
        dev.clayers.io.SafetensorsFile sf = dev.clayers.io.Safetensors.read(ckpt);
        Map<String, String> meta = new java.util.LinkedHashMap<>(sf.metadata());
        meta.put("checkpoint_epoch", "-5");
        dev.clayers.io.Safetensors.write(ckpt, meta, sf.tensors());
        byte[] tampered = Files.readAllBytes(ckpt);
        CliRunner.Result r = CliRunner.run("train", "--resume", dir.toString(), "--device", "cpu", "--no-progress");
        assertEquals(2, r.code(), r.toString());
        assertTrue(r.err().contains("checkpoint_epoch -5"), r.err());
        assertFalse(r.out().contains("epoch  -4"), r.out());
        assertTrue(java.util.Arrays.equals(tampered, Files.readAllBytes(ckpt)), "the checkpoint is not overwritten");
    }

    @Test
    void nonFiniteWeightsAreRefusedAtLoad(@TempDir Path dir) throws Exception {
        float[] w = new float[7840];
        w[17] = Float.NaN;
        Path nan = dir.resolve("nan.safetensors");
        dev.clayers.io.Safetensors.write(nan, Map.of(), java.util.List.of(dev.clayers.io.Tensor.matrix("affine1.W", 784, 10, w),
                dev.clayers.io.Tensor.matrix("affine1.b", 1, 10, new float[10])));
        Path png = dir.resolve("digit.png");
        Files.write(png, blackPng(28, 28));
        for (String[] extra : new String[][] {{}, {"--json"}}) {
            java.util.List<String> args = new java.util.ArrayList<>(java.util.List.of("predict", "--model", nan.toString()));
            args.addAll(java.util.List.of(extra));
            args.add(png.toString());
            CliRunner.Result r = CliRunner.run(args.toArray(new String[0]));
            assertEquals(2, r.code(), r.toString());
            assertTrue(r.err().contains("affine1.W holds NaN at index 17"), r.err());
            assertTrue(r.out().isEmpty(), r.out());
        }
        CliRunner.Result e = CliRunner.run("eval", "--model", nan.toString(), "--device", "cpu");
        assertEquals(2, e.code(), e.toString());
    }

    @Test
    void divergenceAdviceNamesTheLikelyCause() {
        CliRunner.Result decay = CliRunner.run("train", "--device", "cpu", "--optimizer", "sgd", "--weight-decay", "1e30",
                "--epochs", "1", "--no-progress", "--hidden", "16");
        assertEquals(1, decay.code(), decay.toString());
        assertTrue(decay.err().contains("weight decay 1.0E30 is too large"), decay.err());
        CliRunner.Result init = CliRunner.run("train", "--device", "cpu", "--init", "1e30", "--epochs", "1", "--no-progress",
                "--hidden", "16");
        assertEquals(1, init.code(), init.toString());
        assertTrue(init.err().contains("initial weights are too large"), init.err());
    }
}
