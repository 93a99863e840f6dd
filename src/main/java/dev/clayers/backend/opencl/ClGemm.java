package dev.clayers.backend.opencl;

import org.jocl.cl_mem;

/**
 * The gemm of an OpenCL backend, on either kernel set: the local-memory tiled kernels of
 * {@code gemm.cl} (GPU-shaped) or the register-blocked ones of {@code gemm_cpu.cl} (CPU-shaped),
 * which read small products in place and pack larger ones into zero-padded panels first (in
 * {@link GrowingBuffer}s it owns, so steady state allocates nothing). Which one and its sizes come
 * from {@link KernelTunables}; where the in-place read stops, from {@link DeviceProfile}. Not
 * thread-safe, as its backend.
 */
final class ClGemm implements AutoCloseable {
    /** How the backend enqueues a kernel: arguments are cl_mem, Integer or Float. */
    @FunctionalInterface
    interface Launcher {
        void launch(ClKernel kernel, long[] global, long[] local, Object... args);
    }

    private final KernelTunables tunables;
    private final DeviceProfile profile;
    private final Launcher launcher;
    /** CPU gemm: k-major, zero-padded copy of op(A). */
    private final GrowingBuffer packA;
    /** CPU gemm: zero-padded copy of op(B). */
    private final GrowingBuffer packB;

    ClGemm(KernelTunables tunables, DeviceProfile profile, GrowingBuffer.Allocator allocator, Launcher launcher) {
        this.tunables = tunables;
        this.profile = profile;
        this.launcher = launcher;
        this.packA = new GrowingBuffer("the gemm copy of A", allocator);
        this.packB = new GrowingBuffer("the gemm copy of B", allocator);
    }

    /** {@code C = alpha * op(A) * op(B) + beta * C}, shapes already checked: op(A) m x k, op(B) k x n. */
    void gemm(boolean transA, boolean transB, int m, int n, int k, float alpha, cl_mem a, cl_mem b, float beta, cl_mem c) {
        if (tunables.gemm() == KernelTunables.GemmVariant.CPU) {
            cpuGemm(transA, transB, m, n, k, alpha, a, b, beta, c);
            return;
        }
        int rtsn = tunables.tsn() / tunables.wptn();
        int rtsm = tunables.tsm() / tunables.wptm();
        long[] global = {(long) ((n + tunables.tsn() - 1) / tunables.tsn()) * rtsn, (long) ((m + tunables.tsm() - 1) / tunables.tsm()) * rtsm};
        launcher.launch(ClKernel.gemm(transA, transB), global, new long[] {rtsn, rtsm}, m, n, k, alpha, a, b, beta, c);
    }

    /**
     * The register-blocked gemm ({@code gemm_cpu.cl}): small products with B as stored run
     * {@code gemm_cpu_direct} on the operands in place; otherwise op(A) and op(B) are copied into
     * zero-padded panels, then one launch of {@code gemm_cpu}.
     */
    private void cpuGemm(boolean transA, boolean transB, int m, int n, int k, float alpha, cl_mem a, cl_mem b, float beta, cl_mem c) {
        int rm = tunables.cpuRm(), vw = tunables.cpuVw();
        int panelsA = (m + rm - 1) / rm, panelsB = (n + vw - 1) / vw;
        int wgn = tunables.cpuWgn(), wgm = tunables.cpuWgm(), dwgm = tunables.cpuDwgm();
        if ((!transB || k <= profile.directGemmTransBK()) && (long) m * n * k <= profile.directGemmFlops()) {
            launcher.launch(ClKernel.GEMM_CPU_DIRECT, new long[] {roundUp(panelsB, wgn), roundUp(panelsA, dwgm)}, new long[] {wgn, dwgm},
                    m, n, k, alpha, transA ? 1 : 0, transB ? 1 : 0, a, b, beta, c);
            return;
        }
        long[] global = {roundUp(panelsB, wgn), roundUp(panelsA, wgm)};
        cl_mem ap = packA.atLeast((long) panelsA * rm * k);
        cl_mem bp = packB.atLeast((long) panelsB * vw * k);
        launcher.launch(ClKernel.GEMM_CPU_PACK_A, new long[] {k, panelsA}, null, m, k, panelsA, transA ? 1 : 0, a, ap);
        launcher.launch(ClKernel.GEMM_CPU_PACK_B, new long[] {k, panelsB}, null, n, k, panelsB, transB ? 1 : 0, b, bp);
        launcher.launch(ClKernel.GEMM_CPU, global, new long[] {wgn, wgm}, m, n, k, alpha, ap, bp, beta, c);
    }

    private static long roundUp(long n, long multiple) { return (n + multiple - 1) / multiple * multiple; }

    @Override
    public void close() {
        packA.close();
        packB.close();
    }
}
