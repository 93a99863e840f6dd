package dev.clayers.cli;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.clayers.io.Safetensors;
import dev.clayers.io.SafetensorsFile;
import dev.clayers.io.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A conv net through the CLI: train --net, save in PyTorch's layout, eval, predict, and resume. */
class CnnCliTest {
    private static final Pattern FINAL = Pattern.compile("final test accuracy ([0-9.]+) \\((\\d+)/(\\d+)\\)");
    /** A small conv net, quick enough for every device: 4 filters 5x5, pool 2, 16 units. */
    private static final String NET = "conv4k5-pool2-16";

    @ParameterizedTest
    @MethodSource("dev.clayers.backend.TestDevices#ids")
    void trainSaveEvalPredict(String device, @TempDir Path dir) throws Exception {
        Path model = dir.resolve("cnn.safetensors");
        CliRunner.Result r = CliRunner.run("train", "--device", device, "--net", NET, "--epochs", "2", "--no-progress",
                "--save", model.toString());
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.out().contains("training conv(1x28x28,4,5,1,0) relu maxpool(4x24x24,2,2) affine(576,16) relu affine(16,10)"),
                r.out());
        Matcher m = FINAL.matcher(r.out());
        assertTrue(m.find(), r.out());
        assertTrue(Double.parseDouble(m.group(1)) > 0.8, r.out());   // two epochs of a narrow net: it learns, no more

        SafetensorsFile sf = Safetensors.read(model);
        assertEquals(List.of("conv1.W", "conv1.b", "affine1.W", "affine1.b", "affine2.W", "affine2.b"),
                sf.tensors().stream().map(Tensor::name).toList());
        assertArrayEquals(new int[] {4, 1, 5, 5}, sf.tensor("conv1.W").shape(), "PyTorch's (out, in, kh, kw)");
        assertArrayEquals(new int[] {4}, sf.tensor("conv1.b").shape());
        assertEquals("conv(1x28x28,4,5,1,0) relu maxpool(4x24x24,2,2) affine(576,16) relu affine(16,10)",
                sf.metadata().get("layers"));

        CliRunner.Result e = CliRunner.run("eval", "--model", model.toString(), "--device", device, "--json");
        assertEquals(0, e.code(), e.toString());
        JsonObject ev = JsonParser.parseString(e.out()).getAsJsonObject();
        assertEquals(Integer.parseInt(m.group(2)), ev.get("correct").getAsInt());

        var test = dev.clayers.data.MnistDataset.bundled().test();
        Path png = dir.resolve("digit.png");
        java.awt.image.BufferedImage img = new java.awt.image.BufferedImage(28, 28, java.awt.image.BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 28; y++) {
            for (int x = 0; x < 28; x++) {
                int v = Math.round(test.images()[y * 28 + x] * 255);
                img.setRGB(x, y, (v << 16) | (v << 8) | v);
            }
        }
        javax.imageio.ImageIO.write(img, "png", png.toFile());
        CliRunner.Result p = CliRunner.run("predict", "--model", model.toString(), "--device", device, png.toString());
        assertEquals(0, p.code(), p.toString());
        assertEquals(test.labels()[0], Integer.parseInt(p.out().strip().split(":\\s+")[1].trim().split(" ")[0]), p.out());
    }

    /** Stopped after epoch 1 of 2 and resumed: the same weights as one uninterrupted run (conv weights included). */
    @Test
    void resumeMatchesUninterruptedRun(@TempDir Path dir) throws Exception {
        Path a = dir.resolve("a.safetensors"), b = dir.resolve("b.safetensors"), ck = dir.resolve("ck");
        String[] common = {"--device", "cpu", "--net", NET, "--epochs", "2", "--no-progress"};
        assertEquals(0, CliRunner.run(concat(new String[] {"train", "--save", a.toString()}, common)).code());
        CliRunner.Result s = CliRunner.run(concat(new String[] {"train", "--checkpoint-dir", ck.toString(), "--stop-after", "1"},
                common));
        assertEquals(0, s.code(), s.toString());
        CliRunner.Result r = CliRunner.run("train", "--resume", ck.toString(), "--device", "cpu", "--no-progress",
                "--save", b.toString());
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.out().contains("resuming after epoch 1"), r.out());
        SafetensorsFile sa = Safetensors.read(a), sb = Safetensors.read(b);
        for (Tensor t : sa.tensors()) assertArrayEquals(t.data(), sb.tensor(t.name()).data(), 0f, t.name());
    }

    @Test
    void badNetSpecsAreOneLineErrors() {
        CliRunner.Result r = CliRunner.run("train", "--device", "cpu", "--net", "conv30x5-100");
        assertEquals(2, r.code(), r.toString());
        assertTrue(r.err().contains("cannot read 'conv30x5'"), r.toString());
        r = CliRunner.run("train", "--device", "cpu", "--net", "conv8k5", "--hidden", "100");
        assertEquals(2, r.code(), r.toString());
        assertTrue(r.err().contains("--net and --hidden"), r.toString());
        r = CliRunner.run("train", "--device", "cpu", "--net", "100-conv8k5");
        assertEquals(2, r.code(), r.toString());
        assertTrue(r.err().contains("convolution needs an image"), r.toString());
        r = CliRunner.run("train", "--device", "cpu", "--net", "conv8k29");
        assertEquals(2, r.code(), r.toString());
        assertTrue(r.err().contains("does not fit"), r.toString());
    }

    private static String[] concat(String[] a, String[] b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
