package dev.clayers;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;

/**
 * Whether the JVM's JIT was busy during a stretch of work, for warm-ups that must not end while
 * the Java backend is still being compiled (its Vector-API gemm runs tens of times slower until
 * C2 is done with it).
 *
 * <p>The signal is CPU time the process spent outside its visible Java threads: the JIT's
 * compiler threads are hidden from {@link ThreadMXBean}, so their work (and the GC's) shows up
 * only in the process total. A compilation still running burns CPU, so this sees a long C2
 * compile that {@link java.lang.management.CompilationMXBean#getTotalCompilationTime()} (which
 * grows only when a compilation ends) would hide. Only meaningful when no native threads work
 * for the process: an OpenCL driver's own threads (PoCL's) count as outside too.
 */
public final class JitWatch {
    private final com.sun.management.OperatingSystemMXBean os;
    private final ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    private long process, visible, wall;

    public JitWatch() {
        os = ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean o ? o : null;
        mark();
    }

    /** Starts a stretch. */
    public void mark() {
        wall = System.nanoTime();
        process = processCpu();
        visible = visibleThreadsCpu();
    }

    /**
     * Whether, since {@link #mark}, the CPU time outside the visible threads stayed below
     * {@code share} of the wall time. True when the JVM cannot tell (no process CPU time).
     */
    public boolean quiet(double share) {
        if (os == null || process < 0) return true;
        long outside = (processCpu() - process) - (visibleThreadsCpu() - visible);
        return outside < share * (System.nanoTime() - wall);
    }

    private long processCpu() { return os == null ? -1 : os.getProcessCpuTime(); }

    private long visibleThreadsCpu() {
        long sum = 0;
        for (long id : threads.getAllThreadIds()) sum += Math.max(0, threads.getThreadCpuTime(id));
        return sum;
    }
}
