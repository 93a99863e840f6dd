package dev.clayers.cli;

import dev.clayers.backend.Backends;
import dev.clayers.graph.BookGraphs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The strict {@code --net} parser, device ids past int and the softmax-loss cap, as the CLI reports them. */
class StrictInputsTest {
    private static void oneLine(CliRunner.Result r, String... words) {
        assertEquals(2, r.code(), r.toString());
        // One error line (progress and log lines may come before it), no trace.
        assertEquals(1, r.err().lines().filter(l -> l.startsWith("clayers ")).count(), r.err());
        assertFalse(r.err().contains("\tat "), r.err());
        for (String w : words) assertTrue(r.err().contains(w), w + " in: " + r.err());
        assertFalse(r.err().contains("Exception") || r.err().contains("For input string"), r.err());
        assertFalse(r.out().contains("epoch"), r.toString());
    }

    @ParameterizedTest
    @ValueSource(strings = {"-", "---", "conv8k5-", "conv8k5s2p1s3", "conv8k5-pool2x"})
    void trainRefusesALenientNet(String net) {
        oneLine(CliRunner.run("train", "--device", "cpu", "--net", net, "--epochs", "1", "--no-progress"), "--net", "cannot read",
                "steps joined by '-'");
    }

    @ParameterizedTest
    @ValueSource(strings = {"-", "---", "conv8k5-", "784-"})
    void benchRefusesALenientNet(String net) {
        CliRunner.Result r = CliRunner.run("bench", "--device", "cpu", "--quick", "--only", "train", "--net", net);
        oneLine(r, "--net");
        assertFalse(r.err().contains("opening"), "nothing measured: " + r.err());
    }

    @ParameterizedTest
    @ValueSource(strings = {"opencl:99999999999:0", "opencl:0:99999999999", "opencl:99999999999999999999999:0@gpu"})
    void aDeviceNumberPastIntIsNamed(String id) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Backends.open(id));
        assertTrue(e.getMessage().contains("is out of range") && e.getMessage().contains("valid: auto, cpu"), e.getMessage());
        oneLine(CliRunner.run("bench", "--device", id, "--quick", "--only", "gemm"), "out of range");
    }

    @Test
    void softmaxLossScoresAreCappedUpFront() {
        String many = IntStream.range(0, 10_000).mapToObj(i -> Double.toString(i % 7 * 0.1)).collect(Collectors.joining(","));
        long t0 = System.nanoTime();
        oneLine(CliRunner.run("graph", "softmax-loss", "--scores", many, "--png", "unused.png"), "--scores", "at most "
                + BookGraphs.MAX_SOFTMAX_SCORES, "10000");
        assertTrue((System.nanoTime() - t0) / 1e9 < 10, "refused at once");
        assertFalse(java.nio.file.Files.exists(java.nio.file.Path.of("unused.png")));
        assertThrows(IllegalArgumentException.class, () -> BookGraphs.softmaxLoss(new double[BookGraphs.MAX_SOFTMAX_SCORES + 1], 0));
    }
}
