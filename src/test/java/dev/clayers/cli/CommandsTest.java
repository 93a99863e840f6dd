package dev.clayers.cli;

import com.google.gson.JsonParser;
import org.junit.jupiter.api.Test;
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
    void devicesTableListsCpu() {
        String r = run(new DevicesCommand());
        assertTrue(r.contains("\ncpu "), r);
    }

    @Test
    void verifyCpuPasses() {
        String r = run(new VerifyCommand(), "--device", "cpu", "--seed", "3");
        assertTrue(r.startsWith("0\n"), r);
        assertTrue(r.contains(", 0 failed"), r);
    }

    @Test
    void verifyUnknownDeviceFails() {
        String r = run(new VerifyCommand(), "--device", "no-such-device-xyz");
        assertTrue(!r.startsWith("0\n"), r);
    }
}
