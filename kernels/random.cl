/*
 * random.cl: what training draws at random, from a counter-based hash instead of RNG state.
 *     dropout_mask:        mask[i] = u(seed, first + i) >= ratio ? 1 / (1 - ratio) : 0
 *     multiply:            out[i] = a[i] * b[i]      (dropout forward x*mask, backward dout*mask)
 *     gather_rows_shifted: dst[r, y*w + x] = src[idx[off + r], (y - dy)*w + (x - dx)], or 0 where
 *                          that falls outside, (dx, dy) in [-max_shift, max_shift]^2 from
 *                          hash(seed, first_row + r)
 *     random_indices:      out[i] = mix32(seed, i) mod bound (a batch sampled with replacement)
 *
 * first and first_row let a batch split over several devices draw, share by share, exactly what
 * the whole batch draws on one device (0 for a whole batch).
 *
 * mix32(seed, i) is a 32-bit integer hash (the lowbias32 finaliser); u takes its top 24 bits
 * scaled by 2^-24, exactly representable in float. The Java backend computes the same hash, so
 * every device draws the same masks and shifts for the same seed and nothing random lives on the
 * device. Element-wise kernels take EW_CHUNK consecutive elements per work-item; the gather uses
 * a 2-D range (w*h columns, rows). Ranges are rounded up by the host, so each kernel checks its
 * index. An index outside src in the gather is reported as in memory.cl: error[0] = its
 * position + 1 and the row gets NaN, never a silently clamped row.
 */

#ifndef EW_CHUNK
#define EW_CHUNK 1   // consecutive elements per work-item: 1 on GPUs; the host passes 16 for CPU devices
#endif
/* Work-item g takes elements g * EW_CHUNK .. + EW_CHUNK (fewer at the end of the range). */
#define FOR_CHUNK(i, n) for (int i = get_global_id(0) * EW_CHUNK, i##_end = min((int) (n), i + EW_CHUNK); i < i##_end; i++)

#pragma OPENCL FP_CONTRACT OFF

static uint mix32(uint seed, uint i) {
    uint h = seed ^ (i * 0x9E3779B9u);
    h ^= h >> 16;
    h *= 0x7FEB352Du;
    h ^= h >> 15;
    h *= 0x846CA68Bu;
    h ^= h >> 16;
    return h;
}

__kernel void dropout_mask(const int n, const float ratio, const float scale, const int seed, const int first,
                           __global float *mask) {
    FOR_CHUNK(i, n) {
        const float u = (float)(mix32((uint)seed, (uint)(first + i)) >> 8) * (1.0f / 16777216.0f);
        mask[i] = u >= ratio ? scale : 0.0f;
    }
}

__kernel void multiply(const int n, __global const float *a, __global const float *b, __global float *out) {
    FOR_CHUNK(i, n) {
        out[i] = a[i] * b[i];
    }
}

__kernel void gather_rows_shifted(const int rows, const int width, const int height, const int src_rows,
                                  const int offset, const int max_shift, const int seed, const int first_row,
                                  __global const float *src, __global const int *idx,
                                  __global float *dst, __global int *error) {
    const int c = get_global_id(0);
    const int r = get_global_id(1);
    const int cols = width * height;
    if (c >= cols || r >= rows) return;
    const int from = idx[offset + r];
    if (from < 0 || from >= src_rows) {
        atomic_cmpxchg(error, 0, offset + r + 1);   // the first report stays; plain stores would race
        dst[(size_t)r * cols + c] = NAN;
        return;
    }
    const uint h = mix32((uint)seed, (uint)(first_row + r));
    const int span = 2 * max_shift + 1;
    const int dx = (int)((h & 0xFFFFu) % (uint)span) - max_shift;
    const int dy = (int)((h >> 16) % (uint)span) - max_shift;
    const int x = c % width - dx;
    const int y = c / width - dy;
    dst[(size_t)r * cols + c] = (x >= 0 && x < width && y >= 0 && y < height)
            ? src[(size_t)from * cols + y * width + x] : 0.0f;
}

__kernel void random_indices(const int n, const int bound, const int seed, __global int *out) {
    FOR_CHUNK(i, n) {
        out[i] = (int)(mix32((uint)seed, (uint)i) % (uint)bound);
    }
}
