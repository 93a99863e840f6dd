package dev.clayers.backend.opencl;

import dev.clayers.backend.Verifier;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every register block the tuner may choose for the CPU-shaped gemm (each distinct CPU_RM x CPU_VW
 * of {@link Tuner#grid}, the wide AVX-512 blocks of 2 and 3 float16 vectors included) against the
 * Java reference, on the first OpenCL device: odd shapes through the unpacked kernel in all four
 * transpose cases (ragged row and column blocks, N narrower than a block, a transposed B with small
 * K), and one product large enough for the packed path. The contract tests cover only the block a
 * device uses by default; the tuner stores whichever block wins, so each must be right.
 */
class GemmVariantsTest {
    static List<String> blocks() {
        int[] d = OpenClTestSupport.firstDevice();
        Set<String> seen = new LinkedHashSet<>();
        List<String> out = new ArrayList<>();
        for (String spec : Tuner.grid(OpenClDevices.find(d[0], d[1]).info(), false)) {
            if (!spec.startsWith("GEMM=cpu")) continue;
            String block = spec.replaceAll(",CPU_WGN=.*", "");
            if (seen.add(block)) out.add(block + ",CPU_WGN=1,CPU_WGM=4");
        }
        return out;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("blocks")
    void blockMatchesTheReference(String spec) {
        int[] d = OpenClTestSupport.firstDevice();
        Random rnd = new Random(11);
        int[][] shapes = {{1, 1, 1}, {7, 33, 100}, {33, 100, 7}, {100, 10, 100}, {13, 1000, 3}, {100, 784, 33}};
        try (OpenClBackend b = OpenClBackend.open(d[0], d[1], spec); Verifier.Pair p = new Verifier.Pair(b)) {
            for (int[] s : shapes) {
                for (int t = 0; t < 4; t++) {
                    Verifier.Result r = p.gemm(rnd, (t & 1) != 0, (t & 2) != 0, s[0], s[1], s[2], 1.5f, t == 3 ? 0.5f : 0f, t == 0);
                    assertTrue(r.pass(), spec + ": " + r);
                }
            }
            // 530 x 530 x 500 = 140 M multiply-adds, past CPU_DIRECT_FLOPS: the packed kernel.
            assertTrue(DeviceProfile.CPU_DIRECT_FLOPS < 530L * 530 * 500, "the last shape must take the packed path");
            Verifier.Result r = p.gemm(rnd, true, false, 530, 530, 500, 1f, 0.25f, false);
            assertTrue(r.pass(), spec + ": " + r);
        }
    }
}
