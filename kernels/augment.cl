/*
 * augment.cl: gather a mini-batch of images, each moved by a random whole-pixel translation.
 *     dst[r, y*w + x] = src[idx[off + r], (y - dy)*w + (x - dx)], or 0 where that falls outside,
 *     with (dx, dy) in [-max_shift, max_shift]^2 drawn per row from a 32-bit hash of (seed, r).
 *
 * The hash is the one dropout.cl uses and the Java backend reproduces, so every device shifts
 * the same images the same way. One work-item per destination element on a 2-D range
 * (w*h columns, rows), rounded up by the host. An index outside src is reported as in
 * memory.cl: error[0] = its position + 1 and the row gets NaN, never a silently clamped row.
 */

static uint aug_mix32(uint seed, uint i) {
    uint h = seed ^ (i * 0x9E3779B9u);
    h ^= h >> 16;
    h *= 0x7FEB352Du;
    h ^= h >> 15;
    h *= 0x846CA68Bu;
    h ^= h >> 16;
    return h;
}

__kernel void gather_rows_shifted(const int rows, const int width, const int height, const int src_rows,
                                  const int offset, const int max_shift, const int seed,
                                  __global const float *src, __global const int *idx,
                                  __global float *dst, __global int *error) {
    const int c = get_global_id(0);
    const int r = get_global_id(1);
    const int cols = width * height;
    if (c >= cols || r >= rows) return;
    const int from = idx[offset + r];
    if (from < 0 || from >= src_rows) {
        error[0] = offset + r + 1;
        dst[(size_t)r * cols + c] = NAN;
        return;
    }
    const uint h = aug_mix32((uint)seed, (uint)r);
    const int span = 2 * max_shift + 1;
    const int dx = (int)((h & 0xFFFFu) % (uint)span) - max_shift;
    const int dy = (int)((h >> 16) % (uint)span) - max_shift;
    const int x = c % width - dx;
    const int y = c / width - dy;
    dst[(size_t)r * cols + c] = (x >= 0 && x < width && y >= 0 && y < height)
            ? src[(size_t)from * cols + y * width + x] : 0.0f;
}
