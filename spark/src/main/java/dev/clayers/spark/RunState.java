package dev.clayers.spark;

import java.io.Serializable;
import java.util.Map;

/**
 * The state of a run between two epochs, the same on every task once an epoch's last step is
 * applied: the network's weights and layer state, the optimizer's state and step count. The
 * driver keeps it and broadcasts it to the next epoch's tasks, which is what a failed epoch is run
 * again from. {@code loss} and {@code attempt} report on the epoch that made it. Internal.
 */
record RunState(Map<String, float[]> weights, Map<String, float[]> optimizer, long steps, double loss, int attempt,
                int shares) implements Serializable {
}
