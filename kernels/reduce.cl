/*
 * reduce.cl: reductions.
 *     sum_columns_partial + sum_columns_final:  out[j] = sum_i x[i, j]   (sum_columns_chunks on CPUs)
 *     argmax_rows:                              out[i] = argmax_j x[i, j] (first on ties)
 *     count_correct_partial + sum_ints_final:   count of rows whose argmax equals the label
 *
 * Column sums, pass 1: a work-group is SUM_COLS_X columns by SUM_COLS_Y row-lanes. The rows
 * are cut into `blocks` row blocks (the second dimension of the range); each work-item sums
 * its column over the rows of its block with stride SUM_COLS_Y, then the SUM_COLS_Y lanes of
 * a column are combined by a tree reduction in local memory and written to
 * partial[block * cols + j]. Pass 2 (only when blocks > 1): one work-item per column adds its
 * `blocks` partials in a fixed order. Both passes are deterministic (no atomics), and
 * pairwise-style summation keeps float error near sqrt(rows) ulps instead of rows ulps.
 *
 * On CPU devices, sum_columns_chunks instead: work-item (c, b) adds columns c*16 .. +16 (one
 * float16 per row, a whole cache line) over row block b, in runs of 64 rows (a partial sum per
 * run, added to the block's total), so the float error stays near (64 + rows / 64) ulps, and
 * writes partial[b * cols + j]; sum_columns_final then adds the blocks in order. A CPU driver
 * runs a work-item's loop as written, so each work-item must read whole lines: the former one
 * work-item per column walking all rows used 4 bytes of every 64-byte line it loaded (2.7 GB/s
 * on PoCL at 10000 x 784). The two-pass form with local memory and barriers costs a CPU driver
 * more than the sums (259 us against about 20 us for 100 x 1000 on PoCL).
 *
 * Count-correct: pass 1 runs `groups` work-groups of REDUCE_WG; work-item g takes rows
 * g, g + global size, ... and the group's counts are tree-reduced in local memory to
 * partial[group]. Pass 2 is one work-group adding the partials into out[0].
 * argmax_rows is one work-item per row: rows are short (classes), batches are long.
 */

#ifndef SUM_COLS_X
#define SUM_COLS_X 16    // columns per work-group in sum_columns_partial
#endif
#ifndef SUM_COLS_Y
#define SUM_COLS_Y 16    // row lanes per column (power of two) in sum_columns_partial
#endif
#ifndef REDUCE_WG
#define REDUCE_WG 256    // work-group size (power of two) of the 1-D reductions
#endif

__kernel __attribute__((reqd_work_group_size(SUM_COLS_X, SUM_COLS_Y, 1)))
void sum_columns_partial(const int rows, const int cols, const int rows_per_block,
                         __global const float *x, __global float *partial) {
    __local float lanes[SUM_COLS_Y][SUM_COLS_X];
    const int lx = get_local_id(0);
    const int ly = get_local_id(1);
    const int j = get_group_id(0) * SUM_COLS_X + lx;
    const int block = get_group_id(1);
    const int start = block * rows_per_block;
    const int end = min(rows, start + rows_per_block);
    float s = 0.0f;
    if (j < cols) {
        for (int i = start + ly; i < end; i += SUM_COLS_Y) s += x[(size_t) i * cols + j];
    }
    lanes[ly][lx] = s;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int stride = SUM_COLS_Y / 2; stride > 0; stride >>= 1) {
        if (ly < stride) lanes[ly][lx] += lanes[ly + stride][lx];
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    if (ly == 0 && j < cols) partial[(size_t) block * cols + j] = lanes[0][lx];
}

__kernel void sum_columns_final(const int cols, const int blocks, __global const float *partial,
                                __global float *out) {
    const int j = get_global_id(0);
    if (j >= cols) return;
    float s = 0.0f;
    for (int b = 0; b < blocks; b++) s += partial[(size_t) b * cols + j];
    out[j] = s;
}

__kernel void sum_columns_chunks(const int rows, const int cols, const int rows_per_block,
                                 __global const float *x, __global float *partial) {
    const int j0 = get_global_id(0) * 16;
    const int block = get_global_id(1);
    if (j0 >= cols) return;
    const int start = block * rows_per_block;
    const int end = min(rows, start + rows_per_block);
    __global float *dst = partial + (size_t) block * cols + j0;
    if (j0 + 16 <= cols) {
        float16 s = (float16) (0.0f);
        for (int i0 = start; i0 < end; i0 += 64) {
            const int e = min(end, i0 + 64);
            float16 t = (float16) (0.0f);
            for (int i = i0; i < e; i++) t += vload16(0, x + (size_t) i * cols + j0);
            s += t;
        }
        vstore16(s, 0, dst);
    } else {
        // The ragged last chunk, a column at a time, in the same order.
        for (int j = j0; j < cols; j++) {
            float s = 0.0f;
            for (int i0 = start; i0 < end; i0 += 64) {
                const int e = min(end, i0 + 64);
                float t = 0.0f;
                for (int i = i0; i < e; i++) t += x[(size_t) i * cols + j];
                s += t;
            }
            dst[j - j0] = s;
        }
    }
}

/* The same comparison as the Java reference, so ties and NaN resolve identically. */
inline int row_argmax(__global const float *row, const int cols) {
    int best = 0;
    float bv = row[0];
    for (int j = 1; j < cols; j++) {
        const float v = row[j];
        if (v > bv) { best = j; bv = v; }
    }
    return best;
}

__kernel void argmax_rows(const int rows, const int cols, __global const float *x, __global int *out) {
    const int i = get_global_id(0);
    if (i >= rows) return;
    out[i] = row_argmax(x + (size_t) i * cols, cols);
}

inline void tree_sum_int(__local int *lanes, const int lid) {
    for (int stride = REDUCE_WG / 2; stride > 0; stride >>= 1) {
        if (lid < stride) lanes[lid] += lanes[lid + stride];
        barrier(CLK_LOCAL_MEM_FENCE);
    }
}

__kernel __attribute__((reqd_work_group_size(REDUCE_WG, 1, 1)))
void count_correct_partial(const int rows, const int cols, __global const float *x,
                           __global const int *labels, __global int *partial) {
    __local int lanes[REDUCE_WG];
    const int lid = get_local_id(0);
    int count = 0;
    for (int i = get_global_id(0); i < rows; i += get_global_size(0)) {
        count += row_argmax(x + (size_t) i * cols, cols) == labels[i];
    }
    lanes[lid] = count;
    barrier(CLK_LOCAL_MEM_FENCE);
    tree_sum_int(lanes, lid);
    if (lid == 0) partial[get_group_id(0)] = lanes[0];
}

__kernel __attribute__((reqd_work_group_size(REDUCE_WG, 1, 1)))
void sum_ints_final(const int n, __global const int *partial, __global int *out) {
    __local int lanes[REDUCE_WG];
    const int lid = get_local_id(0);
    int s = 0;
    for (int i = lid; i < n; i += REDUCE_WG) s += partial[i];
    lanes[lid] = s;
    barrier(CLK_LOCAL_MEM_FENCE);
    tree_sum_int(lanes, lid);
    if (lid == 0) out[0] = lanes[0];
}
