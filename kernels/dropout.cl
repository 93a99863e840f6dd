/*
 * dropout.cl: inverted dropout and the element-wise product it is applied with.
 *     dropout_mask: mask[i] = u(seed, i) >= ratio ? 1 / (1 - ratio) : 0
 *     multiply:     out[i] = a[i] * b[i]      (dropout forward x*mask, backward dout*mask)
 *
 * u(seed, i) is a counter-based uniform in [0, 1): a 32-bit integer hash of (seed, i) whose top
 * 24 bits are scaled by 2^-24, exactly representable in float. The Java backend computes the same
 * hash, so every device draws the same mask for the same seed: no RNG state lives on the device.
 * One work-item per element on a 1-D range of n (rounded up by the host; each kernel checks i < n).
 */

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

__kernel void dropout_mask(const int n, const float ratio, const float scale, const int seed,
                           __global float *mask) {
    const int i = get_global_id(0);
    if (i >= n) return;
    const float u = (float)(mix32((uint)seed, (uint)i) >> 8) * (1.0f / 16777216.0f);
    mask[i] = u >= ratio ? scale : 0.0f;
}

__kernel void multiply(const int n, __global const float *a, __global const float *b, __global float *out) {
    const int i = get_global_id(0);
    if (i >= n) return;
    out[i] = a[i] * b[i];
}
