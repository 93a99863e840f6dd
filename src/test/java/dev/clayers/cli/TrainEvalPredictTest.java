package dev.clayers.cli;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.clayers.data.MnistDataset;
import dev.clayers.io.Safetensors;
import dev.clayers.io.SafetensorsFile;
import dev.clayers.io.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The train / eval / predict round trip and resume, through the CLI, on every device. */
class TrainEvalPredictTest {
    private static final Pattern FINAL = Pattern.compile("final test accuracy ([0-9.]+) \\((\\d+)/(\\d+)\\)");

    @ParameterizedTest
    @MethodSource("dev.clayers.backend.TestDevices#ids")
    void saveEvalPredictRoundTrip(String device, @TempDir Path dir) throws Exception {
        Path model = dir.resolve("m.safetensors"), metrics = dir.resolve("metrics.jsonl"), plot = dir.resolve("curves.png");
        CliRunner.Result r = CliRunner.run("train", "--device", device, "--hidden", "32", "--epochs", "2", "--no-progress",
                "--save", model.toString(), "--metrics", metrics.toString(), "--plot", plot.toString());
        assertEquals(0, r.code(), r.toString());
        Matcher m = FINAL.matcher(r.out());
        assertTrue(m.find(), r.out());
        int correct = Integer.parseInt(m.group(2));

        // eval reproduces the accuracy printed at the end of training
        CliRunner.Result e = CliRunner.run("eval", "--model", model.toString(), "--device", device, "--json");
        assertEquals(0, e.code(), e.toString());
        JsonObject ev = JsonParser.parseString(e.out()).getAsJsonObject();
        assertEquals(correct, ev.get("correct").getAsInt());
        assertEquals(10, ev.getAsJsonArray("confusion").size());

        List<String> lines = Files.readAllLines(metrics);
        assertEquals(2, lines.size());
        JsonObject first = JsonParser.parseString(lines.get(0)).getAsJsonObject();
        for (String k : List.of("epoch", "train_loss", "train_accuracy", "test_accuracy", "samples_per_second", "seconds")) {
            assertTrue(first.has(k), k + " in " + lines.get(0));
        }
        assertEquals(2, ImageIO.read(plot.toFile()).getWidth() / 640);

        SafetensorsFile sf = Safetensors.read(model);
        assertEquals("784-32-10", sf.metadata().get("architecture"));
        assertEquals("relu", sf.metadata().get("activation"));
        assertTrue(sf.metadata().containsKey("test_accuracy"));
        assertEquals(List.of("affine1.W", "affine1.b", "affine2.W", "affine2.b"), sf.tensors().stream().map(Tensor::name).toList());

        // predict: test digits drawn dark-on-light at another size must mostly be recognised
        var test = MnistDataset.bundled().test();
        int right = 0, n = 10;
        String[] args = new String[n + 6];
        args[0] = "predict";
        args[1] = "--model";
        args[2] = model.toString();
        args[3] = "--invert";
        args[4] = "--device";
        args[5] = device;
        for (int i = 0; i < n; i++) {
            Path png = dir.resolve("digit" + i + ".png");
            writeScaledInverted(test.images(), i, png);
            args[6 + i] = png.toString();
        }
        CliRunner.Result p = CliRunner.run(args);
        assertEquals(0, p.code(), p.toString());
        String[] out = p.out().strip().split("\n");
        assertEquals(n, out.length, p.out());
        for (int i = 0; i < n; i++) {
            String top = out[i].split(":\\s+")[1].trim().split(" ")[0];
            if (Integer.parseInt(top) == test.labels()[i]) right++;
        }
        assertTrue(right >= 7, "only " + right + "/10 recognised:\n" + p.out());

        // Without --invert the polarity is read from each picture's light border: the same answers, said on stderr.
        String[] auto = new String[args.length - 1];
        System.arraycopy(args, 0, auto, 0, 3);
        System.arraycopy(args, 4, auto, 3, args.length - 4);
        CliRunner.Result a = CliRunner.run(auto);
        assertEquals(0, a.code(), a.toString());
        assertEquals(p.out(), a.out());
        assertTrue(a.err().contains("looks like dark ink on a light background"), a.err());
        // --no-invert keeps the pictures as they are, and says nothing.
        args[3] = "--no-invert";
        CliRunner.Result kept = CliRunner.run(args);
        assertEquals(0, kept.code(), kept.toString());
        assertFalse(kept.err().contains("looks like"), kept.err());
    }

    /** A 28x28 test digit, enlarged 3x, as black ink on white. */
    private static void writeScaledInverted(float[] images, int index, Path png) throws Exception {
        BufferedImage img = new BufferedImage(84, 84, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 84; y++) {
            for (int x = 0; x < 84; x++) {
                int v = 255 - Math.round(images[index * 784 + (y / 3) * 28 + x / 3] * 255);
                img.setRGB(x, y, (v << 16) | (v << 8) | v);
            }
        }
        ImageIO.write(img, "png", png.toFile());
    }

    /**
     * A run stopped after epoch 2 of 3 and resumed ends with the same weights as an uninterrupted
     * one (cosine schedule, dropout and shifts on: everything that depends on the step must line up).
     */
    @ParameterizedTest
    @MethodSource("dev.clayers.backend.TestDevices#ids")
    void resumeMatchesUninterruptedRun(String device, @TempDir Path dir) throws Exception {
        Path a = dir.resolve("a.safetensors"), b = dir.resolve("b.safetensors"), ck = dir.resolve("ck");
        String[] common = {"--device", device, "--hidden", "24", "--optimizer", "adam", "--dropout", "0.2", "--epochs", "3",
                "--no-progress"};
        assertEquals(0, CliRunner.run(concat(new String[] {"train", "--save", a.toString()}, common)).code());
        CliRunner.Result s = CliRunner.run(concat(new String[] {"train", "--checkpoint-dir", ck.toString(), "--stop-after", "2"},
                common));
        assertEquals(0, s.code(), s.toString());
        assertTrue(s.out().contains("stopped after epoch 2"), s.out());
        CliRunner.Result r = CliRunner.run("train", "--resume", ck.toString(), "--device", device,
                "--no-progress", "--save", b.toString());
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.out().contains("resuming after epoch 2"), r.out());
        assertFalse(r.out().contains("epoch   1/3"), r.out());
        SafetensorsFile sa = Safetensors.read(a), sb = Safetensors.read(b);
        for (Tensor t : sa.tensors()) {
            assertArrayEquals(t.data(), sb.tensor(t.name()).data(), 0f, t.name());
        }
    }

    /**
     * The newest activation and optimizer from the command line: tanh with RMSprop learns, saves a
     * model that eval reads back as tanh with the same accuracy, and resumes from a checkpoint to
     * the same weights (RMSprop's h is saved and restored).
     */
    @Test
    void tanhWithRmspropTrainsSavesAndResumes(@TempDir Path dir) throws Exception {
        Path a = dir.resolve("a.safetensors"), b = dir.resolve("b.safetensors"), ck = dir.resolve("ck");
        String[] common = {"--device", "cpu", "--hidden", "32", "--activation", "tanh", "--init", "xavier",
                "--optimizer", "rmsprop", "--lr", "0.001", "--epochs", "2", "--no-progress"};
        CliRunner.Result r = CliRunner.run(concat(new String[] {"train", "--save", a.toString()}, common));
        assertEquals(0, r.code(), r.toString());
        Matcher m = FINAL.matcher(r.out());
        assertTrue(m.find(), r.out());
        assertTrue(Double.parseDouble(m.group(1)) > 0.8, r.out());
        assertEquals("tanh", Safetensors.read(a).metadata().get("activation"));
        CliRunner.Result e = CliRunner.run("eval", "--model", a.toString(), "--device", "cpu", "--json");
        assertEquals(0, e.code(), e.toString());
        assertEquals(Integer.parseInt(m.group(2)), JsonParser.parseString(e.out()).getAsJsonObject().get("correct").getAsInt());

        CliRunner.Result s = CliRunner.run(concat(new String[] {"train", "--checkpoint-dir", ck.toString(), "--stop-after", "1"},
                common));
        assertEquals(0, s.code(), s.toString());
        CliRunner.Result res = CliRunner.run("train", "--resume", ck.toString(), "--device", "cpu", "--no-progress",
                "--save", b.toString());
        assertEquals(0, res.code(), res.toString());
        SafetensorsFile sa = Safetensors.read(a), sb = Safetensors.read(b);
        for (Tensor t : sa.tensors()) assertArrayEquals(t.data(), sb.tensor(t.name()).data(), 0f, t.name());
    }

    /** Extending a finished constant-rate run with --epochs continues exactly where it stopped. */
    @Test
    void resumeCanExtendAConstantRateRun(@TempDir Path dir) throws Exception {
        Path a = dir.resolve("a.safetensors"), b = dir.resolve("b.safetensors"), ck = dir.resolve("ck");
        String[] common = {"--device", "cpu", "--hidden", "16", "--schedule", "constant", "--no-progress"};
        assertEquals(0, CliRunner.run(concat(new String[] {"train", "--epochs", "2", "--save", a.toString()}, common)).code());
        assertEquals(0, CliRunner.run(concat(new String[] {"train", "--epochs", "1", "--checkpoint-dir", ck.toString()}, common)).code());
        CliRunner.Result r = CliRunner.run("train", "--resume", ck.toString(), "--epochs", "2", "--device", "cpu",
                "--no-progress", "--save", b.toString());
        assertEquals(0, r.code(), r.toString());
        assertArrayEquals(Safetensors.read(a).tensor("affine1.W").data(), Safetensors.read(b).tensor("affine1.W").data(), 0f);
        CliRunner.Result done = CliRunner.run("train", "--resume", ck.toString(), "--device", "cpu", "--no-progress");
        assertEquals(2, done.code(), done.toString());
        assertTrue(done.err().contains("already finished epoch 2"), done.toString());
    }

    private static String[] concat(String[] a, String[] b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    @Test
    void badInputIsOneLineExit2(@TempDir Path dir) throws Exception {
        assertBad(CliRunner.run("train", "--batch", "0", "--device", "cpu"), "--batch must be positive");
        assertBad(CliRunner.run("train", "--lr", "-1", "--device", "cpu"), "--lr must be a positive number");
        assertBad(CliRunner.run("train", "--data", dir.resolve("nope").toString(), "--device", "cpu"), "nope");
        assertBad(CliRunner.run("train", "--optimizer", "nesterov", "--device", "cpu"), "unknown optimizer 'nesterov'");
        assertBad(CliRunner.run("train", "--hidden", "10,x", "--device", "cpu"), "hidden sizes");
        assertBad(CliRunner.run("train", "--device", "opencl:9:9"), "opencl:9:9");
        assertBad(CliRunner.run("eval", "--model", dir.resolve("missing.safetensors").toString(), "--device", "cpu"),
                "missing.safetensors");
        Path junk = dir.resolve("junk.safetensors");
        Files.write(junk, new byte[] {1, 2, 3});
        assertBad(CliRunner.run("eval", "--model", junk.toString(), "--device", "cpu"), "junk.safetensors");
        Path img = dir.resolve("not-an-image.png");
        Files.writeString(img, "hello");
        Path small = dir.resolve("small.safetensors");
        Safetensors.write(small, java.util.Map.of(), List.of(Tensor.matrix("affine1.W", 100, 10, new float[1000]),
                Tensor.matrix("affine1.b", 1, 10, new float[10])));
        assertBad(CliRunner.run("eval", "--model", small.toString(), "--device", "cpu"), "expects 100 inputs");
        assertBad(CliRunner.run("predict", "--model", small.toString(), img.toString()), "expects 100 inputs");
        Path ok = dir.resolve("ok.safetensors");
        Safetensors.write(ok, java.util.Map.of(), List.of(Tensor.matrix("affine1.W", 784, 10, new float[7840]),
                Tensor.matrix("affine1.b", 1, 10, new float[10])));
        assertBad(CliRunner.run("predict", "--model", ok.toString(), img.toString()), "not-an-image.png");
        Path resumeDir = dir.resolve("empty");
        Files.createDirectories(resumeDir);
        assertBad(CliRunner.run("train", "--resume", resumeDir.toString()), "checkpoint");
    }

    private static void assertBad(CliRunner.Result r, String needle) {
        assertEquals(2, r.code(), r.toString());
        assertTrue(r.err().contains(needle), "expected '" + needle + "' in stderr: " + r);
        assertFalse(r.err().contains("\tat "), "no stack trace without --verbose: " + r);
        assertTrue(r.out().isEmpty(), "nothing on stdout: " + r);
    }

    @Test
    void divergingTrainingSaysLowerTheLearningRate() {
        CliRunner.Result r = CliRunner.run("train", "--device", "cpu", "--optimizer", "sgd", "--lr", "1e30", "--epochs", "1",
                "--no-progress", "--hidden", "16");
        assertEquals(1, r.code(), r.toString());
        assertTrue(r.err().contains("lower the learning rate"), r.toString());
    }
}
