package dev.clayers.cli;

import com.google.gson.JsonParser;
import org.junit.jupiter.api.Test;

import java.util.List;
import picocli.CommandLine;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The devices and verify commands, run through picocli as Main will register them. */
class CommandsTest {
    private static String run(Object command, String... args) {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        int code;
        PrintStream out = new PrintStream(buf, true, StandardCharsets.UTF_8);
        if (command instanceof DevicesCommand) command = new DevicesCommand(out);
        else command = new VerifyCommand(out);
        code = new CommandLine(command).execute(args);
        return code + "\n" + buf.toString(StandardCharsets.UTF_8);
    }

    @Test
    void devicesJsonIsOneArrayWithCpuFirst() {
        String r = run(new DevicesCommand(), "--json");
        assertTrue(r.startsWith("0\n"), r);
        var arr = JsonParser.parseString(r.substring(2)).getAsJsonArray();
        assertEquals("cpu", arr.get(0).getAsJsonObject().get("id").getAsString());
    }

    @Test
    void devicesTableListsCpuInPlainWordsWithinOneHundredColumns() {
        String r = run(new DevicesCommand());
        assertTrue(r.contains("\ncpu "), r);
        assertTrue(r.lines().anyMatch(l -> l.startsWith("cpu ") && l.contains(" Java ")), r);
        for (String line : r.lines().toList()) {
            assertTrue(line.length() <= 100, "over 100 columns: " + line);
            assertTrue(!line.contains("~") && !line.contains("|"), "a cut or raw cell: " + line);
        }
    }

    @Test
    void aLongNameWrapsInsteadOfBeingCut() {
        String name = "A Very Long Vendor Graphics Accelerator Device Name With Many Words In It, Revision 1234567890";
        List<String> lines = DevicesCommand.table(new String[] {"ID", "KIND", "NAME", "UNITS", "MEMORY"},
                new boolean[] {false, false, false, true, true},
                List.<String[]>of(new String[] {"opencl:0:0", "OpenCL GPU", name, "128", "24.0 GiB"}), 60, 2);
        lines.forEach(l -> assertTrue(l.length() <= 60, l));
        assertTrue(lines.size() > 2, String.join("\n", lines));
        assertTrue(String.join("\n", lines).contains("Revision"), String.join("\n", lines));
    }

    @Test
    void verifyCpuPasses() {
        String r = run(new VerifyCommand(), "--device", "cpu", "--seed", "3");
        assertTrue(r.startsWith("0\n"), r);
        assertTrue(r.contains("checks on cpu (") && r.contains("), all passed"), r);
        assertEquals(1, r.lines().filter(l -> l.contains(" checks")).count(), "one summary line: " + r);
    }

    @Test
    void verifyUnknownDeviceFails() {
        String r = run(new VerifyCommand(), "--device", "no-such-device-xyz");
        assertTrue(!r.startsWith("0\n"), r);
    }
}
