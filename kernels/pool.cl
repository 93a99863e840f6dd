/*
 * pool.cl: max and average pooling over K x K windows moved by STRIDE (max pooling: padding, if any,
 * is never a candidate; average pooling takes none, as PyTorch's AvgPool2d(padding=0)).
 * Images are rows of an N x (C*H*W) matrix, channel-major; OH x OW windows per channel.
 *     max_pool_forward:  out[n, c, oy, ox] = max of the window; argmax = in-plane index y*W + x of
 *                        the first maximum in row-major window order (strict >, so ties keep the first)
 *     max_pool_backward: dx[n, c, y, x] = sum of dout[n, c, oy, ox] over the windows covering
 *                        (y, x) whose argmax is (y, x). Gather, one work-item per input pixel: with
 *                        overlapping windows (stride < K) a scatter from windows would race.
 *     avg_pool_forward:  out[n, c, oy, ox] = (window summed in row-major order) / AREA, AREA = K*K
 *     avg_pool_backward: dx[n, c, y, x] = sum of dout[n, c, oy, ox] / AREA over the windows covering
 *                        (y, x), in increasing (oy, ox) as the Java reference adds them; a gather too.
 *
 * EW_CHUNK consecutive output elements per work-item on a 1-D range (FOR_CHUNK, or CHUNK_RANGE with
 * coordinates counted along), the host rounds up.
 */

#ifndef EW_CHUNK
#define EW_CHUNK 1   // consecutive elements per work-item: 1 on GPUs; the host passes 16 for CPU devices
#endif
#define FOR_CHUNK(i, n) for (int i = get_global_id(0) * EW_CHUNK, i##_end = min((int) (n), i + EW_CHUNK); i < i##_end; i++)
/*
 * The same elements as FOR_CHUNK, as a range [start, end) (empty: return), for kernels that find
 * the coordinates of the first element by division and count the rest: on a CPU device, divisions
 * by run-time sizes for every element were most of the max-pooling kernels' time.
 */
#define CHUNK_RANGE(start, end, n) \
    const int start = get_global_id(0) * EW_CHUNK, end = min((int) (n), start + EW_CHUNK); \
    if (start >= end) return;

__kernel void max_pool_forward(const int total, const int h, const int w, const int k, const int stride,
                               const int pad, const int oh, const int ow, __global const float *x,
                               __global float *out, __global int *argmax) {
    const int p = oh * ow;
    CHUNK_RANGE(start, end, total);
    // The chunk's first window from its index, the next ones by counting (no division per element).
    int plane = start / p, oy = (start - plane * p) / ow, ox = start - plane * p - oy * ow;   // plane = n*C + c
    if (stride == k && pad == 0) {
        // Windows side by side and inside the image: no bounds to test, the first element starts
        // the maximum (as at < 0 takes it below), later ones replace it only when greater.
        for (int i = start; i < end; i++) {
            const int y0 = oy * k, x0 = ox * k;
            __global const float *src = x + (size_t) plane * h * w + y0 * w + x0;
            float best = src[0];
            int at = y0 * w + x0;
            for (int ky = 0; ky < k; ky++) {
                for (int kx = 0; kx < k; kx++) {
                    const float v = src[ky * w + kx];
                    if (v > best) {
                        best = v;
                        at = (y0 + ky) * w + x0 + kx;
                    }
                }
            }
            out[i] = best;
            argmax[i] = at;
            if (++ox == ow) { ox = 0; if (++oy == oh) { oy = 0; plane++; } }
        }
        return;
    }
    for (int i = start; i < end; i++) {
        __global const float *src = x + (size_t) plane * h * w;
        float best = -INFINITY;
        int at = -1;
        for (int ky = 0; ky < k; ky++) {
            const int y = oy * stride - pad + ky;
            if (y < 0 || y >= h) continue;
            for (int kx = 0; kx < k; kx++) {
                const int xx = ox * stride - pad + kx;
                if (xx < 0 || xx >= w) continue;
                const float v = src[y * w + xx];
                if (at < 0 || v > best) {
                    best = v;
                    at = y * w + xx;
                }
            }
        }
        out[i] = best;
        argmax[i] = at;
        if (++ox == ow) { ox = 0; if (++oy == oh) { oy = 0; plane++; } }
    }
}

__kernel void max_pool_backward(const int total, const int h, const int w, const int k, const int stride,
                                const int pad, const int oh, const int ow, __global const float *dout,
                                __global const int *argmax, __global float *dx) {
    const int plane_size = h * w, p = oh * ow;
    CHUNK_RANGE(start, end, total);
    int plane = start / plane_size, y = (start - plane * plane_size) / w, xx = start - plane * plane_size - y * w;
    if (stride == k && pad == 0) {
        // Windows side by side (pool 2 stride 2): the one window covering (y, x) is (y / k, x / k),
        // counted along with y and x; the same sum as below, 0 + dout or 0.
        int oy = y / k, ky = y - oy * k, ox = xx / k, kx = xx - ox * k;
        // Without a branch on the argmax test: on random data one pixel in four matches, and the
        // mispredicted branch was most of this kernel's time on PoCL. A pixel outside every window
        // (an odd row or column) reads window (oh - 1, ow - 1) and keeps 0.
        for (int i = start; i < end; i++) {
            const size_t o = (size_t) plane * p + min(oy, oh - 1) * ow + min(ox, ow - 1);
            const float g = 0.0f + dout[o];
            const int hit = (oy < oh) & (ox < ow) & (argmax[o] == y * w + xx);
            dx[i] = select(0.0f, g, hit);
            if (++kx == k) { kx = 0; ox++; }
            if (++xx == w) {
                xx = 0; kx = 0; ox = 0;
                if (++ky == k) { ky = 0; oy++; }
                if (++y == h) { y = 0; ky = 0; oy = 0; plane++; }
            }
        }
        return;
    }
    for (int i = start; i < end; i++) {
        const int at = y * w + xx;
        const size_t base = (size_t) plane * p;
        float sum = 0.0f;
        // Windows in increasing (oy, ox), the order the Java reference adds them in.
        for (int ky = k - 1; ky >= 0; ky--) {
            const int ty = y + pad - ky;
            if (ty < 0 || ty % stride != 0) continue;
            const int oy = ty / stride;
            if (oy >= oh) continue;
            for (int kx = k - 1; kx >= 0; kx--) {
                const int tx = xx + pad - kx;
                if (tx < 0 || tx % stride != 0) continue;
                const int ox = tx / stride;
                if (ox >= ow) continue;
                const size_t o = base + oy * ow + ox;
                if (argmax[o] == at) sum += dout[o];
            }
        }
        dx[i] = sum;
        if (++xx == w) { xx = 0; if (++y == h) { y = 0; plane++; } }
    }
}

__kernel void avg_pool_forward(const int total, const int h, const int w, const int k, const int stride,
                               const int oh, const int ow, const float area, __global const float *x,
                               __global float *out) {
    const int p = oh * ow;
    FOR_CHUNK(i, total) {
        const int plane = i / p, pos = i - plane * p;   // plane = n*C + c
        const int oy = pos / ow, ox = pos - oy * ow;
        __global const float *src = x + (size_t) plane * h * w + (size_t) (oy * stride) * w + ox * stride;
        float sum = 0.0f;
        for (int ky = 0; ky < k; ky++) {
            for (int kx = 0; kx < k; kx++) sum += src[ky * w + kx];
        }
        out[i] = sum / area;
    }
}

__kernel void avg_pool_backward(const int total, const int h, const int w, const int k, const int stride,
                                const int oh, const int ow, const float area, __global const float *dout,
                                __global float *dx) {
    const int plane_size = h * w;
    FOR_CHUNK(i, total) {
        const int plane = i / plane_size, at = i - plane * plane_size;
        const int y = at / w, xx = at - y * w;
        __global const float *g = dout + (size_t) plane * oh * ow;
        float sum = 0.0f;
        // Windows in increasing (oy, ox): oy = (y - ky) / stride for ky from K-1 down.
        for (int ky = k - 1; ky >= 0; ky--) {
            const int ty = y - ky;
            if (ty < 0 || ty % stride != 0) continue;
            const int oy = ty / stride;
            if (oy >= oh) continue;
            for (int kx = k - 1; kx >= 0; kx--) {
                const int tx = xx - kx;
                if (tx < 0 || tx % stride != 0) continue;
                const int ox = tx / stride;
                if (ox >= ow) continue;
                sum += g[oy * ow + ox] / area;
            }
        }
        dx[i] = sum;
    }
}
