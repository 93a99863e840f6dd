package dev.clayers.cli;

import com.google.gson.JsonParser;
import dev.clayers.backend.TestDevices;
import dev.clayers.io.Safetensors;
import dev.clayers.io.SafetensorsFile;
import dev.clayers.io.Tensor;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code train --device A,B}: the CLI on two PoCL devices (the several-devices execution sets POCL_DEVICES). */
@Tag("several-devices")
class SeveralDevicesCliTest {
    private static final Pattern FINAL = Pattern.compile("final test accuracy ([0-9.]+) \\((\\d+)/");

    /**
     * Two devices: the header names both shares; early stopping, checkpoints and --save work; the
     * saved model loads on one device (cpu) with the printed accuracy; a run stopped after epoch 1
     * and resumed ends with the uninterrupted run's weights, bit for bit.
     */
    @Test
    void trainsSavesAndResumesOnTwoDevices(@TempDir Path dir) throws Exception {
        List<String> ids = TestDevices.realOpenClIds(2);
        String devices = String.join(",", ids);
        Path a = dir.resolve("a.safetensors"), b = dir.resolve("b.safetensors"), ck = dir.resolve("ck");
        String[] common = {"--device", devices, "--hidden", "32", "--dropout", "0.2", "--epochs", "2", "--batch", "101",
                "--early-stop", "5", "--no-progress"};
        CliRunner.Result r = CliRunner.run(concat(new String[] {"train", "--save", a.toString()}, common));
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.out().contains("2 devices, data parallel, each batch split into " + ids.get(0)), r.out());
        assertTrue(r.out().contains("51 rows") && r.out().contains("50 rows"), r.out());
        Matcher m = FINAL.matcher(r.out());
        assertTrue(m.find(), r.out());
        assertTrue(Double.parseDouble(m.group(1)) > 0.85, r.out());

        CliRunner.Result e = CliRunner.run("eval", "--model", a.toString(), "--device", "cpu", "--json");
        assertEquals(0, e.code(), e.toString());
        assertEquals(Integer.parseInt(m.group(2)), JsonParser.parseString(e.out()).getAsJsonObject().get("correct").getAsInt());

        CliRunner.Result s = CliRunner.run(concat(new String[] {"train", "--checkpoint-dir", ck.toString(), "--stop-after", "1"},
                common));
        assertEquals(0, s.code(), s.toString());
        CliRunner.Result c = CliRunner.run("train", "--resume", ck.toString(), "--device", devices, "--no-progress",
                "--save", b.toString());
        assertEquals(0, c.code(), c.toString());
        assertTrue(c.out().contains("resuming after epoch 1"), c.out());
        SafetensorsFile sa = Safetensors.read(a), sb = Safetensors.read(b);
        for (Tensor t : sa.tensors()) assertArrayEquals(t.data(), sb.tensor(t.name()).data(), 0f, t.name());
    }

    /** Bad device lists and a batch smaller than the device count: one line, exit 2. */
    @Test
    void badDeviceListsAreOneLineWithExit2() {
        List<String> ids = TestDevices.realOpenClIds(2);
        String[][] bad = {
                {"--device", ids.get(0) + "," + ids.get(0)},
                {"--device", ids.get(0) + ",opencl:9:9"},
                {"--device", ids.get(0) + ","},
                {"--device", String.join(",", ids), "--batch", "1"},
                {"--device", String.join(",", ids), "--shares", "1:2:3"},
                {"--device", String.join(",", ids), "--shares", "3:0"},
                {"--device", ids.get(0), "--shares", "3:1"},
                {"--device", ids.get(0) + "/x"},
        };
        String[] expected = {"listed twice", "no OpenCL device opencl:9:9", "empty entry", "smaller than the 2 devices",
                "3 entries for 2 devices", "each share must be", "names one", "opencl:P:D/N"};
        for (int i = 0; i < bad.length; i++) {
            CliRunner.Result r = CliRunner.run(concat(new String[] {"train", "--epochs", "1", "--hidden", "8", "--no-progress"}, bad[i]));
            assertEquals(2, r.code(), r.toString());
            assertTrue(r.err().contains(expected[i]), r.toString());
            assertEquals(1, r.err().lines().filter(l -> l.startsWith("clayers")).count(), r.toString());
            assertTrue(r.err().lines().noneMatch(l -> l.startsWith("\tat ")), "no stack trace: " + r);
        }
    }

    /** --shares 3:1 gives the first device three rows in four; --shares auto measures, prints the rows and trains with them. */
    @Test
    void sharesSplitTheBatchAsAsked() {
        String devices = String.join(",", TestDevices.realOpenClIds(2));
        CliRunner.Result r = CliRunner.run("train", "--device", devices, "--shares", "3:1", "--hidden", "16", "--epochs", "1",
                "--no-progress");
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.out().contains("75 rows") && r.out().contains("25 rows"), r.out());
        CliRunner.Result a = CliRunner.run("train", "--device", devices, "--shares", "auto", "--hidden", "16", "--epochs", "1",
                "--no-progress");
        assertEquals(0, a.code(), a.toString());
        Matcher m = Pattern.compile("shares measured: (\\d+):(\\d+) rows of each batch of 100").matcher(a.err());
        assertTrue(m.find(), a.toString());
        assertEquals(100, Integer.parseInt(m.group(1)) + Integer.parseInt(m.group(2)));
        assertTrue(a.out().contains(m.group(1) + " rows") && a.out().contains(m.group(2) + " rows"), a.out());
    }

    /** bench --data-parallel: the table of a small net (one round), and one line with exit 2 for a single device. */
    @Test
    void benchDataParallelReportsScaling() {
        List<String> ids = TestDevices.realOpenClIds(2);
        CliRunner.Result one = CliRunner.run("bench", "--data-parallel", "--device", ids.get(0));
        assertEquals(2, one.code(), one.toString());
        assertTrue(one.err().contains("at least two devices"), one.toString());
        CliRunner.Result r = CliRunner.run("bench", "--data-parallel", "--device", String.join(",", ids), "--net", "784-20-10",
                "--batch", "50", "--reps", "1", "--quick");
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.out().contains("data parallel: 784-20-10 batch 50"), r.out());
        assertTrue(r.out().contains(ids.get(0) + " alone") && r.out().contains(ids.get(1) + " alone"), r.out());
        assertTrue(r.out().contains("together (2 devices)") && r.out().contains("scaling efficiency"), r.out());
    }

    private static String[] concat(String[] a, String[] b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
