/*
 * gemm_cpu.cl: single-precision GEMM shaped for CPU OpenCL devices (PoCL, Intel CPU runtime),
 *     C = alpha * op(A) * op(B) + beta * C,   op(A) is M x K, op(B) is K x N, C is M x N,
 * all row-major. The host picks this file instead of gemm.cl for devices of type CPU.
 *
 * Why a second kernel: a CPU driver runs a work-group as loops over its work-items, and local
 * memory plus barriers force it to split those loops (and spill the private state of every
 * work-item between them). So here there is no local memory and no barrier. Instead each
 * work-item is a BLIS-style micro-kernel: it keeps a CPU_RM x CPU_VW block of C in registers
 * (CPU_RM vectors of CPU_VW floats) and walks all of K; per step it loads CPU_VW contiguous
 * floats of one row of op(B), broadcasts CPU_RM floats of one column of op(A), and does CPU_RM
 * vector FMAs. Both streams are unit stride because the micro-kernel reads panel copies made
 * by two small kernels just before it (BLIS's packing):
 *
 *   gemm_cpu_pack_a: op(A) in panels of CPU_RM rows, each k-major  (the CPU_RM values a step
 *                    broadcasts are adjacent, and a panel is one sequential stream)
 *   gemm_cpu_pack_b: op(B) in panels of CPU_VW columns, each row-major (a step's vector is
 *                    adjacent to the next step's)
 *
 * Packing also removes the other costs of reading the matrices in place: a row stride of a
 * power of two (1024, 2048 floats) maps every step of K to the same L1 set, and a transposed
 * operand would be read with a large stride. The copies are zero-padded to whole panels, so the
 * micro-kernel never tests bounds while it accumulates; only the store of the last row/column
 * blocks is guarded. Copies cost O(MK + KN) against the O(MNK) product.
 *
 * Mapping: work-item (x, y) owns C rows y*CPU_RM .. +CPU_RM and columns x*CPU_VW .. +CPU_VW.
 * A work-group is CPU_WGN x CPU_WGM work-items (dimension 0 along N); the driver runs the
 * work-items of a group one after another on one core, so a group with CPU_WGN = 1 reuses one
 * K x CPU_VW panel of op(B) (in L2) for CPU_WGM row blocks. The host rounds the global size up
 * to whole work-groups; work-items past the matrix return at once.
 *
 * beta == 0 ignores the old C entirely (no read), so NaN or garbage in C never propagates.
 */

#ifndef CPU_RM
#define CPU_RM 6     // rows of C per work-item (register block height)
#endif
#ifndef CPU_VW
#define CPU_VW 16    // columns of C per work-item: 4, 8, 16 (one vector), 32 or 48 (float16 x 2 or 3)
#endif
#ifndef CPU_WGN
#define CPU_WGN 1    // work-items per work-group along N
#endif
#ifndef CPU_WGM
#define CPU_WGM 16   // work-items per work-group along M
#endif
#ifndef CPU_DWGM
#define CPU_DWGM 2   // the same for gemm_cpu_direct (small products: few row blocks to spread)
#endif

/*
 * CPU_VW up to 16 is one vector; 32 and 48 are two or three float16 vectors side by side, for
 * AVX-512's 32 registers: 8 rows x 3 vectors is 24 accumulators, and each step of K then loads
 * 3 vectors of B and broadcasts 8 values of A for 24 FMAs, where 6 x 16 loads 7 for 6.
 */
#if CPU_VW == 4
#define CPU_VEC 4
#define floatv float4
#define vloadv vload4
#define vstorev vstore4
#elif CPU_VW == 8
#define CPU_VEC 8
#define floatv float8
#define vloadv vload8
#define vstorev vstore8
#elif CPU_VW == 16 || CPU_VW == 32 || CPU_VW == 48
#define CPU_VEC 16
#define floatv float16
#define vloadv vload16
#define vstorev vstore16
#else
#error "CPU_VW must be 4, 8, 16, 32 or 48"
#endif
#define CPU_NV (CPU_VW / CPU_VEC)   // vectors per row of a work-item's block

/* X(r, v) for each vector v of row r. */
#if CPU_NV == 1
#define PER_V(X, r) X(r, 0)
#elif CPU_NV == 2
#define PER_V(X, r) X(r, 0) X(r, 1)
#else
#define PER_V(X, r) X(r, 0) X(r, 1) X(r, 2)
#endif
#define BV_LOAD1(r, v) const floatv bv##v = vloadv(v, bq);
#define BV_LOAD1T(r, v) const floatv bv##v = vloadv(v, t);

/*
 * ap: op(A) cut into panels of CPU_RM rows, each panel k-major:
 *     ap[(i / CPU_RM) * K * CPU_RM + k * CPU_RM + i % CPU_RM] = op(A)[i][k], zero for i >= M.
 * Work-item (k, p) writes the CPU_RM contiguous floats of panel p at step k, so every store is
 * a whole run (one element per work-item scattered 4-byte stores CPU_RM floats apart); neighbours
 * along k read neighbouring floats of each row when A is stored as is (M x K), and each
 * work-item reads CPU_RM contiguous floats when A is stored transposed (K x M).
 */
__kernel void gemm_cpu_pack_a(const int M, const int K, const int panels, const int trans_a,
                              __global const float *restrict a, __global float *restrict ap) {
    const int k = get_global_id(0);
    const int p = get_global_id(1);
    if (k >= K || p >= panels) return;
    __global float *restrict dst = ap + ((size_t) p * K + k) * CPU_RM;
    const int i0 = p * CPU_RM;
    for (int r = 0; r < CPU_RM; r++) {
        const int i = i0 + r;
        dst[r] = i >= M ? 0.0f : trans_a ? a[(size_t) k * M + i] : a[(size_t) i * K + k];
    }
}

/*
 * bp: op(B) cut into panels of CPU_VW columns, each panel row-major (K x CPU_VW):
 *     bp[(j / CPU_VW) * K * CPU_VW + k * CPU_VW + j % CPU_VW] = op(B)[k][j], zero for j >= N.
 * Work-item (k, q) writes row k of panel q: a vector copy of CPU_VW contiguous floats when B is
 * stored as is (K x N) and the panel lies inside it; otherwise (the ragged last panel, or B
 * stored transposed, N x K, read CPU_VW floats K apart) one float at a time.
 */
__kernel void gemm_cpu_pack_b(const int N, const int K, const int panels, const int trans_b,
                              __global const float *restrict b, __global float *restrict bp) {
    const int k = get_global_id(0);
    const int q = get_global_id(1);
    if (k >= K || q >= panels) return;
    __global float *restrict dst = bp + ((size_t) q * K + k) * CPU_VW;
    const int j0 = q * CPU_VW;
    if (!trans_b && j0 + CPU_VW <= N) {
        const __global float *src = b + (size_t) k * N + j0;
        for (int v = 0; v < CPU_NV; v++) vstorev(vloadv(v, src), v, dst);
    } else {
        for (int j = 0; j < CPU_VW; j++) {
            const int col = j0 + j;
            dst[j] = col >= N ? 0.0f : trans_b ? b[(size_t) col * K + k] : b[(size_t) k * N + col];
        }
    }
}

/*
 * The CPU_RM accumulators are separate variables, written out by REP below: kept in a private
 * array, they stay in memory (the compiler does not unroll the row loop inside the driver's
 * work-item loops), and every FMA then also loads and stores.
 */
#define REP1(X) X(0)
#define REP2(X) REP1(X) X(1)
#define REP3(X) REP2(X) X(2)
#define REP4(X) REP3(X) X(3)
#define REP5(X) REP4(X) X(4)
#define REP6(X) REP5(X) X(5)
#define REP7(X) REP6(X) X(6)
#define REP8(X) REP7(X) X(7)
#define REP9(X) REP8(X) X(8)
#define REP10(X) REP9(X) X(9)
#define REP11(X) REP10(X) X(10)
#define REP12(X) REP11(X) X(11)
#define REP13(X) REP12(X) X(12)
#define REP14(X) REP13(X) X(13)
#define REP15(X) REP14(X) X(14)
#define REP16(X) REP15(X) X(15)
#define REP_(n, X) REP##n(X)
#define REP(n, X) REP_(n, X)

#if CPU_RM < 1 || CPU_RM > 16
#error "CPU_RM must be 1..16"
#endif

/* Row i0 + r of C: cols = how many of the CPU_VW columns lie inside C. */
inline void gemm_cpu_store(__global float *restrict cr, const floatv acc, const int cols, const float alpha,
                           const float beta) {
    floatv v = alpha * acc;
    if (cols >= CPU_VEC) {
        if (beta != 0.0f) v = fma((floatv) (beta), vloadv(0, cr), v);
        vstorev(v, 0, cr);
    } else {
        float t[CPU_VEC];
        vstorev(v, 0, t);
        for (int j = 0; j < cols; j++) cr[j] = beta == 0.0f ? t[j] : t[j] + beta * cr[j];
    }
}

#define ACC_DECL1(r, v) floatv acc##r##_##v = (floatv) (0.0f);
#define ACC_DECL(r) PER_V(ACC_DECL1, r)
#define ACC_FMA1(r, v) acc##r##_##v = fma(ar, bv##v, acc##r##_##v);
#define ACC_STEP(r) { const floatv ar = (floatv) (aq[r]); PER_V(ACC_FMA1, r) }
#define ACC_STORE1(r, v) gemm_cpu_store(c + (size_t) (i0 + r) * N + j0 + v * CPU_VEC, acc##r##_##v, N - j0 - v * CPU_VEC, alpha, beta);
#define ACC_STORE(r) if (i0 + r < M) { PER_V(ACC_STORE1, r) }

/* C = alpha * op(A) * op(B) + beta * C from the panel copies ap and bp. */
__kernel __attribute__((reqd_work_group_size(CPU_WGN, CPU_WGM, 1)))
void gemm_cpu(const int M, const int N, const int K, const float alpha,
              __global const float *restrict ap, __global const float *restrict bp,
              const float beta, __global float *restrict c) {
    const int j0 = get_global_id(0) * CPU_VW;
    const int i0 = get_global_id(1) * CPU_RM;
    if (j0 >= N || i0 >= M) return;
    REP(CPU_RM, ACC_DECL)
    const __global float *aq = ap + (size_t) get_global_id(1) * K * CPU_RM;
    const __global float *bq = bp + (size_t) get_global_id(0) * K * CPU_VW;
    for (int k = 0; k < K; k++) {
        PER_V(BV_LOAD1, 0)
        REP(CPU_RM, ACC_STEP)
        aq += CPU_RM;
        bq += CPU_VW;
    }
    REP(CPU_RM, ACC_STORE)
}

/*
 * gemm_cpu_direct: the same micro-kernel reading op(A) and B where they lie (no pack launches),
 * for B as stored (or transposed, when K is small). At a training step's sizes (100 x 784 x 100) the two pack launches cost
 * more than the product; large products keep the packed path, whose copies also avoid the L1
 * set conflicts of power-of-two row strides.
 *
 * op(A)(i, k) = a[ao_i + k * a_step]: a_step = 1 and ao_i = i * K for A as stored (M x K),
 * a_step = M and ao_i = i for A transposed (K x M). Edges need no test inside the K loop: rows
 * past M read row M - 1 (their results are never stored), and the last column block is shifted
 * left to end at column N, so its vector loads stay inside the row; it recomputes columns the
 * block before it owns and stores only its own. A B narrower than CPU_VW (h * W2 with 10
 * classes), and a transposed B (taken only when K is small, as in dY * W2^T), are read a scalar
 * at a time into a zero-padded vector.
 */
/* Columns [from, to) of one vector's CPU_VEC columns at cr (a range outside 0..CPU_VEC stores nothing). */
inline void gemm_cpu_store_range(__global float *restrict cr, const floatv acc, const int from, const int to,
                                 const float alpha, const float beta) {
    floatv v = alpha * acc;
    if (from <= 0 && to >= CPU_VEC) {
        if (beta != 0.0f) v = fma((floatv) (beta), vloadv(0, cr), v);
        vstorev(v, 0, cr);
    } else {
        float t[CPU_VEC];
        vstorev(v, 0, t);
        for (int j = max(from, 0); j < min(to, CPU_VEC); j++) cr[j] = beta == 0.0f ? t[j] : t[j] + beta * cr[j];
    }
}

#define AOFF_DECL(r) const size_t ao##r = (size_t) min(i0 + r, M - 1) * a_row;
#define ACC_STEP_D(r) { const floatv ar = (floatv) (aq[ao##r]); PER_V(ACC_FMA1, r) }
#define ACC_STORE_D1(r, v) gemm_cpu_store_range(c + (size_t) (i0 + r) * N + j0 + v * CPU_VEC, acc##r##_##v, \
                                                own - j0 - v * CPU_VEC, min(CPU_VW, N - j0) - v * CPU_VEC, alpha, beta);
#define ACC_STORE_D(r) if (i0 + r < M) { PER_V(ACC_STORE_D1, r) }

__kernel __attribute__((reqd_work_group_size(CPU_WGN, CPU_DWGM, 1)))
void gemm_cpu_direct(const int M, const int N, const int K, const float alpha, const int trans_a, const int trans_b,
                     __global const float *restrict a, __global const float *restrict b,
                     const float beta, __global float *restrict c) {
    const int own = get_global_id(0) * CPU_VW;
    const int i0 = get_global_id(1) * CPU_RM;
    if (own >= N || i0 >= M) return;
    const int j0 = max(0, min(own, N - CPU_VW));
    const int a_row = trans_a ? 1 : K;
    const int a_step = trans_a ? M : 1;
    REP(CPU_RM, AOFF_DECL)
    REP(CPU_RM, ACC_DECL)
    const __global float *aq = a;
    if (!trans_b && N >= CPU_VW) {
        const __global float *bq = b + j0;
        for (int k = 0; k < K; k++) {
            PER_V(BV_LOAD1, 0)
            REP(CPU_RM, ACC_STEP_D)
            aq += a_step;
            bq += N;
        }
    } else {
        // op(B)(k, j) = b[k * b_row + j * b_col], gathered a scalar at a time into a padded vector.
        const int b_row = trans_b ? 1 : N;
        const int b_col = trans_b ? K : 1;
        const int cols = min(CPU_VW, N - j0);
        const __global float *bq = b + (size_t) j0 * b_col;
        float t[CPU_VW];
        for (int j = 0; j < CPU_VW; j++) t[j] = 0.0f;
        for (int k = 0; k < K; k++) {
            for (int j = 0; j < cols; j++) t[j] = bq[(size_t) j * b_col];
            PER_V(BV_LOAD1T, 0)
            REP(CPU_RM, ACC_STEP_D)
            aq += a_step;
            bq += b_row;
        }
    }
    REP(CPU_RM, ACC_STORE_D)
}
