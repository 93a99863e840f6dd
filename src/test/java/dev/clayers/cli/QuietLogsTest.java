package dev.clayers.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Quiet by default, in a fresh JVM as a user starts it (slf4j-simple reads its settings once per
 * process, so this cannot run in the test JVM): a training run writes nothing to stderr but the one
 * line naming the device auto chose; an explicit device, not even that; --verbose shows the rest.
 */
class QuietLogsTest {
    @TempDir Path dir;

    private record Run(int code, String out, String err) {}

    private Run run(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dclayers.cache.dir=" + dir, "-cp", System.getProperty("java.class.path"), Main.class.getName()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        Path out = dir.resolve("out.txt"), err = dir.resolve("err.txt");
        pb.redirectOutput(out.toFile()).redirectError(err.toFile());
        Process p = pb.start();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "timed out: " + cmd);
        return new Run(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
    }

    @Test
    void trainingLogsOnlyTheDeviceChoice() throws Exception {
        Run auto = run("train", "--hidden", "8", "--epochs", "1", "--no-progress");
        assertEquals(0, auto.code(), auto.err());
        List<String> lines = auto.err().lines().filter(l -> !l.isBlank()).toList();
        assertEquals(1, lines.size(), auto.err());
        assertTrue(lines.get(0).contains("auto: "), auto.err());
        assertTrue(lines.get(0).length() <= 160, "one short line: " + lines.get(0));
        assertTrue(auto.out().contains("final test accuracy"), auto.out());

        Run cpu = run("train", "--device", "cpu", "--hidden", "8", "--epochs", "1", "--no-progress");
        assertEquals(0, cpu.code(), cpu.err());
        assertEquals("", cpu.err().strip());
    }

    @Test
    void verboseShowsTheDetail() throws Exception {
        Run v = run("verify", "--device", "cpu", "--verbose");
        assertEquals(0, v.code(), v.err());
        assertTrue(v.err().contains("DEBUG") || v.err().contains("INFO"), v.err());
    }
}
