package dev.clayers.backend;

import java.util.Collections;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One lock per backend. A backend's command queue, scratch buffers and worker pool serve one
 * caller at a time (two threads enqueueing at once crashed PoCL and raced the Java backend's
 * scratch), so everything that runs a network ({@code Sequential}'s predictions and gradients,
 * {@code Training.fit}) holds its backend's lock for the call: threads sharing a backend take
 * turns, never crash and never see each other's buffers.
 */
public final class BackendLock {
    private BackendLock() {}

    private static final Map<Backend, ReentrantLock> LOCKS = Collections.synchronizedMap(new WeakHashMap<>());

    /** The lock of {@code backend}, the same object for every caller. */
    public static ReentrantLock of(Backend backend) {
        return LOCKS.computeIfAbsent(backend, b -> new ReentrantLock());
    }
}
