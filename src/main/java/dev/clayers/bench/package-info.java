/**
 * <b>Internal.</b> {@code clayers bench}: gemm, op, transfer and training-step throughput per
 * device, JSON reports, comparisons and plots.
 */
package dev.clayers.bench;
