/*
 * optim.cl: in-place parameter updates, each over up to four tensors in one launch (an
 * optimizer step over a two-layer network's W1, b1, W2, b2 is one launch, not four):
 *     axpy:          y += alpha * x
 *     momentum_step: v = momentum * v - lr * g;  p += v
 *     adagrad_step:  h += g * g;  p -= lr * g / (sqrt(h) + eps)
 *     rmsprop_step:  h = decay * h + (1 - decay) * g * g;  p -= lr * g / (sqrt(h) + eps)
 *     adam_step:     m += (1 - beta1)(g - m);  v += (1 - beta2)(g*g - v);
 *                    p -= lrT * m / (sqrt(v) + eps)      (lrT carries the bias correction)
 *
 * Arguments: the element counts n0..n3 (0 for an unused slot, whose pointers are then never
 * read), the scalars, then each tensor's buffers in turn. Tensor t is cut into
 * ceil(n_t / EW_CHUNK) chunks of EW_CHUNK consecutive elements (1 on GPUs, 16 on CPU devices);
 * the 1-D range holds all the chunks, tensor 0's first, and a work-item finds its tensor by
 * subtracting chunk counts. Each element gets the same arithmetic as with one tensor per launch.
 */

#ifndef EW_CHUNK
#define EW_CHUNK 1   // consecutive elements per work-item: 1 on GPUs; the host passes 16 for CPU devices
#endif

#define CHUNKS(n) (((n) + EW_CHUNK - 1) / EW_CHUNK)

/* Sets t (tensor), n (its length) and c (chunk index within it); returns past the last chunk. */
#define LOCATE                                                                              \
    int c = get_global_id(0), t = 0, n = n0;                                                \
    if (c >= CHUNKS(n0)) { c -= CHUNKS(n0); t = 1; n = n1;                                  \
        if (c >= CHUNKS(n1)) { c -= CHUNKS(n1); t = 2; n = n2;                              \
            if (c >= CHUNKS(n2)) { c -= CHUNKS(n2); t = 3; n = n3;                          \
                if (c >= CHUNKS(n3)) return; } } }

/* Tensor t's pointer among x0..x3. */
#define PICK(x) (t == 0 ? x##0 : t == 1 ? x##1 : t == 2 ? x##2 : x##3)

#define FOR_ELEMENTS(i) for (int i = c * EW_CHUNK, i##_end = min(n, i + EW_CHUNK); i < i##_end; i++)

#define COUNTS const int n0, const int n1, const int n2, const int n3

// Keep a*b+c as two roundings, as the Java reference computes it.
#pragma OPENCL FP_CONTRACT OFF

__kernel void axpy(COUNTS, const float alpha,
                   __global const float *x0, __global float *y0, __global const float *x1, __global float *y1,
                   __global const float *x2, __global float *y2, __global const float *x3, __global float *y3) {
    LOCATE
    __global const float *x = PICK(x);
    __global float *y = PICK(y);
    FOR_ELEMENTS(i) {
        y[i] += alpha * x[i];
    }
}

__kernel void momentum_step(COUNTS, const float lr, const float momentum,
                            __global float *p0, __global const float *g0, __global float *v0,
                            __global float *p1, __global const float *g1, __global float *v1,
                            __global float *p2, __global const float *g2, __global float *v2,
                            __global float *p3, __global const float *g3, __global float *v3) {
    LOCATE
    __global float *p = PICK(p);
    __global const float *g = PICK(g);
    __global float *v = PICK(v);
    FOR_ELEMENTS(i) {
        const float vi = momentum * v[i] - lr * g[i];
        v[i] = vi;
        p[i] += vi;
    }
}

__kernel void adagrad_step(COUNTS, const float lr, const float eps,
                           __global float *p0, __global const float *g0, __global float *h0,
                           __global float *p1, __global const float *g1, __global float *h1,
                           __global float *p2, __global const float *g2, __global float *h2,
                           __global float *p3, __global const float *g3, __global float *h3) {
    LOCATE
    __global float *p = PICK(p);
    __global const float *g = PICK(g);
    __global float *h = PICK(h);
    FOR_ELEMENTS(i) {
        const float gi = g[i];
        const float hi = h[i] + gi * gi;
        h[i] = hi;
        p[i] -= lr * gi / (sqrt(hi) + eps);
    }
}

__kernel void rmsprop_step(COUNTS, const float lr, const float decay, const float eps,
                           __global float *p0, __global const float *g0, __global float *h0,
                           __global float *p1, __global const float *g1, __global float *h1,
                           __global float *p2, __global const float *g2, __global float *h2,
                           __global float *p3, __global const float *g3, __global float *h3) {
    LOCATE
    __global float *p = PICK(p);
    __global const float *g = PICK(g);
    __global float *h = PICK(h);
    FOR_ELEMENTS(i) {
        const float gi = g[i];
        const float hi = decay * h[i] + (1.0f - decay) * gi * gi;
        h[i] = hi;
        p[i] -= lr * gi / (sqrt(hi) + eps);
    }
}

__kernel void adam_step(COUNTS, const float lrT, const float beta1, const float beta2, const float eps,
                        __global float *p0, __global const float *g0, __global float *m0, __global float *v0,
                        __global float *p1, __global const float *g1, __global float *m1, __global float *v1,
                        __global float *p2, __global const float *g2, __global float *m2, __global float *v2,
                        __global float *p3, __global const float *g3, __global float *m3, __global float *v3) {
    LOCATE
    __global float *p = PICK(p);
    __global const float *g = PICK(g);
    __global float *m = PICK(m);
    __global float *v = PICK(v);
    FOR_ELEMENTS(i) {
        const float gi = g[i];
        const float mi = m[i] + (1.0f - beta1) * (gi - m[i]);
        const float vi = v[i] + (1.0f - beta2) * (gi * gi - v[i]);
        m[i] = mi;
        v[i] = vi;
        p[i] -= lrT * mi / (sqrt(vi) + eps);
    }
}
