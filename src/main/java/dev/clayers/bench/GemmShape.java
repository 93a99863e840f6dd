package dev.clayers.bench;

/**
 * One gemm problem {@code C(m x n) = op(A) op(B)}: op(A) is m x k, op(B) is k x n. A is stored
 * k x m when {@code transA}, B is stored n x k when {@code transB}.
 *
 * @param label how tables name it ({@code 1024}, {@code X*W1 100x784*784x100})
 */
public record GemmShape(String label, int m, int n, int k, boolean transA, boolean transB) {
    public GemmShape {
        if (m <= 0 || n <= 0 || k <= 0) throw new IllegalArgumentException("gemm sizes must be positive, got m=" + m + " n=" + n + " k=" + k);
    }

    /** Square n x n x n, no transposes. */
    public static GemmShape square(int n) { return new GemmShape(Integer.toString(n), n, n, n, false, false); }

    public int aRows() { return transA ? k : m; }
    public int aCols() { return transA ? m : k; }
    public int bRows() { return transB ? n : k; }
    public int bCols() { return transB ? k : n; }

    /** {@code 2 m n k}: one multiply and one add per term. */
    public double flops() { return 2.0 * m * n * k; }
}
