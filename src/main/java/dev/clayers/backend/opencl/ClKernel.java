package dev.clayers.backend.opencl;

import dev.clayers.backend.ElementOp;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Every OpenCL kernel the host launches, with the file under {@code kernels/} that defines it: the
 * one place a kernel name is spelled in Java, apart from the element ops', which their
 * {@link ElementOp} catalogue entry names with its file. {@link OpenClBackend} builds each file with
 * {@link #names(String)} and launches by constant, so a misspelt name does not compile;
 * {@code KernelNamesTest} fails the build when a declared kernel is missing from its file or a
 * kernel file defines one that nobody declares.
 */
enum ClKernel {
    GEMM_NN(Files.GEMM, "gemm_nn"),
    GEMM_NT(Files.GEMM, "gemm_nt"),
    GEMM_TN(Files.GEMM, "gemm_tn"),
    GEMM_TT(Files.GEMM, "gemm_tt"),
    GEMM_CPU(Files.GEMM_CPU, "gemm_cpu"),
    GEMM_CPU_PACK_A(Files.GEMM_CPU, "gemm_cpu_pack_a"),
    GEMM_CPU_PACK_B(Files.GEMM_CPU, "gemm_cpu_pack_b"),
    GEMM_CPU_DIRECT(Files.GEMM_CPU, "gemm_cpu_direct"),
    ADD_BIAS("bias.cl", "add_bias"),
    ADD_BIAS_RELU("bias.cl", "add_bias_relu"),
    SUM_COLUMNS_PARTIAL("reduce.cl", "sum_columns_partial"),
    SUM_COLUMNS_FINAL("reduce.cl", "sum_columns_final"),
    SUM_COLUMNS_CHUNKS("reduce.cl", "sum_columns_chunks"),
    ARGMAX_ROWS("reduce.cl", "argmax_rows"),
    COUNT_CORRECT_PARTIAL("reduce.cl", "count_correct_partial"),
    SUM_INTS_FINAL("reduce.cl", "sum_ints_final"),
    SOFTMAX_XENT_ROWS("softmax_loss.cl", "softmax_xent_rows"),
    SOFTMAX_XENT_MEAN("softmax_loss.cl", "softmax_xent_mean"),
    SOFTMAX_XENT_BACKWARD("softmax_loss.cl", "softmax_xent_backward"),
    SOFTMAX_XENT_ROWS_GRAD("softmax_loss.cl", "softmax_xent_rows_grad"),
    SOFTMAX_XENT_MEAN_SERIAL("softmax_loss.cl", "softmax_xent_mean_serial"),
    SOFTMAX_XENT_SERIAL("softmax_loss.cl", "softmax_xent_serial"),
    AXPY("optim.cl", "axpy"),
    MOMENTUM_STEP("optim.cl", "momentum_step"),
    ADAGRAD_STEP("optim.cl", "adagrad_step"),
    RMSPROP_STEP("optim.cl", "rmsprop_step"),
    ADAM_STEP("optim.cl", "adam_step"),
    FILL("memory.cl", "fill"),
    GATHER_ROWS("memory.cl", "gather_rows"),
    GATHER_INTS("memory.cl", "gather_ints"),
    DROPOUT_MASK("random.cl", "dropout_mask"),
    GATHER_ROWS_SHIFTED("random.cl", "gather_rows_shifted"),
    RANDOM_INDICES("random.cl", "random_indices"),
    IM2COL("conv.cl", "im2col"),
    COL2IM("conv.cl", "col2im"),
    TRANSPOSE_BLOCKS("conv.cl", "transpose_blocks"),
    MAX_POOL_FORWARD("pool.cl", "max_pool_forward"),
    MAX_POOL_BACKWARD("pool.cl", "max_pool_backward"),
    AVG_POOL_FORWARD("pool.cl", "avg_pool_forward"),
    AVG_POOL_BACKWARD("pool.cl", "avg_pool_backward"),
    BN_STATS("batchnorm.cl", "bn_stats"),
    BN_STATS_GROUPS("batchnorm.cl", "bn_stats_groups"),
    BN_FORWARD("batchnorm.cl", "bn_forward"),
    BN_BACKWARD_REDUCE("batchnorm.cl", "bn_backward_reduce"),
    BN_BACKWARD_REDUCE_GROUPS("batchnorm.cl", "bn_backward_reduce_groups"),
    BN_BACKWARD_DX("batchnorm.cl", "bn_backward_dx");

    /** The two gemm files: a backend builds the one its {@link KernelTunables#gemm()} variant needs, with the gemm options. */
    static final class Files {
        static final String GEMM = "gemm.cl";
        static final String GEMM_CPU = "gemm_cpu.cl";

        private Files() {}
    }

    private final String file;
    private final String kernelName;

    ClKernel(String file, String kernelName) {
        this.file = file;
        this.kernelName = kernelName;
    }

    /** The file under {@code kernels/} that defines it. */
    String file() { return file; }

    /** The name in that file ({@code __kernel void NAME}). */
    String kernelName() { return kernelName; }

    /** The tiled gemm kernel for these transposes. */
    static ClKernel gemm(boolean transA, boolean transB) {
        return transA ? (transB ? GEMM_TT : GEMM_TN) : (transB ? GEMM_NT : GEMM_NN);
    }

    /** Every kernel file, gemm's first, then in declaration order, then the catalogue's. */
    static List<String> files() {
        Set<String> out = new LinkedHashSet<>();
        for (ClKernel k : values()) out.add(k.file);
        out.addAll(ElementOp.kernelFiles());
        return List.copyOf(out);
    }

    /** Every kernel {@code file} defines: the constants here and the element ops of the catalogue. */
    static String[] names(String file) {
        return Stream.concat(Stream.of(values()).filter(k -> k.file.equals(file)).map(ClKernel::kernelName),
                Stream.of(ElementOp.values()).filter(op -> op.kernelFile().equals(file)).map(ElementOp::kernel)).toArray(String[]::new);
    }
}
