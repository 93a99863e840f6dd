package dev.clayers.cli;

import org.junit.jupiter.api.Test;

import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Help a person can use: grouped options, examples, one placeholder style, "did you mean" for typos. */
class HelpTest {
    @Test
    void trainHelpHasTheGroupsAndExamples() {
        CliRunner.Result r = CliRunner.run("train", "--help");
        assertEquals(0, r.code(), r.toString());
        String help = r.out();
        int at = -1;
        for (String heading : new String[] {"Data:", "Network:", "Training:", "Output:", "Device:", "General:", "Examples:"}) {
            int i = help.indexOf("\n" + heading + "\n");
            assertTrue(i > at, heading + " missing or out of order:\n" + help);
            at = i;
        }
        assertTrue(help.contains("clayers train --net conv30k5-pool2-100"), help);
        assertTrue(help.startsWith("Usage: clayers train [OPTIONS]"), help);
    }

    @Test
    void everyCommandHasExamplesAndUpperCasePlaceholders() {
        Pattern lowerPlaceholder = Pattern.compile("<[a-z][a-zA-Z-]*>|=[a-z][a-z|]*\\b");
        for (String command : new String[] {"apple", "graph", "gradcheck", "train", "eval", "predict", "export", "import", "devices",
                "verify", "bench", "tune"}) {
            CliRunner.Result r = CliRunner.run(command, "--help");
            assertEquals(0, r.code(), r.toString());
            assertTrue(r.out().contains("\nExamples:\n  clayers " + command), command + ":\n" + r.out());
            assertFalse(lowerPlaceholder.matcher(r.out()).find(), command + " has a lower-case placeholder:\n" + r.out());
        }
    }

    @Test
    void aMistypedOptionGetsTheNearestOne() {
        CliRunner.Result r = CliRunner.run("train", "--epocs", "3");
        assertEquals(2, r.code(), r.toString());
        assertTrue(r.err().contains("Did you mean --epochs?"), r.toString());
    }

    @Test
    void aMistypedCommandGetsTheNearestOne() {
        CliRunner.Result r = CliRunner.run("trian");
        assertEquals(2, r.code(), r.toString());
        assertTrue(r.err().startsWith("clayers: no command 'trian'"), r.toString());
        assertTrue(r.err().contains("Did you mean train?"), r.toString());
    }

    @Test
    void nothingCloseSuggestsNothing() {
        CliRunner.Result r = CliRunner.run("train", "--zzzzzzzz");
        assertEquals(2, r.code(), r.toString());
        assertFalse(r.err().contains("Did you mean"), r.toString());
        assertEquals(1, Main.editDistance("trian", "train"));
    }
}
