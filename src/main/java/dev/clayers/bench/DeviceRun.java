package dev.clayers.bench;

import dev.clayers.backend.DeviceInfo;

/**
 * A device as benchmarked, with its set-up costs, which are never part of a figure.
 *
 * @param info         what the device is (name, driver, OpenCL version)
 * @param openMs       opening the backend: context, queue and every kernel built from source
 * @param firstCallsMs the first call of every case, summed (lazy per-launch compilation)
 */
public record DeviceRun(DeviceInfo info, double openMs, double firstCallsMs) {}
