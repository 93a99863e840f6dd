package dev.clayers.cli;

import dev.clayers.net.ModelFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** train's schedule, early-stopping and keep-best flags, and their bad values. */
class EarlyStopCliTest {

    @Test
    void earlyStopWithRestoreAndKeepBest(@TempDir Path dir) throws Exception {
        CliRunner.Result r = CliRunner.run("train", "--device", "cpu", "--hidden", "16", "--epochs", "30", "--no-progress",
                "--lr", "0.05", "--schedule", "step:5:0.5", "--early-stop", "2", "--monitor", "loss", "--min-delta", "0.001",
                "--restore-best", "--checkpoint-dir", dir.toString(), "--keep-best");
        assertEquals(0, r.code(), r.toString());
        assertTrue(Files.isRegularFile(dir.resolve("best.safetensors")), r.toString());
        assertTrue(ModelFile.load(dir.resolve("best.safetensors")).metadata().containsKey("best_epoch"));
    }

    @Test
    void badValuesAreOneLineAndExit2() throws Exception {
        for (String[] args : new String[][] {
                {"--schedule", "step:0:0.5"}, {"--schedule", "linear"}, {"--early-stop", "0"}, {"--monitor", "f1"},
                {"--min-delta", "-1"}, {"--restore-best"}, {"--keep-best"}}) {
            String[] full = new String[args.length + 5];
            full[0] = "train";
            full[1] = "--device";
            full[2] = "cpu";
            full[3] = "--epochs";
            full[4] = "1";
            System.arraycopy(args, 0, full, 5, args.length);
            CliRunner.Result r = CliRunner.run(full);
            assertEquals(2, r.code(), String.join(" ", args) + ": " + r);
            assertEquals(1, r.err().strip().lines().count(), String.join(" ", args) + ": " + r.err());
        }
    }
}
