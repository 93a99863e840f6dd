/*
 * conv.cl: the data movement around the gemm of a convolution (the book's im2col formulation).
 * Images are rows of an N x (C*H*W) matrix, channel-major; K x K windows move by STRIDE over the
 * image padded by PAD zeros; OH x OW windows per image, P = OH*OW.
 *     im2col:          col[n*P + oy*OW + ox, c*K*K + ky*K + kx] = x[n, c, oy*S - PAD + ky, ox*S - PAD + kx]
 *                      (0 in the padding); one element of col per step
 *     col2im:          dx[n, c, y, x] = sum of dcol over the (window, offset) pairs im2col read
 *                      x[n, c, y, x] into. Gather, not scatter: one work-item per input pixel walks
 *                      the at most ceil(K/S)^2 windows covering it and sums them in a fixed order,
 *                      so no two work-items write one element (no atomics, no races) and the sum is
 *                      the same on every run.
 *     transpose_blocks: dst[b, j, i] = src[b, i, j] for consecutive ROWS x COLS blocks
 *
 * Element-wise: EW_CHUNK consecutive output elements per work-item on a 1-D range (FOR_CHUNK; 1
 * on GPUs, 16 on CPU devices), each computed from its own index; the host rounds the range up.
 */

#ifndef EW_CHUNK
#define EW_CHUNK 1   // consecutive elements per work-item: 1 on GPUs; the host passes 16 for CPU devices
#endif
/* Work-item g takes elements g * EW_CHUNK .. + EW_CHUNK (fewer at the end of the range). */
#define FOR_CHUNK(i, n) for (int i = get_global_id(0) * EW_CHUNK, i##_end = min((int) (n), i + EW_CHUNK); i < i##_end; i++)
/*
 * The same elements as a range [start, end) (empty: return), for kernels that find the first
 * element's coordinates by division and count the rest: on a CPU device, divisions by run-time
 * sizes for every element were most of im2col's and transpose_blocks' time.
 */
#define CHUNK_RANGE(start, end, n) \
    const int start = get_global_id(0) * EW_CHUNK, end = min((int) (n), start + EW_CHUNK); \
    if (start >= end) return;

#pragma OPENCL FP_CONTRACT OFF

__kernel void im2col(const int total, const int c, const int h, const int w, const int k, const int stride,
                     const int pad, const int oh, const int ow, __global const float *x, __global float *col) {
    const int kk = k * k, patch = c * kk, p = oh * ow;
    CHUNK_RANGE(start, end, total);
    const int row = start / patch, j = start - row * patch;
    int n = row / p, oy = (row - n * p) / ow, ox = row - n * p - oy * ow;
    int ch = j / kk, ky = (j - ch * kk) / k, kx = j - ch * kk - ky * k;
    for (int i = start; i < end; i++) {
        const int y = oy * stride - pad + ky, xx = ox * stride - pad + kx;
        col[i] = (y >= 0 && y < h && xx >= 0 && xx < w) ? x[(size_t) n * c * h * w + (ch * h + y) * w + xx] : 0.0f;
        if (++kx == k) {
            kx = 0;
            if (++ky == k) {
                ky = 0;
                if (++ch == c) {
                    ch = 0;
                    if (++ox == ow) { ox = 0; if (++oy == oh) { oy = 0; n++; } }
                }
            }
        }
    }
}

__kernel void col2im(const int total, const int c, const int h, const int w, const int k, const int stride,
                     const int pad, const int oh, const int ow, __global const float *dcol, __global float *dx) {
    const int kk = k * k, patch = c * kk, p = oh * ow, plane = h * w;
    FOR_CHUNK(i, total) {
        const int n = i / (c * plane), rest = i - n * c * plane;
        const int ch = rest / plane, at = rest - ch * plane;
        const int y = at / w, xx = at - y * w;
        float sum = 0.0f;
        // Window oy covers row y at offset ky = y + pad - oy*stride when 0 <= ky < k.
        for (int ky = 0; ky < k; ky++) {
            const int ty = y + pad - ky;
            if (ty < 0 || ty % stride != 0) continue;
            const int oy = ty / stride;
            if (oy >= oh) continue;
            for (int kx = 0; kx < k; kx++) {
                const int tx = xx + pad - kx;
                if (tx < 0 || tx % stride != 0) continue;
                const int ox = tx / stride;
                if (ox >= ow) continue;
                sum += dcol[((size_t) n * p + oy * ow + ox) * patch + ch * kk + ky * k + kx];
            }
        }
        dx[i] = sum;
    }
}

__kernel void transpose_blocks(const int total, const int rows, const int cols, __global const float *src,
                               __global float *dst) {
    const int block = rows * cols;
    CHUNK_RANGE(start, end, total);
    int b = start / block, j = (start - b * block) / rows, ii = start - b * block - j * rows;   // dst[b, j, ii] = src[b, ii, j]
    for (int i = start; i < end; i++) {
        dst[i] = src[(size_t) b * block + ii * cols + j];
        if (++ii == rows) { ii = 0; if (++j == cols) { j = 0; b++; } }
    }
}
