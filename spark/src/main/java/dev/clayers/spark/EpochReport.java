package dev.clayers.spark;

import java.io.Serializable;

/**
 * One epoch of a {@link ClayersClassifier#fit} run, as the driver saw it.
 *
 * @param epoch    1-based
 * @param loss     mean training loss over the epoch's steps
 * @param seconds  wall time of the epoch's stage, retries included
 * @param attempts how many times Spark ran the epoch's stage (more than 1 after a failed task or executor)
 * @param devices  how many devices shared every batch (all executors' together)
 */
public record EpochReport(int epoch, double loss, double seconds, int attempts, int devices) implements Serializable {
}
