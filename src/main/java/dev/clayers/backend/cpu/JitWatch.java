package dev.clayers.backend.cpu;

import dev.clayers.backend.Backend;

import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;

/**
 * Whether the JVM's JIT was busy during a stretch of work, for warm-ups (bench) and probes (auto)
 * that must not end while the code they time is still being compiled: the Java backend's
 * Vector-API gemm runs tens of times slower until C2 is done with it.
 *
 * <p>Two signals. A compilation that finished during the stretch
 * ({@link CompilationMXBean#getTotalCompilationTime()} grew) counts for every backend. On the Java
 * backend, so does CPU time the process spent outside its visible Java threads: the JIT's
 * compiler threads are hidden from {@link ThreadMXBean}, so their work (and the GC's) shows up
 * only in the process total, and a long C2 compile still running burns CPU long before the
 * compile-time total moves. That second signal is off for OpenCL devices, whose driver threads
 * (PoCL's) count as outside too.
 */
public final class JitWatch {
    /** Share of a stretch's wall time the JIT and GC may take and the stretch still count as quiet. */
    public static final double QUIET_SHARE = 0.05;

    /**
     * Calls (steps, bench calls) the Java backend must have made before its speed may count as
     * steady. Interpreted, before C2 has even started, its Vector-API loops run steadily at under
     * 1% of their compiled speed, and the JIT looks quiet then. Compiled calls take milliseconds,
     * so this costs nothing once C2 is done (measurements: docs/performance.md, "Tuning notes").
     */
    public static final int JAVA_MIN_CALLS = 30;

    private final boolean java;
    private final CompilationMXBean compiler = ManagementFactory.getCompilationMXBean();
    private final boolean compileTime = compiler != null && compiler.isCompilationTimeMonitoringSupported();
    private final com.sun.management.OperatingSystemMXBean os;
    private final ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    private long compiled, process, visible, wall;

    private JitWatch(boolean java) {
        this.java = java;
        os = java && ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean o ? o : null;
        mark();
    }

    /** A watch for timing work on {@code b}: both signals on the Java backend, compile time alone elsewhere. */
    public static JitWatch of(Backend b) { return new JitWatch(javaBackend(b)); }

    /** Whether b runs on the JVM's own threads (so its speed is the JIT's to change). */
    public static boolean javaBackend(Backend b) { return CpuBackend.ID.equals(b.id()); }

    /** Starts a stretch. */
    public void mark() {
        wall = System.nanoTime();
        compiled = compileTime ? compiler.getTotalCompilationTime() : 0;
        process = processCpu();
        visible = os == null ? 0 : visibleThreadsCpu();
    }

    /** Whether, since {@link #mark}, no compilation finished and (Java backend) the CPU outside our threads stayed under {@link #QUIET_SHARE}. */
    public boolean quiet() {
        if (compileTime && compiler.getTotalCompilationTime() != compiled) return false;
        if (os == null || process < 0) return true;
        long outside = (processCpu() - process) - (visibleThreadsCpu() - visible);
        return outside < QUIET_SHARE * (System.nanoTime() - wall);
    }

    /** {@link #quiet}, and on the Java backend at least {@link #JAVA_MIN_CALLS} calls made so far in all. */
    public boolean steady(long callsSoFar) {
        return quiet() && (!java || callsSoFar >= JAVA_MIN_CALLS);
    }

    private long processCpu() { return os == null ? -1 : os.getProcessCpuTime(); }

    private long visibleThreadsCpu() {
        long sum = 0;
        for (long id : threads.getAllThreadIds()) sum += Math.max(0, threads.getThreadCpuTime(id));
        return sum;
    }
}
