package dev.clayers.cli;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MainTest {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private PrintStream oldOut, oldErr;

    @BeforeEach
    void capture() {
        oldOut = System.out;
        oldErr = System.err;
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @AfterEach
    void restore() {
        System.setOut(oldOut);
        System.setErr(oldErr);
    }

    private String out() { return out.toString(StandardCharsets.UTF_8); }
    private String err() { return err.toString(StandardCharsets.UTF_8); }

    @Test
    void applePrintsTheBooksNumbers() {
        assertEquals(0, Main.run("apple"));
        String o = out();
        assertTrue(o.contains("price: 220"), o);
        assertTrue(o.contains("d apple 2.2, d apple_num 110, d tax 200"), o);
        assertTrue(o.contains("price: 715"), o);
        assertTrue(o.contains("d apple 2.2, d apple_num 110, d orange 3.3, d orange_num 165, d tax 650"), o);
    }

    @Test
    void gradcheckPassesAndPrintsJson() {
        assertEquals(0, Main.run("gradcheck", "--device", "cpu", "--entries", "50", "--json"));
        String o = out();
        assertTrue(o.startsWith("{") && o.contains("\"name\":\"affine1.W\"") && o.contains("\"pass\":true"), o);
    }

    @Test
    void badOptionIsOneLineAndExit2() {
        assertEquals(2, Main.run("gradcheck", "--batch", "0"));
        assertTrue(err().contains("--batch must be positive"), err());
        assertTrue(out().isEmpty());
    }

    @Test
    void unknownDeviceIsExit2() {
        assertEquals(2, Main.run("gradcheck", "--device", "no-such-device-xyz"));
        assertTrue(err().contains("no-such-device-xyz"), err());
    }

    @Test
    void helpListsCommands() {
        assertEquals(0, Main.run("--help"));
        assertTrue(out().contains("apple") && out().contains("gradcheck"), out());
    }

    @Test
    void everyCommandsHelpRendersCleanly() {
        // picocli formats descriptions with String.format: a bare % prints a warning and the raw text.
        for (String name : new picocli.CommandLine(new Main()).getSubcommands().keySet()) {
            out.reset();
            err.reset();
            assertEquals(0, Main.run(name, "--help"), name);
            assertTrue(out().contains("Usage: clayers " + name), name + ": " + out());
            assertTrue(err().isEmpty(), name + " --help wrote to stderr: " + err());
            assertTrue(!out().contains("%n"), name + ": " + out());
        }
    }

    @Test
    void everyCommandTakesVerbose() {
        assertEquals(0, Main.run("devices", "--verbose"));
        assertEquals(0, Main.run("apple", "--verbose"));
    }
}
