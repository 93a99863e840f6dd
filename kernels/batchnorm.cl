/*
 * batchnorm.cl: batch normalization of x, N x (C*P), per channel c over its M = N*P values
 * (P = 1 for an affine layer's features, H*W for a conv layer's channels).
 *     bn_stats:           mean[c], biased var[c] (two passes: the variance sums squares of
 *                         differences, never a difference of two large sums), then the running
 *                         averages run = momentum * run + (1 - momentum) * batch
 *     bn_forward:         xhat = (x - mean[c]) / sqrt(var[c] + eps), out = gamma[c] * xhat + beta[c]
 *     bn_backward_reduce: dbeta[c] = sum dout, dgamma[c] = sum dout * xhat
 *     bn_backward_dx:     dx = gamma[c] / sqrt(var[c] + eps) * (dout - dbeta[c] / M - xhat * dgamma[c] / M)
 *
 * The reductions take one work-item per channel walking the channel's values in a fixed order,
 * with Kahan-compensated float sums (M reaches 57,600 for a conv layer at batch 100, where a
 * plain float sum drifts by about 1e-4 relative): deterministic, no local memory, no atomics.
 * That is the CPU shape, where a work-item is a loop on a core. A GPU cannot fill itself with one
 * work-item per channel (30 channels: 30 threads), so the GPU shape takes bn_stats_groups and
 * bn_backward_reduce_groups instead: one work-group of REDUCE_WG work-items per channel, work-item
 * l Kahan-summing the channel's values l, l + REDUCE_WG, ... (in the order M lays them out:
 * consecutive work-items read consecutive positions of a row), then a tree over the work-group's
 * partial sums in local memory in a fixed pairing. Every value goes to the same work-item and
 * every partial to the same place in the tree on every run, so the results are the same bits run
 * after run, whatever order the hardware runs the work-items in.
 * The element-wise kernels take EW_CHUNK consecutive elements per work-item (FOR_CHUNK).
 */

#ifndef EW_CHUNK
#define EW_CHUNK 1   // consecutive elements per work-item: 1 on GPUs; the host passes 16 for CPU devices
#endif
#define FOR_CHUNK(i, n) for (int i = get_global_id(0) * EW_CHUNK, i##_end = min((int) (n), i + EW_CHUNK); i < i##_end; i++)

#ifndef REDUCE_WG
#define REDUCE_WG 256    // work-group size (power of two) of the *_groups reductions
#endif

#pragma OPENCL FP_CONTRACT OFF

/* sum += v with the lost low-order bits carried in *comp (Kahan). */
#define KAHAN_ADD(sum, comp, v) { const float y_ = (v) - comp; const float t_ = sum + y_; comp = (t_ - sum) - y_; sum = t_; }

__kernel void bn_stats(const int n, const int channels, const int p, const float momentum, __global const float *x,
                       __global float *mean, __global float *var, __global float *run_mean, __global float *run_var) {
    const int c = get_global_id(0);
    if (c >= channels) return;
    const int cols = channels * p;
    float sum = 0.0f, comp = 0.0f;
    for (int i = 0; i < n; i++) {
        __global const float *row = x + (size_t) i * cols + c * p;
        for (int j = 0; j < p; j++) KAHAN_ADD(sum, comp, row[j]);
    }
    const float m = (float) n * (float) p;
    const float mu = sum / m;
    float sq = 0.0f;
    comp = 0.0f;
    for (int i = 0; i < n; i++) {
        __global const float *row = x + (size_t) i * cols + c * p;
        for (int j = 0; j < p; j++) {
            const float d = row[j] - mu;
            KAHAN_ADD(sq, comp, d * d);
        }
    }
    const float v = sq / m;
    mean[c] = mu;
    var[c] = v;
    run_mean[c] = momentum * run_mean[c] + (1.0f - momentum) * mu;
    run_var[c] = momentum * run_var[c] + (1.0f - momentum) * v;
}

__kernel void bn_forward(const int total, const int cols, const int p, const float eps, __global const float *x,
                         __global const float *mean, __global const float *var, __global const float *gamma,
                         __global const float *beta, __global float *xhat, __global float *out) {
    FOR_CHUNK(i, total) {
        const int c = (i % cols) / p;
        const float h = (x[i] - mean[c]) / sqrt(var[c] + eps);
        xhat[i] = h;
        out[i] = gamma[c] * h + beta[c];
    }
}

__kernel void bn_backward_reduce(const int n, const int channels, const int p, __global const float *dout,
                                 __global const float *xhat, __global float *dgamma, __global float *dbeta) {
    const int c = get_global_id(0);
    if (c >= channels) return;
    const int cols = channels * p;
    float sb = 0.0f, cb = 0.0f, sg = 0.0f, cg = 0.0f;
    for (int i = 0; i < n; i++) {
        const size_t base = (size_t) i * cols + c * p;
        for (int j = 0; j < p; j++) {
            const float g = dout[base + j];
            KAHAN_ADD(sb, cb, g);
            KAHAN_ADD(sg, cg, g * xhat[base + j]);
        }
    }
    dbeta[c] = sb;
    dgamma[c] = sg;
}

__kernel void bn_backward_dx(const int total, const int cols, const int p, const float m, const float eps,
                             __global const float *dout, __global const float *xhat, __global const float *var,
                             __global const float *gamma, __global const float *dgamma, __global const float *dbeta,
                             __global float *dx) {
    FOR_CHUNK(i, total) {
        const int c = (i % cols) / p;
        dx[i] = gamma[c] / sqrt(var[c] + eps) * (dout[i] - dbeta[c] / m - xhat[i] * dgamma[c] / m);
    }
}

/*
 * The sum of a and b over the work-group (every work-item passes its a and b; each gets both
 * totals back), by a tree in local memory: at each level l < s adds element l + s into l. The
 * barriers before and after let a caller reuse la and lb at once.
 */
inline float2 wg_sum2(__local float *la, __local float *lb, const int l, const float a, const float b) {
    la[l] = a;
    lb[l] = b;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int s = REDUCE_WG / 2; s > 0; s >>= 1) {
        if (l < s) {
            la[l] += la[l + s];
            lb[l] += lb[l + s];
        }
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    const float2 total = (float2) (la[0], lb[0]);
    barrier(CLK_LOCAL_MEM_FENCE);
    return total;
}

/* Element k of channel c's M = n * p values: row k / p, position k % p. */
#define CHANNEL_AT(base, k) (base)[(size_t) ((k) / p) * cols + c * p + (k) % p]

/*
 * bn_stats in the GPU shape: work-group c (of REDUCE_WG work-items) computes channel c. A lane's
 * Kahan sum goes into the tree as sum - comp, its compensated value.
 */
__kernel __attribute__((reqd_work_group_size(REDUCE_WG, 1, 1)))
void bn_stats_groups(const int n, const int channels, const int p, const float momentum, __global const float *x,
                     __global float *mean, __global float *var, __global float *run_mean, __global float *run_var) {
    __local float la[REDUCE_WG], lb[REDUCE_WG];
    const int c = get_group_id(0);
    const int l = get_local_id(0);
    const int cols = channels * p;
    const int count = n * p;
    float sum = 0.0f, comp = 0.0f;
    for (int k = l; k < count; k += REDUCE_WG) KAHAN_ADD(sum, comp, CHANNEL_AT(x, k));
    const float m = (float) n * (float) p;
    const float mu = wg_sum2(la, lb, l, sum - comp, 0.0f).x / m;
    float sq = 0.0f;
    comp = 0.0f;
    for (int k = l; k < count; k += REDUCE_WG) {
        const float d = CHANNEL_AT(x, k) - mu;
        KAHAN_ADD(sq, comp, d * d);
    }
    const float v = wg_sum2(la, lb, l, sq - comp, 0.0f).x / m;
    if (l == 0) {
        mean[c] = mu;
        var[c] = v;
        run_mean[c] = momentum * run_mean[c] + (1.0f - momentum) * mu;
        run_var[c] = momentum * run_var[c] + (1.0f - momentum) * v;
    }
}

/* bn_backward_reduce in the GPU shape, as bn_stats_groups: both sums in one tree. */
__kernel __attribute__((reqd_work_group_size(REDUCE_WG, 1, 1)))
void bn_backward_reduce_groups(const int n, const int channels, const int p, __global const float *dout,
                               __global const float *xhat, __global float *dgamma, __global float *dbeta) {
    __local float la[REDUCE_WG], lb[REDUCE_WG];
    const int c = get_group_id(0);
    const int l = get_local_id(0);
    const int cols = channels * p;
    const int count = n * p;
    float sb = 0.0f, cb = 0.0f, sg = 0.0f, cg = 0.0f;
    for (int k = l; k < count; k += REDUCE_WG) {
        const size_t at = (size_t) (k / p) * cols + c * p + k % p;
        const float g = dout[at];
        KAHAN_ADD(sb, cb, g);
        KAHAN_ADD(sg, cg, g * xhat[at]);
    }
    const float2 total = wg_sum2(la, lb, l, sb - cb, sg - cg);
    if (l == 0) {
        dbeta[c] = total.x;
        dgamma[c] = total.y;
    }
}
