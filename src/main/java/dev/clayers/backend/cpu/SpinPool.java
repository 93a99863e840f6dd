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
 *
 * <p>{@link #SHARED} is the one pool of the Java backend: {@link CpuGemm}'s strips and the
 * element ops' ranges ({@link #split}) take turns on it, so a core never has two of our spinning
 * threads. {@code -Dclayers.gemm.spin=false} leaves it out (gemm then forks, element ops run on
 * the caller).
 */
final class SpinPool {
    /** How long an idle worker keeps spinning before it parks. */
    private static final long SPIN_NANOS = 200_000;
    /** How long a caller spins for a worker to finish before it yields its core to it. */
    private static final long AWAIT_SPIN_NANOS = 20_000;

    static final int THREADS = Runtime.getRuntime().availableProcessors();

    /** One worker per core beyond the caller's; null with {@code -Dclayers.gemm.spin=false}. */
    static final SpinPool SHARED = "false".equals(System.getProperty("clayers.gemm.spin"))
            ? null : new SpinPool(Math.max(0, THREADS - 1));

    /** A share of {@link #split}'s range: items {@code [from, to)}, the {@code piece}-th of them in order. */
    interface Range {
        void run(int piece, int from, int to);
    }

    /** Pieces per thread in {@link #split}: a thread that loses its core holds up one small piece, not half the range. */
    private static final int PIECES_PER_THREAD = 4;

    /**
     * How many pieces {@link #split} cuts n items into: a few per core, each at least
     * {@code grain} items. The same with or without the pool, so results are too.
     */
    static int pieces(int n, int grain) {
        return (int) Math.max(1, Math.min((long) THREADS * PIECES_PER_THREAD, (long) n / Math.max(1, grain)));
    }

    /**
     * Runs {@code body} over {@code [0, n)} cut into {@link #pieces} contiguous pieces, which the
     * caller and the shared pool's workers take from a counter ({@link #tryShare}); on the caller
     * alone when the pool is busy (another thread's op) or turned off. The cuts fall on multiples of
     * {@code align} and depend only on n and grain, never on who ran what, so per-piece results
     * combine the same way every time. Under two grains it is one piece on the caller: waking a
     * worker costs microseconds, about what it would take over.
     */
    static void split(int n, int grain, int align, Range body) {
        int pieces = pieces(n, grain);
        if (pieces == 1) {
            body.run(0, 0, n);
            return;
        }
        int units = (n + align - 1) / align;
        java.util.concurrent.atomic.AtomicInteger next = new java.util.concurrent.atomic.AtomicInteger();
        Runnable work = () -> {
            for (int t; (t = next.getAndIncrement()) < pieces; ) {
                int from = (int) Math.min(n, (long) units * t / pieces * align);
                int to = (int) Math.min(n, (long) units * (t + 1) / pieces * align);
                body.run(t, from, to);
            }
        };
        if (SHARED == null || !SHARED.tryShare(work)) work.run();
    }

    /**
     * Runs {@code work} on the calling thread and offers it to every worker; work is expected to
     * take its pieces from a shared counter, so whoever runs it does what is left. When the
     * caller's run returns, offers that no worker has taken yet are withdrawn and only workers
     * already inside are waited for: on a machine with more runnable threads than cores, a worker
     * that is not scheduled does not hold up the caller (with {@link #tryRun}'s fixed shares the
     * caller spun until it was, and two threads ran column sums at a third of one thread's speed).
     *
     * @return false, running nothing, when another thread is using the pool
     */
    boolean tryShare(Runnable work) {
        if (!lock.tryLock()) return false;
        try {
            for (Worker w : workers) w.start(work);
            Throwable failure = null;
            try {
                work.run();
            } catch (Throwable t) {
                failure = t;
            }
            for (Worker w : workers) {
                if (w.withdraw(work)) continue;
                Throwable t = w.await();
                if (failure == null) failure = t;
            }
            rethrow(failure);
            return true;
        } finally {
            lock.unlock();
        }
    }

    private final Worker[] workers;
    private final ReentrantLock lock = new ReentrantLock();

    SpinPool(int workers) {
        this.workers = new Worker[workers];
        for (int i = 0; i < workers; i++) {
            this.workers[i] = new Worker();
            Thread t = new Thread(this.workers[i], "clayers-cpu-" + (i + 1));
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
            rethrow(failure);
            return true;
        } finally {
            lock.unlock();
        }
    }

    /** A task's exception, thrown on the caller as it was (checked ones wrapped). */
    private static void rethrow(Throwable failure) {
        if (failure instanceof RuntimeException r) throw r;
        if (failure instanceof Error e) throw e;
        if (failure != null) throw new IllegalStateException(failure);
    }

    private static final class Worker implements Runnable {
        /** The offered task; taken (set to null) by the worker, or withdrawn by the caller, whichever is first. */
        private final java.util.concurrent.atomic.AtomicReference<Runnable> task = new java.util.concurrent.atomic.AtomicReference<>();
        private volatile boolean done = true;
        private volatile Throwable failure;
        private Thread thread;

        void start(Runnable r) {
            failure = null;
            done = false;
            task.set(r);
            LockSupport.unpark(thread);
        }

        /** True when r had not been taken yet and now never will be. */
        boolean withdraw(Runnable r) {
            if (!task.compareAndSet(r, null)) return false;
            done = true;
            return true;
        }

        /**
         * Spins while the worker is likely running; past {@link #AWAIT_SPIN_NANOS} it has probably
         * lost its core (more runnable threads than cores), so the caller yields its own, which
         * lets the worker finish, instead of spinning out its time slice.
         */
        Throwable await() {
            long start = System.nanoTime();
            while (!done) {
                if (System.nanoTime() - start < AWAIT_SPIN_NANOS) Thread.onSpinWait();
                else Thread.yield();
            }
            return failure;
        }

        @Override
        public void run() {
            long idleSince = System.nanoTime();
            while (true) {
                Runnable r = task.get();
                if (r == null || !task.compareAndSet(r, null)) {
                    if (System.nanoTime() - idleSince < SPIN_NANOS) {
                        Thread.onSpinWait();
                    } else {
                        LockSupport.park(this);   // start() unparks; a spurious wake just loops
                    }
                    continue;
                }
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
