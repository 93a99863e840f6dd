package dev.clayers.backend.cpu;

import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A few daemon threads that take one task each from the calling thread and spin briefly before
 * sleeping. A training step issues GEMMs of a fraction of a millisecond back to back; waking a
 * parked fork/join worker for each costs about as much as the work it would take over, so two
 * threads used to be slower than one on the network's shapes. Workers that spin for a little
 * while after each task are already awake for the next GEMM.
 *
 * <p>One caller at a time: {@link #tryRun} returns false when another thread holds the pool, and
 * the caller then uses another way to run its tasks.
 */
final class SpinPool {
    /** How long an idle worker keeps spinning before it parks. */
    private static final long SPIN_NANOS = 200_000;

    private final Worker[] workers;
    private final ReentrantLock lock = new ReentrantLock();

    SpinPool(int workers) {
        this.workers = new Worker[workers];
        for (int i = 0; i < workers; i++) {
            this.workers[i] = new Worker();
            Thread t = new Thread(this.workers[i], "clayers-gemm-" + (i + 1));
            t.setDaemon(true);
            this.workers[i].thread = t;
            t.start();
        }
    }

    /** Number of tasks one {@link #tryRun} can take: the workers plus the caller. */
    int width() { return workers.length + 1; }

    /**
     * Runs {@code tasks[0]} on the calling thread and the others on the workers, and returns when
     * all have finished; a task's exception is rethrown here.
     *
     * @return false, running nothing, when another thread is using the pool
     */
    boolean tryRun(Runnable[] tasks) {
        if (tasks.length > width()) throw new IllegalArgumentException(tasks.length + " tasks for " + width() + " threads");
        if (!lock.tryLock()) return false;
        try {
            for (int i = 1; i < tasks.length; i++) workers[i - 1].start(tasks[i]);
            Throwable failure = null;
            try {
                tasks[0].run();
            } catch (Throwable t) {
                failure = t;
            }
            for (int i = 1; i < tasks.length; i++) {
                Throwable t = workers[i - 1].await();
                if (failure == null) failure = t;
            }
            if (failure instanceof RuntimeException r) throw r;
            if (failure instanceof Error e) throw e;
            if (failure != null) throw new IllegalStateException(failure);
            return true;
        } finally {
            lock.unlock();
        }
    }

    private static final class Worker implements Runnable {
        private volatile Runnable task;
        private volatile boolean done = true;
        private volatile Throwable failure;
        private Thread thread;

        void start(Runnable r) {
            failure = null;
            done = false;
            task = r;
            LockSupport.unpark(thread);
        }

        Throwable await() {
            while (!done) Thread.onSpinWait();
            return failure;
        }

        @Override
        public void run() {
            long idleSince = System.nanoTime();
            while (true) {
                Runnable r = task;
                if (r == null) {
                    if (System.nanoTime() - idleSince < SPIN_NANOS) {
                        Thread.onSpinWait();
                    } else {
                        LockSupport.park(this);   // start() unparks; a spurious wake just loops
                    }
                    continue;
                }
                task = null;
                try {
                    r.run();
                } catch (Throwable t) {
                    failure = t;
                }
                done = true;
                idleSince = System.nanoTime();
            }
        }
    }
}
