package dev.clayers.cli;

import dev.clayers.io.AtomicFiles;
import dev.clayers.io.OutputFiles;
import dev.clayers.train.Checkpoint;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Output paths are checked before any work, and a write that fails names its file. */
class OutputPathsTest {
    /** Exit 2 before the first epoch line, one line naming the option and the path. */
    private static void refusedBeforeTraining(CliRunner.Result r, String... words) {
        assertEquals(2, r.code(), r.toString());
        assertFalse(r.out().contains("epoch"), "no epoch ran:\n" + r);
        assertEquals(1, r.err().strip().lines().count(), r.err());
        for (String w : words) assertTrue(r.err().contains(w), w + " in: " + r.err());
        assertFalse(r.err().contains("Exception"), r.err());
    }

    @ParameterizedTest
    @ValueSource(strings = {"--save", "--metrics", "--plot"})
    void aFileWhereAFolderBelongsFailsBeforeTraining(String option, @TempDir Path dir) throws IOException {
        Path afile = Files.writeString(dir.resolve("afile"), "x");
        CliRunner.Result r = CliRunner.run("train", "--device", "cpu", "--hidden", "8", "--epochs", "2", "--no-progress",
                option, afile.resolve("out").toString());
        refusedBeforeTraining(r, option, afile.toString(), "is a file");
    }

    @Test
    void aCheckpointFolderThatIsAFileFailsBeforeTraining(@TempDir Path dir) throws IOException {
        Path afile = Files.writeString(dir.resolve("afile"), "x");
        CliRunner.Result r = CliRunner.run("train", "--device", "cpu", "--hidden", "8", "--epochs", "2", "--no-progress",
                "--checkpoint-dir", afile.toString());
        refusedBeforeTraining(r, "--checkpoint-dir", afile.toString(), "not a folder");
    }

    @Test
    void aFolderAsTheModelFileFailsBeforeTraining(@TempDir Path dir) {
        CliRunner.Result r = CliRunner.run("train", "--device", "cpu", "--hidden", "8", "--epochs", "2", "--no-progress",
                "--save", dir.toString());
        refusedBeforeTraining(r, "--save", "is a folder");
    }

    @Test
    void savingOverTheCheckpointIsRejected(@TempDir Path dir) {
        CliRunner.Result r = CliRunner.run("train", "--device", "cpu", "--hidden", "8", "--epochs", "2", "--no-progress",
                "--checkpoint-dir", dir.toString(), "--save", dir.resolve(Checkpoint.FILE).toString());
        refusedBeforeTraining(r, "--save", "--checkpoint-dir", "different files");
    }

    @Test
    void benchChecksItsOutputsBeforeMeasuring(@TempDir Path dir) throws IOException {
        Path afile = Files.writeString(dir.resolve("afile"), "x");
        CliRunner.Result r = CliRunner.run("bench", "--device", "cpu", "--quick", "--only", "gemm",
                "--csv", afile.resolve("b.csv").toString());
        assertEquals(2, r.code(), r.toString());
        assertTrue(r.err().contains("--csv") && r.err().contains("is a file"), r.err());
        assertFalse(r.err().contains("opening"), "nothing measured: " + r.err());
    }

    @Test
    void staleCheckpointTempsAreRemovedWhenARunStarts(@TempDir Path dir) throws IOException {
        Path stale = Files.writeString(dir.resolve(Checkpoint.FILE + ".tmp-1a2b3c"), "half a checkpoint");
        Path other = Files.writeString(dir.resolve("notes.txt.tmp-1"), "not ours");
        CliRunner.Result r = CliRunner.run("train", "--device", "cpu", "--hidden", "8", "--epochs", "1", "--no-progress",
                "--checkpoint-dir", dir.toString());
        assertEquals(0, r.code(), r.toString());
        assertFalse(Files.exists(stale), "stale temp removed");
        assertTrue(Files.exists(other), "other files left alone");
        assertTrue(Files.isRegularFile(dir.resolve(Checkpoint.FILE)));
    }

    @Test
    void aFailedWriteNamesTheFile(@TempDir Path dir) {
        Path target = dir.resolve("m.safetensors");
        IOException e = assertThrows(IOException.class, () -> AtomicFiles.write(target, channel -> {
            throw new IOException("No space left on device");
        }));
        assertTrue(e.getMessage().contains(target.toString()) && e.getMessage().contains("No space left"), e.getMessage());
    }

    @Test
    void fileSystemErrorsAreWords(@TempDir Path dir) throws IOException {
        Path afile = Files.writeString(dir.resolve("afile"), "x");
        IOException e = assertThrows(IOException.class, () -> AtomicFiles.writeString(afile.resolve("m"), "x"));
        assertFalse(e.getMessage().contains("Exception"), e.getMessage());
        assertTrue(e.getMessage().contains(afile.toString()), e.getMessage());
        assertThrows(OutputFiles.UnwritableException.class, () -> OutputFiles.checkFile(afile.resolve("x/y"), "--json"));
    }
}
