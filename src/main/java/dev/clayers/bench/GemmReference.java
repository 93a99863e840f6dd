package dev.clayers.bench;

import dev.clayers.backend.Matrix;
import dev.clayers.backend.cpu.CpuBackend;

/** What a device's gemm result is compared with before it is timed. */
@FunctionalInterface
public interface GemmReference {
    /** {@code op(A) op(B)} for host data laid out as {@code shape} says; m x n row-major. */
    float[] multiply(GemmShape shape, float[] a, float[] b);

    /** The Java reference backend, as in {@code clayers verify}. */
    static GemmReference cpu() {
        return (s, a, b) -> {
            try (CpuBackend cpu = new CpuBackend();
                 Matrix ma = cpu.upload(a, s.aRows(), s.aCols());
                 Matrix mb = cpu.upload(b, s.bRows(), s.bCols());
                 Matrix c = cpu.alloc(s.m(), s.n())) {
                cpu.gemm(s.transA(), s.transB(), 1f, ma, mb, 0f, c);
                return cpu.download(c);
            }
        };
    }
}
