/*
 * bias.cl: bias broadcast over the rows of a row-major matrix,
 *     out[i, j] = x[i, j] + bias[j].
 *
 * One work-item per element on a 2-D range (cols, rows): dimension 0 runs along a row so
 * neighbouring work-items touch neighbouring addresses, and the bias element each reads
 * is shared by a whole column of work-items (served from cache). out may be x.
 */

__kernel void add_bias(const int rows, const int cols, __global const float *x,
                       __global const float *bias, __global float *out) {
    const int j = get_global_id(0);
    const int i = get_global_id(1);
    if (i >= rows || j >= cols) return;
    const size_t at = (size_t) i * cols + j;
    out[at] = x[at] + bias[j];
}
