package dev.clayers.spark;

import org.apache.spark.BarrierTaskContext;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * {@code BarrierTaskContext.allGather} without its one-second wait. Spark 3.5 sends the request and
 * then polls for the answer with {@code Thread.sleep(1000)}, treating an interrupt of that sleep as
 * "look again" (the way the driver wakes a task it kills); so each call took a second however soon
 * the answer came, and a training step is one call. Here a timer thread interrupts the task's
 * thread every {@link #POLL_MS} ms while the call is in flight, so the loop looks again that
 * often; whether the task was killed is still checked by Spark after every wake-up, and the
 * thread's interrupt flag is cleared before this returns. Internal.
 */
final class Barrier {
    /** How often the waiting task looks for the answer. */
    static final long POLL_MS = 1;
    private static final ScheduledExecutorService WAKER = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "clayers-allGather-waker");
        t.setDaemon(true);
        return t;
    });

    private Barrier() {}

    static String[] allGather(BarrierTaskContext ctx, String message) {
        Thread caller = Thread.currentThread();
        Object lock = new Object();
        boolean[] done = {false};
        ScheduledFuture<?> waker = WAKER.scheduleWithFixedDelay(() -> {
            synchronized (lock) {
                if (!done[0]) caller.interrupt();
            }
        }, POLL_MS, POLL_MS, TimeUnit.MILLISECONDS);
        try {
            return ctx.allGather(message);
        } finally {
            synchronized (lock) {
                done[0] = true;
            }
            waker.cancel(false);
            Thread.interrupted();   // an interrupt of ours that arrived after the answer
        }
    }
}
