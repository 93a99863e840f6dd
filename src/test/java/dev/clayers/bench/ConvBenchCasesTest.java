package dev.clayers.bench;

import dev.clayers.backend.cpu.CpuBackend;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The conv train-step case runs, reports samples/s and releases its buffers; the book's net is in the standard set. */
class ConvBenchCasesTest {

    @Test
    void convTrainStepRunsAndCleansUp() {
        BenchCase c = ConvBenchCases.trainStep("conv2k3-pool2-8", 4);
        assertEquals("conv2k3-pool2-8 batch 4", c.name());
        assertEquals(Workload.TRAIN, c.workload());
        try (CpuBackend cpu = new CpuBackend()) {
            BenchReport r = Bench.run(List.of(new Bench.Opened(cpu, 0.5)), List.of(c), new BenchSettings(1, 0, 0, 0, 0, false),
                    GemmReference.cpu(), new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
            assertTrue(r.results().get(0).median() > 0, r.results().toString());
            assertEquals(0, cpu.liveBuffers(), "the case closes its buffers");
        }
        assertTrue(BenchCases.standard(true).stream().anyMatch(b -> b.name().equals("conv30k5-pool2-100 batch 100")));
    }
}
