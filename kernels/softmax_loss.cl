/*
 * softmax_loss.cl: softmax with cross-entropy against integer labels.
 *     softmax_xent_rows:     probs[i, :] = softmax(x[i, :]);
 *                            row_loss[i] = log(sum_j exp(x[i,j] - max_i)) - (x[i, label_i] - max_i)
 *     softmax_xent_mean:     out[0] = (1/N) sum_i row_loss[i];  out[1] = rows with a label outside 0..cols-1
 *     softmax_xent_backward: dx[i, j] = scale_over_n * (probs[i, j] - [j == label_i])
 *     softmax_xent_rows_grad: softmax_xent_rows and softmax_xent_backward in one pass (training
 *                            needs both; the gradient is formed from the float just stored)
 *     softmax_xent_mean_serial: softmax_xent_mean as one work-item (CPU devices, where the
 *                            local-memory tree costs more than adding a batch of row losses)
 *
 * Numerics: the row max is subtracted before exp, so every exponent is <= 0 and exp cannot
 * overflow; the loss is taken as log-sum-exp minus the shifted logit, never as log(prob), so a
 * probability that underflows to 0 still gives a finite loss. The loss is a mean over the
 * batch (hence 1/N), and the backward divides by N for the same reason.
 *
 * Mapping: softmax_xent_rows is one work-item per row (rows are short class vectors, batches
 * long); on CPU devices a batch of up to 1,024 rows runs as softmax_xent_serial instead, one
 * work-item for the rows and the mean (one launch where the driver's per-launch cost exceeds the
 * arithmetic). softmax_xent_mean is a single work-group of REDUCE_WG work-items: each sums a strided
 * share of the rows, then a local-memory tree reduction; the host reads back only out[0..1].
 * softmax_xent_backward is one work-item per element on a 2-D range (cols, rows).
 */

#ifndef REDUCE_WG
#define REDUCE_WG 256    // work-group size (power of two) of softmax_xent_mean
#endif

// Keep a*b+c as two roundings, as the Java reference computes it.
#pragma OPENCL FP_CONTRACT OFF

/*
 * One row: probs (and, when gr is not null, the gradient scale_over_n * (p - [j == label]) from
 * the float p just stored); returns the row's loss, 0 for a label outside 0..cols-1 (the mean
 * kernels count those). pr may be xr: the label's logit is read before probs are written.
 */
inline float softmax_row(const int cols, __global const float *xr, const int label, __global float *pr,
                         __global float *gr, const float scale_over_n) {
    float mx = xr[0];
    for (int j = 1; j < cols; j++) mx = fmax(mx, xr[j]);
    const float shifted = (label >= 0 && label < cols) ? xr[label] - mx : 0.0f;
    float sum = 0.0f;
    for (int j = 0; j < cols; j++) {
        const float e = exp(xr[j] - mx);
        pr[j] = e;
        sum += e;
    }
    const float inv = 1.0f / sum;
    for (int j = 0; j < cols; j++) {
        const float p = pr[j] * inv;
        pr[j] = p;
        if (gr) gr[j] = scale_over_n * (p - (j == label ? 1.0f : 0.0f));
    }
    return log(sum) - shifted;
}

__kernel void softmax_xent_rows(const int rows, const int cols, __global const float *x,
                                __global const int *labels, __global float *probs,
                                __global float *row_loss) {
    const int i = get_global_id(0);
    if (i >= rows) return;
    row_loss[i] = softmax_row(cols, x + (size_t) i * cols, labels[i], probs + (size_t) i * cols, 0, 0.0f);
}

__kernel void softmax_xent_rows_grad(const int rows, const int cols, __global const float *x,
                                     __global const int *labels, __global float *probs,
                                     __global float *row_loss, const float scale_over_n,
                                     __global float *dx) {
    const int i = get_global_id(0);
    if (i >= rows) return;
    row_loss[i] = softmax_row(cols, x + (size_t) i * cols, labels[i], probs + (size_t) i * cols, dx + (size_t) i * cols,
                              scale_over_n);
}

/*
 * Everything in one work-item, for a training batch on a CPU device: the rows, the gradient
 * (when with_grad) and the mean, with no second launch. Sums in blocks of 64 rows as
 * softmax_xent_mean_serial does.
 */
__kernel void softmax_xent_serial(const int rows, const int cols, __global const float *x,
                                  __global const int *labels, __global float *probs, const int with_grad,
                                  const float scale_over_n, __global float *dx, __global float *out) {
    if (get_global_id(0) != 0) return;
    float s = 0.0f;
    int b = 0;
    for (int i0 = 0; i0 < rows; i0 += 64) {
        const int end = min(rows, i0 + 64);
        float t = 0.0f;
        for (int i = i0; i < end; i++) {
            const int label = labels[i];
            t += softmax_row(cols, x + (size_t) i * cols, label, probs + (size_t) i * cols,
                             with_grad ? dx + (size_t) i * cols : 0, scale_over_n);
            b += (label < 0 || label >= cols);
        }
        s += t;
    }
    out[0] = s / (float) rows;
    out[1] = (float) b;
}

__kernel void softmax_xent_mean_serial(const int rows, const int cols, __global const float *row_loss,
                                       __global const int *labels, __global float *out) {
    if (get_global_id(0) != 0) return;
    float s = 0.0f;
    int b = 0;
    for (int i0 = 0; i0 < rows; i0 += 64) {   // blocks of 64: error near (64 + rows / 64) ulps
        const int end = min(rows, i0 + 64);
        float t = 0.0f;
        for (int i = i0; i < end; i++) {
            t += row_loss[i];
            const int label = labels[i];
            b += (label < 0 || label >= cols);
        }
        s += t;
    }
    out[0] = s / (float) rows;
    out[1] = (float) b;
}

__kernel __attribute__((reqd_work_group_size(REDUCE_WG, 1, 1)))
void softmax_xent_mean(const int rows, const int cols, __global const float *row_loss,
                       __global const int *labels, __global float *out) {
    __local float sums[REDUCE_WG];
    __local int bad[REDUCE_WG];
    const int lid = get_local_id(0);
    float s = 0.0f;
    int b = 0;
    for (int i = lid; i < rows; i += REDUCE_WG) {
        s += row_loss[i];
        const int label = labels[i];
        b += (label < 0 || label >= cols);
    }
    sums[lid] = s;
    bad[lid] = b;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int stride = REDUCE_WG / 2; stride > 0; stride >>= 1) {
        if (lid < stride) {
            sums[lid] += sums[lid + stride];
            bad[lid] += bad[lid + stride];
        }
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    if (lid == 0) {
        out[0] = sums[0] / (float) rows;
        out[1] = (float) bad[0];
    }
}

__kernel void softmax_xent_backward(const int rows, const int cols, __global const float *probs,
                                    __global const int *labels, const float scale_over_n,
                                    __global float *dx) {
    const int j = get_global_id(0);
    const int i = get_global_id(1);
    if (i >= rows || j >= cols) return;
    const size_t at = (size_t) i * cols + j;
    dx[at] = scale_over_n * (probs[at] - (j == labels[i] ? 1.0f : 0.0f));
}
