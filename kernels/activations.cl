/*
 * activations.cl: element-wise activation functions and their gradients.
 *     relu_forward:     mask = x > 0 ? 1 : 0,  out = x * mask
 *     relu_backward:    dx = dout * mask
 *     sigmoid_forward:  out = 1 / (1 + exp(-x)), without overflow for large |x|
 *     sigmoid_backward: dx = dout * y * (1 - y)   (y = the forward output)
 *     tanh_forward:     out = tanh(x), without overflow for large |x| or cancellation near 0
 *     tanh_backward:    dx = dout * (1 - y * y)     (y = the forward output)
 *     gelu_forward:     out = 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))), PyTorch's tanh GELU
 *     gelu_backward:    dx = dout * gelu'(x)        (x = the forward input)
 *
 * EW_CHUNK consecutive elements per work-item on a 1-D range (FOR_CHUNK below; 1 on GPUs, 16
 * on CPU devices); the host rounds the range up, so each kernel stops at n. Outputs may alias
 * inputs (each element is read before it is written, by the same work-item).
 */

#ifndef EW_CHUNK
#define EW_CHUNK 1   // consecutive elements per work-item: 1 on GPUs; the host passes 16 for CPU devices
#endif
/* Work-item g takes elements g * EW_CHUNK .. + EW_CHUNK (fewer at the end of the range). */
#define FOR_CHUNK(i, n) for (int i = get_global_id(0) * EW_CHUNK, i##_end = min((int) (n), i + EW_CHUNK); i < i##_end; i++)

// Keep a*b+c as two roundings, as the Java reference computes it.
#pragma OPENCL FP_CONTRACT OFF

__kernel void relu_forward(const int n, __global const float *x, __global float *out,
                           __global float *mask) {
    FOR_CHUNK(i, n) {
        const float v = x[i];
        const int on = v > 0.0f;
        mask[i] = on ? 1.0f : 0.0f;
        out[i] = on ? v : 0.0f;
    }
}

__kernel void relu_backward(const int n, __global const float *dout, __global const float *mask,
                            __global float *dx) {
    FOR_CHUNK(i, n) {
        dx[i] = dout[i] * mask[i];
    }
}

/*
 * exp is only ever taken of -|x| <= 0, so it lies in (0, 1] and cannot overflow: for x >= 0
 * use 1 / (1 + e^-x); for x < 0 use e^x / (1 + e^x), which is the same value rewritten so a
 * very negative x gives a tiny positive result instead of 1 / inf.
 */
__kernel void sigmoid_forward(const int n, __global const float *x, __global float *out) {
    FOR_CHUNK(i, n) {
        const float v = x[i];
        const float e = exp(-fabs(v));
        out[i] = v >= 0.0f ? 1.0f / (1.0f + e) : e / (1.0f + e);
    }
}

__kernel void sigmoid_backward(const int n, __global const float *dout, __global const float *y,
                               __global float *dx) {
    FOR_CHUNK(i, n) {
        const float yi = y[i];
        dx[i] = dout[i] * yi * (1.0f - yi);
    }
}

/*
 * tanh(x) as Cephes' tanhf, which the Java backend uses too: for |x| < 0.625 the odd polynomial
 * |x| + |x|^3 P(x^2), full relative accuracy near 0; above, (1 - e) / (1 + e) with
 * e = exp(-2|x|) in (0, 0.29], which cannot overflow or cancel and gives exactly 1 for large |x|;
 * then the sign of x (so -0 stays -0, NaN stays NaN). The version before took expm1(-2|x|), which
 * PoCL does not vectorise: tanh forward ran at 0.7 GB/s there against sigmoid's 5.5.
 */
__kernel void tanh_forward(const int n, __global const float *x, __global float *out) {
    FOR_CHUNK(i, n) {
        const float v = x[i];
        const float a = fabs(v);
        const float z = a * a;
        const float p = (((-5.70498872745e-3f * z + 2.06390887954e-2f) * z - 5.37397155531e-2f) * z
                         + 1.33314422036e-1f) * z - 3.33332819422e-1f;
        const float e = exp(-2.0f * a);
        const float t = a < 0.625f ? p * z * a + a : (1.0f - e) / (1.0f + e);
        out[i] = copysign(t, v);
    }
}

__kernel void tanh_backward(const int n, __global const float *dout, __global const float *y,
                            __global float *dx) {
    FOR_CHUNK(i, n) {
        const float yi = y[i];
        dx[i] = dout[i] * (1.0f - yi * yi);
    }
}

/*
 * GELU, tanh approximation (PyTorch's GELU(approximate='tanh')): 0.5 x (1 + tanh(u)) with
 * u = sqrt(2/pi) (x + 0.044715 x^3), computed as x / (1 + exp(-2u)), the same function without the
 * cancellation of 1 + tanh(u) for negative x. Past |x| = GELU_LIMIT the limits x and 0 (the formula's
 * value there is x to float precision, or under 1e-37): a huge x makes x^3 overflow and exp give
 * inf/inf, which the select drops. NaN stays NaN (both comparisons are false).
 */
#define GELU_K0 0.7978845608028654f   // sqrt(2 / pi)
#define GELU_K1 0.044715f
#define GELU_LIMIT 10.0f

__kernel void gelu_forward(const int n, __global const float *x, __global float *out) {
    FOR_CHUNK(i, n) {
        const float v = x[i];
        const float u = GELU_K0 * v * (1.0f + GELU_K1 * v * v);
        const float g = v / (1.0f + exp(-2.0f * u));
        out[i] = v > GELU_LIMIT ? v : (v < -GELU_LIMIT ? 0.0f : g);
    }
}

/*
 * dx = dout * gelu'(x), gelu'(x) = s + 2 x s (1 - s) u' with s = 1 / (1 + e), e = exp(-2u),
 * u' = sqrt(2/pi) (1 + 3 * 0.044715 x^2): PyTorch's 0.5 (1 + tanh u) + 0.5 x (1 - tanh^2 u) u' on s.
 * 1 - s is taken as e * s, exact where s is near 1. Within |x| <= GELU_LIMIT, e <= exp(87.3) is finite.
 */
__kernel void gelu_backward(const int n, __global const float *dout, __global const float *x,
                            __global float *dx) {
    FOR_CHUNK(i, n) {
        const float v = x[i];
        const float v2 = v * v;
        const float u = GELU_K0 * v * (1.0f + GELU_K1 * v2);
        const float e = exp(-2.0f * u);
        const float s = 1.0f / (1.0f + e);
        const float d = s + 2.0f * v * s * (e * s) * GELU_K0 * (1.0f + 3.0f * GELU_K1 * v2);
        dx[i] = dout[i] * (v > GELU_LIMIT ? 1.0f : (v < -GELU_LIMIT ? 0.0f : d));
    }
}
