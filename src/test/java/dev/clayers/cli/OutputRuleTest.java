package dev.clayers.cli;

import dev.clayers.io.AtomicFiles;
import dev.clayers.io.OutputFiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * One output rule for every command ({@link OutputFiles#check}): an existing target must be a
 * regular file, not a device, FIFO, folder or link; no empty path; no two outputs (or an output and
 * an input) naming one file. Special files are made in a temp folder, never the system's own: a
 * regression must not replace {@code /dev/null} on the machine running the tests.
 */
class OutputRuleTest {
    /** Exit 2, one line naming the words, nothing written. */
    static void refused(CliRunner.Result r, String... words) {
        assertEquals(2, r.code(), r.toString());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        for (String w : words) assertTrue(r.err().contains(w), w + " in: " + r.err());
        assertFalse(r.err().contains("Exception"), r.err());
        assertFalse(r.err().contains("wrote"), r.err());
    }

    /** A FIFO made with mkfifo; the test is skipped where there is none. */
    static Path fifo(Path dir, String name) throws Exception {
        Path f = dir.resolve(name);
        int rc;
        try {
            rc = new ProcessBuilder("mkfifo", f.toString()).inheritIO().start().waitFor();
        } catch (IOException e) {
            rc = -1;
        }
        assumeTrue(rc == 0, "mkfifo is needed");
        return f;
    }

    private static boolean isFifo(Path p) throws IOException {
        return ((Integer) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS) & 0170000) == 0010000;
    }

    @ParameterizedTest
    @ValueSource(strings = {"--png", "--svg", "--dot"})
    void graphLeavesAFifoAlone(String option, @TempDir Path dir) throws Exception {
        Path f = fifo(dir, "out");
        refused(CliRunner.run("graph", "apple", option, f.toString()), option, "FIFO");
        assertTrue(isFifo(f), "still a FIFO");
    }

    @ParameterizedTest
    @ValueSource(strings = {"--png", "--svg", "--dot"})
    void graphLeavesALinkToDevNullAlone(String option, @TempDir Path dir) throws Exception {
        Path link = Files.createSymbolicLink(dir.resolve("null"), Path.of("/dev/null"));
        refused(CliRunner.run("graph", "apple", option, link.toString()), option, "symbolic link", "/dev/null");
        assertTrue(Files.isSymbolicLink(link), "still a link");
    }

    @Test
    void graphLeavesACharacterDeviceAlone(@TempDir Path dir) throws Exception {
        // A copy of /dev/null's node in the temp folder (root only): the real one is never at risk.
        Path dev = dir.resolve("null");
        int rc;
        try {
            rc = new ProcessBuilder("mknod", dev.toString(), "c", "1", "3").start().waitFor();
        } catch (IOException e) {
            rc = -1;
        }
        assumeTrue(rc == 0, "mknod needs root");
        refused(CliRunner.run("graph", "apple", "--png", dev.toString()), "--png", "character device");
        assertFalse(Files.isRegularFile(dev, LinkOption.NOFOLLOW_LINKS), "still a device");
    }

    @ParameterizedTest
    @ValueSource(strings = {"/dev/null", "/dev/full", "/dev/stdout", "/dev/zero"})
    void systemSpecialFilesAreRefusedByTheCheck(String path) {
        // The check alone (it never writes), so a failure here cannot touch the device.
        assumeTrue(Files.exists(Path.of(path), LinkOption.NOFOLLOW_LINKS));
        OutputFiles.UnwritableException e = assertThrows(OutputFiles.UnwritableException.class,
                () -> OutputFiles.checkFile(Path.of(path), "--png"));
        assertTrue(e.getMessage().contains(path), e.getMessage());
    }

    @Test
    void graphRefusesAnEmptyPath(@TempDir Path dir) {
        refused(CliRunner.run("graph", "apple", "--png", ""), "--png is empty");
    }

    @Test
    void graphRefusesAnEmptyFolderAsTheOutput(@TempDir Path dir) throws IOException {
        Path folder = Files.createDirectory(dir.resolve("empty"));
        refused(CliRunner.run("graph", "apple", "--svg", folder.toString()), "--svg", "folder");
        assertTrue(Files.isDirectory(folder));
    }

    @Test
    void graphRefusesTwoOutputsAtOneFile(@TempDir Path dir) throws IOException {
        Path x = dir.resolve("x");
        refused(CliRunner.run("graph", "apple", "--png", x.toString(), "--svg", x.toString()), "--png", "--svg", "different files");
        assertFalse(Files.exists(x));
        // The same file by another spelling: through a linked folder and a "..".
        Path sub = Files.createDirectory(dir.resolve("sub"));
        Path linked = Files.createSymbolicLink(dir.resolve("linked"), sub);
        refused(CliRunner.run("graph", "apple", "--png", sub.resolve("y").toString(),
                "--dot", linked.resolve("../sub/./y").toString()), "--png", "--dot", "different files");
    }

    @Test
    void graphDoesNotWriteOverItsModel(@TempDir Path dir) throws IOException {
        Path m = HostileInputTest.model(dir);
        byte[] before = Files.readAllBytes(m);
        refused(CliRunner.run("graph", "--model", m.toString(), "--png", m.toString()), "--png", "--model", "input");
        assertTrue(java.util.Arrays.equals(before, Files.readAllBytes(m)), "the model is untouched");
    }

    @Test
    void graphWritesARegularFileAsBefore(@TempDir Path dir) throws IOException {
        Path png = Files.writeString(dir.resolve("a.png"), "old");
        CliRunner.Result r = CliRunner.run("graph", "apple", "--png", png.toString(), "--dot", dir.resolve("a.dot").toString());
        assertEquals(0, r.code(), r.toString());
        assertTrue(Files.size(png) > 100 && Files.isRegularFile(dir.resolve("a.dot")));
    }

    @Test
    void trainAndBenchRefuseAFifoBeforeWork(@TempDir Path dir) throws Exception {
        Path f = fifo(dir, "out");
        CliRunner.Result t = CliRunner.run("train", "--device", "cpu", "--hidden", "8", "--epochs", "1", "--no-progress",
                "--save", f.toString());
        refused(t, "--save", "FIFO");
        assertFalse(t.out().contains("epoch"), t.toString());
        refused(CliRunner.run("bench", "--device", "cpu", "--quick", "--only", "gemm", "--json", f.toString()), "--json", "FIFO");
        assertTrue(isFifo(f));
    }

    @Test
    void trainRefusesAnEmptyCheckpointFolder() {
        // Path.of("") is the working folder: the run wrote its checkpoint there.
        CliRunner.Result t = CliRunner.run("train", "--device", "cpu", "--hidden", "8", "--epochs", "1", "--no-progress",
                "--checkpoint-dir", "");
        refused(t, "--checkpoint-dir is empty");
        assertFalse(Files.exists(Path.of(dev.clayers.train.Checkpoint.FILE)));
    }

    @Test
    void trainRefusesAFifoWhereTheCheckpointGoes(@TempDir Path dir) throws Exception {
        fifo(dir, dev.clayers.train.Checkpoint.FILE);
        CliRunner.Result t = CliRunner.run("train", "--device", "cpu", "--hidden", "8", "--epochs", "1", "--no-progress",
                "--checkpoint-dir", dir.toString());
        refused(t, "checkpoint", "FIFO");
    }

    @Test
    void atomicWritesNeverReplaceASpecialFile(@TempDir Path dir) throws Exception {
        Path f = fifo(dir, "cache.json");
        IOException e = assertThrows(IOException.class, () -> AtomicFiles.writeString(f, "{}"));
        assertTrue(e.getMessage().contains("FIFO"), e.getMessage());
        assertTrue(isFifo(f));
        Path link = Files.createSymbolicLink(dir.resolve("link"), Path.of("/dev/null"));
        assertThrows(IOException.class, () -> AtomicFiles.writeString(link, "{}"));
        assertTrue(Files.isSymbolicLink(link));
        Path folder = Files.createDirectory(dir.resolve("folder"));
        assertThrows(IOException.class, () -> AtomicFiles.writeString(folder, "{}"));
        assertTrue(Files.isDirectory(folder));
        try (var left = Files.list(dir)) {
            assertTrue(left.noneMatch(p -> p.getFileName().toString().contains(".tmp-")), "no temp file left");
        }
    }
}
