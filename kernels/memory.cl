/*
 * memory.cl: filling and gathering device buffers (copies use clEnqueueCopyBuffer).
 *     fill:        m[i] = value
 *     gather_rows: dst[r, :] = src[indices[offset + r], :]
 *     gather_ints: dst[r]    = src[indices[offset + r]]
 *
 * fill: EW_CHUNK consecutive elements per work-item; gather_ints: one per element (1-D). gather_rows: a 2-D range
 * (cols, rows of dst), dimension 0 along a row so reads and writes are contiguous.
 *
 * Kernels cannot throw, so an index outside src is reported through error[0]: an offending
 * position + 1 is stored there by atomic_cmpxchg from 0, so the first report stays (plain stores
 * from several work-items were a write-write race, which Oclgrind's race detector reported), and
 * the destination gets NaN / -1, never a silently clamped row. The host checks error[0]
 * when it next waits for the device.
 */

#ifndef EW_CHUNK
#define EW_CHUNK 1   // consecutive elements per work-item: 1 on GPUs; the host passes 16 for CPU devices
#endif
/* Work-item g takes elements g * EW_CHUNK .. + EW_CHUNK (fewer at the end of the range). */
#define FOR_CHUNK(i, n) for (int i = get_global_id(0) * EW_CHUNK, i##_end = min((int) (n), i + EW_CHUNK); i < i##_end; i++)

__kernel void fill(const int n, const float value, __global float *m) {
    FOR_CHUNK(i, n) {
        m[i] = value;
    }
}

__kernel void gather_rows(const int rows, const int cols, const int src_rows,
                          __global const float *src, __global const int *indices, const int offset,
                          __global float *dst, __global int *error) {
    const int j = get_global_id(0);
    const int r = get_global_id(1);
    if (r >= rows || j >= cols) return;
    const int from = indices[offset + r];
    float v;
    if (from < 0 || from >= src_rows) {
        atomic_cmpxchg(error, 0, offset + r + 1);   // the first report stays; plain stores would race
        v = NAN;
    } else {
        v = src[(size_t) from * cols + j];
    }
    dst[(size_t) r * cols + j] = v;
}

__kernel void gather_ints(const int n, const int src_length, __global const int *src,
                          __global const int *indices, const int offset, __global int *dst,
                          __global int *error) {
    const int r = get_global_id(0);
    if (r >= n) return;
    const int from = indices[offset + r];
    if (from < 0 || from >= src_length) {
        atomic_cmpxchg(error, 0, offset + r + 1);   // the first report stays; plain stores would race
        dst[r] = -1;
    } else {
        dst[r] = src[from];
    }
}
