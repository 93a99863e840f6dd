/*
 * gemm.cl: single-precision GEMM on row-major matrices,
 *     C = alpha * op(A) * op(B) + beta * C,   op(A) is M x K, op(B) is K x N, C is M x N.
 *
 * Four kernels, one per transpose combination: gemm_nn, gemm_nt, gemm_tn, gemm_tt
 * (first letter for A, second for B; t = the stored matrix is transposed).
 *
 * Tiling: each work-group computes one TSM x TSN tile of C. It walks K in steps of TSK,
 * staging a TSM x TSK slab of op(A) and a TSK x TSN slab of op(B) in local memory; each
 * work-item then accumulates a WPTM x WPTN block of C in registers. The work-group is
 * (TSN/WPTN) x (TSM/WPTM) work-items; dimension 0 runs along the columns of C so that
 * neighbouring work-items write neighbouring addresses. Work-item (tn, tm) owns the C
 * elements (tm + i*RTSM, tn + j*RTSN) of the tile (strided, so local reads are
 * conflict-free and global writes stay coalesced).
 *
 * Any M, N, K: slab loads outside the matrices read zeros, and writes outside C are
 * skipped, so the host rounds the global size up to whole tiles.
 *
 * beta == 0 ignores the old C entirely (no read), so NaN or garbage in C never propagates.
 *
 * The slab loops count with an unsigned index: with power-of-two tiles its / and % become a
 * shift and a mask; with a signed one LLVM pairs the division and remainder through a `freeze`
 * instruction, which Oclgrind's uninitialised-value checker cannot interpret.
 */

#ifndef TSM
#define TSM 64   // tile size in M (rows of C per work-group)
#endif
#ifndef TSN
#define TSN 64   // tile size in N (columns of C per work-group)
#endif
#ifndef TSK
#define TSK 16   // tile depth in K staged in local memory per step
#endif
#ifndef WPTM
#define WPTM 4   // C rows per work-item
#endif
#ifndef WPTN
#define WPTN 4   // C columns per work-item
#endif

#define RTSM (TSM / WPTM)   // work-items along M
#define RTSN (TSN / WPTN)   // work-items along N

#if (TSM % WPTM) != 0 || (TSN % WPTN) != 0
#error "TSM must be a multiple of WPTM and TSN a multiple of WPTN"
#endif

/*
 * The body shared by the four kernels. TA/TB are compile-time constants, so each
 * instantiation keeps only its own addressing. lda/ldb are the row strides of the stored
 * (untransposed) matrices: A is M x K (lda = K) or K x M (lda = M) when transposed.
 */
#define GEMM_BODY(TA, TB)                                                                   \
    const int tn = get_local_id(0);                                                         \
    const int tm = get_local_id(1);                                                         \
    const int tid = tm * RTSN + tn;                                                         \
    const int nthreads = RTSM * RTSN;                                                       \
    const int row0 = get_group_id(1) * TSM;                                                 \
    const int col0 = get_group_id(0) * TSN;                                                 \
    const int lda = TA ? M : K;                                                             \
    const int ldb = TB ? K : N;                                                             \
    __local float asub[TSK][TSM];                                                           \
    __local float bsub[TSK][TSN];                                                           \
    float acc[WPTM][WPTN];                                                                  \
    for (int i = 0; i < WPTM; i++)                                                          \
        for (int j = 0; j < WPTN; j++) acc[i][j] = 0.0f;                                    \
    for (int k0 = 0; k0 < K; k0 += TSK) {                                                   \
        /* Stage op(A)[row0.., k0..]: consecutive work-items read consecutive addresses. */ \
        for (uint e = tid; e < TSM * TSK; e += nthreads) {                                  \
            int kk, mm;                                                                     \
            if (TA) { mm = e % TSM; kk = e / TSM; } else { kk = e % TSK; mm = e / TSK; }    \
            const int gm = row0 + mm, gk = k0 + kk;                                         \
            float v = 0.0f;                                                                 \
            if (gm < M && gk < K) v = TA ? a[(size_t) gk * lda + gm]                        \
                                         : a[(size_t) gm * lda + gk];                       \
            asub[kk][mm] = v;                                                               \
        }                                                                                   \
        /* Stage op(B)[k0.., col0..]. */                                                    \
        for (uint e = tid; e < TSK * TSN; e += nthreads) {                                  \
            int kk, nn;                                                                     \
            if (TB) { kk = e % TSK; nn = e / TSK; } else { nn = e % TSN; kk = e / TSN; }    \
            const int gk = k0 + kk, gn = col0 + nn;                                         \
            float v = 0.0f;                                                                 \
            if (gk < K && gn < N) v = TB ? b[(size_t) gn * ldb + gk]                        \
                                         : b[(size_t) gk * ldb + gn];                       \
            bsub[kk][nn] = v;                                                               \
        }                                                                                   \
        barrier(CLK_LOCAL_MEM_FENCE);                                                       \
        for (int kk = 0; kk < TSK; kk++) {                                                  \
            float breg[WPTN];                                                               \
            for (int j = 0; j < WPTN; j++) breg[j] = bsub[kk][tn + j * RTSN];               \
            for (int i = 0; i < WPTM; i++) {                                                \
                const float av = asub[kk][tm + i * RTSM];                                   \
                for (int j = 0; j < WPTN; j++) acc[i][j] = mad(av, breg[j], acc[i][j]);     \
            }                                                                               \
        }                                                                                   \
        barrier(CLK_LOCAL_MEM_FENCE);                                                       \
    }                                                                                       \
    for (int i = 0; i < WPTM; i++) {                                                        \
        const int gm = row0 + tm + i * RTSM;                                                \
        if (gm >= M) continue;                                                              \
        for (int j = 0; j < WPTN; j++) {                                                    \
            const int gn = col0 + tn + j * RTSN;                                            \
            if (gn >= N) continue;                                                          \
            const size_t at = (size_t) gm * N + gn;                                         \
            c[at] = beta == 0.0f ? alpha * acc[i][j] : alpha * acc[i][j] + beta * c[at];    \
        }                                                                                   \
    }

#define GEMM_ARGS const int M, const int N, const int K, const float alpha,                \
                  __global const float *restrict a, __global const float *restrict b,       \
                  const float beta, __global float *restrict c

__kernel __attribute__((reqd_work_group_size(RTSN, RTSM, 1)))
void gemm_nn(GEMM_ARGS) { GEMM_BODY(0, 0) }

__kernel __attribute__((reqd_work_group_size(RTSN, RTSM, 1)))
void gemm_nt(GEMM_ARGS) { GEMM_BODY(0, 1) }

__kernel __attribute__((reqd_work_group_size(RTSN, RTSM, 1)))
void gemm_tn(GEMM_ARGS) { GEMM_BODY(1, 0) }

__kernel __attribute__((reqd_work_group_size(RTSN, RTSM, 1)))
void gemm_tt(GEMM_ARGS) { GEMM_BODY(1, 1) }
