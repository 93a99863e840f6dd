package dev.clayers.backend.opencl;

import dev.clayers.backend.DeviceInfo;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Everything that differs between OpenCL devices, decided once per device: which kernel shape it
 * runs, how many elements a work-item takes, where a serial kernel beats a parallel one, and the
 * driver's quirks. {@link OpenClBackend}, {@link KernelTunables} and {@link Tuner} read it; no other
 * code branches on the device type (as CLBlast keeps its device quirks in one place).
 *
 * @param shape             the kernel set: CPU-shaped (no local memory, chunks of elements, serial
 *                          small reductions) or GPU-shaped (tiles in local memory, one element per
 *                          work-item, parallel reductions)
 * @param natural           whether {@code shape} is the one this device would pick itself (false when
 *                          a test or a user forced the other one)
 * @param elemChunk         elements per work-item of the element-wise kernels ({@code EW_CHUNK})
 * @param serialSoftmaxRows up to this many rows a softmax + cross-entropy is one work-item and one
 *                          launch (0: never)
 * @param serialColumnSums  column sums by chunks of 16 columns and row blocks, each work-item walking its rows (sum_columns_chunks), instead of a
 *                          two-pass parallel reduction
 * @param blockingReads     read results back with blocking reads only (see {@link #forDevice})
 * @param simulator         a simulator or emulator: correct but orders of magnitude slower than the
 *                          hardware it imitates, so {@code auto} never picks it
 */
public record DeviceProfile(Shape shape, boolean natural, int elemChunk, int serialSoftmaxRows, boolean serialColumnSums,
                            boolean blockingReads, boolean simulator) {

    /** The two kernel sets. */
    public enum Shape {
        /** For CPU drivers (PoCL): register-blocked gemm, no local memory or barriers, work in chunks. */
        CPU,
        /** For GPUs and accelerators: local-memory tiled gemm, one element per work-item, tree reductions. */
        GPU;

        /** The other shape. */
        public Shape other() { return this == CPU ? GPU : CPU; }

        /** {@code cpu} or {@code gpu}, as in a device spec's {@code @cpu} / {@code @gpu} suffix. */
        public String label() { return name().toLowerCase(Locale.ROOT); }

        /** Parses {@code cpu} or {@code gpu} (any case). */
        public static Shape parse(String s) {
            for (Shape v : values()) if (v.label().equalsIgnoreCase(s.trim())) return v;
            throw new IllegalArgumentException("unknown kernel shape '" + s + "'; use cpu or gpu");
        }
    }

    public DeviceProfile {
        if (shape == null) throw new IllegalArgumentException("shape must not be null");
        if (elemChunk < 1) throw new IllegalArgumentException("elemChunk must be positive, got " + elemChunk);
        if (serialSoftmaxRows < 0) throw new IllegalArgumentException("serialSoftmaxRows must be >= 0, got " + serialSoftmaxRows);
    }

    /** Words in a device's name, vendor or version that mark a simulator or emulator. */
    /**
     * Whether the device is a simulator or emulator (Oclgrind, Intel's FPGA emulator, ...): its
     * name, vendor, OpenCL version or driver version says so.
     */
    public static boolean isSimulator(DeviceInfo info) {
        return info.kind() == DeviceInfo.Kind.SIMULATOR;
    }

    /** Whether a name (of a device, vendor or platform) marks a simulator or emulator. */
    public static boolean isSimulatorName(String text) {
        return DeviceInfo.isSimulatorName(text);
    }

    /** The shape a device picks itself: CPU for a device that reports only CPU, GPU otherwise. */
    public static Shape naturalShape(DeviceInfo info) {
        return info.type().contains("CPU") && !info.isGpuLike() ? Shape.CPU : Shape.GPU;
    }

    /** The profile of a device in the shape it picks itself. */
    public static DeviceProfile forDevice(DeviceInfo info) {
        return forDevice(info, null);
    }

    /**
     * The profile of a device; {@code forced} (null: the device's own choice) runs the other shape's
     * kernels, which is how the tests run GPU-shaped kernels on a CPU device.
     *
     * <p>CPU shape: 16 elements per work-item, where a work-item per element ran at about 1.2 ns
     * each on PoCL (ReLU 100 x 1000: 125 us, 35 us with 16); softmax serial up to 1,024 rows (one
     * launch instead of three, the loss mean included); column sums one work-item per column, which
     * reads rows in order. GPU shape: one element per work-item, everything parallel.
     *
     * <p>Oclgrind executes enqueued commands on whichever host thread waits for them, and is not
     * safe when two threads do: JOCL waits on its own thread ({@code AsyncOpThread}) for every
     * non-blocking read to keep the host buffer alive, so a non-blocking read in flight while the
     * backend waits for something else ran two kernels at once and tripped Oclgrind's assertion
     * {@code m_kernelInvocation == NULL} (Context.cpp). Simulators therefore read with blocking reads.
     */
    public static DeviceProfile forDevice(DeviceInfo info, Shape forced) {
        Shape natural = naturalShape(info);
        Shape shape = forced == null ? natural : forced;
        boolean sim = isSimulator(info);
        boolean cpu = shape == Shape.CPU;
        return new DeviceProfile(shape, shape == natural, cpu ? 16 : 1, cpu ? 1024 : 0, cpu, sim, sim);
    }

    /**
     * Up to this many multiply-adds, a CPU-shaped gemm with B as stored (or transposed with a
     * small K, see {@link #directGemmTransBK}) reads its operands in place ({@code gemm_cpu_direct},
     * one launch) instead of packing them first (three launches); above it the packed copies pay
     * for themselves. {@code -Dclayers.opencl.directFlops=0} always packs.
     */
    static final long CPU_DIRECT_FLOPS = Long.getLong("clayers.opencl.directFlops", 1L << 27);

    /** See {@link #CPU_DIRECT_FLOPS}. */
    public long directGemmFlops() { return CPU_DIRECT_FLOPS; }

    /**
     * A transposed B is read in place only up to this K: each step then gathers CPU_VW floats K
     * apart, cheap for {@code dY W2^T} (K = classes) and not for a deep layer's {@code dout W^T}.
     */
    public int directGemmTransBK() { return 32; }

    /**
     * CPU-shaped column sums ({@code sum_columns_chunks}): row blocks of at least this many rows,
     * and at most {@link #serialSumBlocks} of them: enough work-items for every core at 10,000
     * rows, and one block (no second pass) at a batch.
     */
    public int serialSumRows() { return 512; }

    /** See {@link #serialSumRows}. */
    public int serialSumBlocks() { return 16; }

    /**
     * Batch-norm statistics and gradient sums by one work-item per channel walking its values
     * (CPU shape: a work-item is a loop on a core), instead of a work-group per channel with a
     * tree reduction (GPU shape, which one work-item per channel could not fill).
     */
    public boolean serialChannelSums() { return shape == Shape.CPU; }

    /** Whether the gemm should be the register-blocked CPU kernel. */
    public boolean cpuGemm() { return shape == Shape.CPU; }

    /** One line for logs and {@code devices}: the shape and any quirks. */
    public String describe() {
        List<String> parts = new ArrayList<>();
        parts.add(shape.label() + "-shaped kernels" + (natural ? "" : " (forced)"));
        if (simulator) parts.add("simulator");
        if (blockingReads) parts.add("blocking reads");
        return String.join(", ", parts);
    }
}
