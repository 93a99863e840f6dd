package dev.clayers.bench;

import dev.clayers.backend.Backend;

/**
 * One thing to time on each device.
 *
 * @param workload    which table it belongs to (and its unit)
 * @param name        the row label, shape included ({@code addBias 100x100})
 * @param workPerCall flops, bytes or samples that one {@link Run#call()} processes
 * @param setup       allocates the case's buffers on a device
 * @param gemm        for gemm cases the shape that is checked against the reference before
 *                    timing; {@code null} for other workloads
 */
public record BenchCase(Workload workload, String name, double workPerCall, Setup setup, GemmShape gemm) {
    public BenchCase {
        if (!(workPerCall > 0)) throw new IllegalArgumentException(name + ": work per call must be positive, got " + workPerCall);
    }

    public BenchCase(Workload workload, String name, double workPerCall, Setup setup) {
        this(workload, name, workPerCall, setup, null);
    }

    /** Allocates a case's inputs and outputs on one device. */
    @FunctionalInterface
    public interface Setup {
        Run prepare(Backend backend);
    }

    /** A prepared case: {@link #call()} enqueues one unit of work; close releases its buffers. */
    public interface Run extends AutoCloseable {
        void call();

        @Override
        void close();
    }
}
