/*
 * optim.cl: in-place parameter updates, EW_CHUNK consecutive elements per work-item on a 1-D
 * range (the host rounds the range up; each kernel stops at n).
 *     axpy:          y += alpha * x
 *     momentum_step: v = momentum * v - lr * g;  p += v
 *     adagrad_step:  h += g * g;  p -= lr * g / (sqrt(h) + eps)
 *     adam_step:     m += (1 - beta1)(g - m);  v += (1 - beta2)(g*g - v);
 *                    p -= lrT * m / (sqrt(v) + eps)      (lrT carries the bias correction)
 */

#ifndef EW_CHUNK
#define EW_CHUNK 1   // consecutive elements per work-item: 1 on GPUs; the host passes 16 for CPU devices
#endif
/* Work-item g takes elements g * EW_CHUNK .. + EW_CHUNK (fewer at the end of the range). */
#define FOR_CHUNK(i, n) for (int i = get_global_id(0) * EW_CHUNK, i##_end = min((int) (n), i + EW_CHUNK); i < i##_end; i++)

// Keep a*b+c as two roundings, as the Java reference computes it.
#pragma OPENCL FP_CONTRACT OFF

__kernel void axpy(const int n, const float alpha, __global const float *x, __global float *y) {
    FOR_CHUNK(i, n) {
        y[i] += alpha * x[i];
    }
}

__kernel void momentum_step(const int n, __global float *p, __global const float *g,
                            __global float *v, const float lr, const float momentum) {
    FOR_CHUNK(i, n) {
        const float vi = momentum * v[i] - lr * g[i];
        v[i] = vi;
        p[i] += vi;
    }
}

__kernel void adagrad_step(const int n, __global float *p, __global const float *g,
                           __global float *h, const float lr, const float eps) {
    FOR_CHUNK(i, n) {
        const float gi = g[i];
        const float hi = h[i] + gi * gi;
        h[i] = hi;
        p[i] -= lr * gi / (sqrt(hi) + eps);
    }
}

__kernel void adam_step(const int n, __global float *p, __global const float *g,
                        __global float *m, __global float *v, const float lrT,
                        const float beta1, const float beta2, const float eps) {
    FOR_CHUNK(i, n) {
        const float gi = g[i];
        const float mi = m[i] + (1.0f - beta1) * (gi - m[i]);
        const float vi = v[i] + (1.0f - beta2) * (gi * gi - v[i]);
        m[i] = mi;
        v[i] = vi;
        p[i] -= lrT * mi / (sqrt(vi) + eps);
    }
}
