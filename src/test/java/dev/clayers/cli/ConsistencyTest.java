package dev.clayers.cli;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The same default device wherever a command picks one to run on; --book with --epochs. */
class ConsistencyTest {
    @Test
    void commandsThatRunOnADeviceDefaultToAuto() {
        for (Object command : new Object[] {new TrainCommand(), new EvalCommand(), new PredictCommand(), new VerifyCommand(),
                new TuneCommand()}) {
            CommandLine.Model.OptionSpec device = new CommandLine(command).getCommandSpec().findOption("--device");
            assertEquals("auto", device.defaultValue(), command.getClass().getSimpleName());
            assertEquals("DEVICE", device.paramLabel(), command.getClass().getSimpleName());
        }
    }

    @Test
    void bookHonoursEpochs() {
        CliRunner.Result r = CliRunner.run("train", "--book", "--epochs", "2", "--device", "cpu", "--no-progress");
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.out().contains("160 iterations sampled with replacement (80 per epoch)"), r.out());
        assertTrue(r.out().contains("epoch   2/2  iter    160"), r.out());
        assertTrue(!r.out().contains("epoch   3/"), r.out());
    }
}
