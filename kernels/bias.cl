/*
 * bias.cl: bias broadcast over the rows of a row-major matrix,
 *     out[i, j] = x[i, j] + bias[j].
 *
 * A 2-D range (column chunks, rows): work-item (g, i) takes EW_CHUNK consecutive elements of
 * row i from column g * EW_CHUNK (one on GPUs, so neighbouring work-items touch neighbouring
 * addresses; 16 on CPU devices, which run a work-item as a loop). out may be x.
 */

#ifndef EW_CHUNK
#define EW_CHUNK 1   // consecutive elements per work-item: 1 on GPUs; the host passes 16 for CPU devices
#endif
/* Work-item g takes elements g * EW_CHUNK .. + EW_CHUNK (fewer at the end of the range). */
#define FOR_CHUNK(i, n) for (int i = get_global_id(0) * EW_CHUNK, i##_end = min((int) (n), i + EW_CHUNK); i < i##_end; i++)

__kernel void add_bias(const int rows, const int cols, __global const float *x,
                       __global const float *bias, __global float *out) {
    const int i = get_global_id(1);
    if (i >= rows) return;
    FOR_CHUNK(j, cols) {
        const size_t at = (size_t) i * cols + j;
        out[at] = x[at] + bias[j];
    }
}

/*
 * add_bias_relu: add_bias followed by relu_forward (activations.cl) in one pass,
 *     z = x[i, j] + bias[j];  mask[i, j] = z > 0 ? 1 : 0;  out[i, j] = z > 0 ? z : 0,
 * the same values as the two kernels with one launch and one trip through memory fewer. out
 * may be x; mask may not.
 */
__kernel void add_bias_relu(const int rows, const int cols, __global const float *x,
                            __global const float *bias, __global float *out, __global float *mask) {
    const int i = get_global_id(1);
    if (i >= rows) return;
    FOR_CHUNK(j, cols) {
        const size_t at = (size_t) i * cols + j;
        const float z = x[at] + bias[j];
        const int on = z > 0.0f;
        mask[at] = on ? 1.0f : 0.0f;
        out[at] = on ? z : 0.0f;
    }
}
