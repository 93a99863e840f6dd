package dev.clayers.backend.opencl;

import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * PoCL initialises LLVM when it lists its devices, and LLVM installs its own handlers for
 * SIGSEGV, SIGBUS and SIGFPE over the JVM's ({@code -Xcheck:jni} shows them replaced). HotSpot
 * uses SIGSEGV for safepoints, so from then on a safepoint can kill the JVM; it did, a few times
 * an hour, under the benchmarks. The JDK's signal-chaining library, preloaded
 * ({@code LD_PRELOAD=$JAVA_HOME/lib/libjsig.so}), keeps the JVM's handlers first and passes on the
 * signals the JVM does not own. {@code ./clayers} and the test runs preload it; a plain
 * {@code java -jar} gets a warning here.
 */
final class SignalChaining {
    private static final AtomicBoolean WARNED = new AtomicBoolean();

    private SignalChaining() {}

    /** The library to preload for this JVM, or null where there is none (not Linux, not HotSpot). */
    static Path library() {
        if (!System.getProperty("os.name", "").toLowerCase(java.util.Locale.ROOT).contains("linux")) return null;
        Path p = Path.of(System.getProperty("java.home"), "lib", "libjsig.so");
        return Files.exists(p) ? p : null;
    }

    /** Whether libjsig is mapped into this process (Linux: /proc/self/maps). */
    static boolean loaded() {
        try {
            return Files.readString(Path.of("/proc/self/maps")).contains("libjsig");
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /** Warns once when a PoCL platform is about to be used without the library preloaded. */
    static void warnIfMissing(String platformName) {
        if (!platformName.contains("Portable Computing Language")) return;
        Path lib = library();
        if (lib == null || loaded() || !WARNED.compareAndSet(false, true)) return;
        LoggerFactory.getLogger(SignalChaining.class).warn("PoCL replaces the JVM's signal handlers, which can crash this JVM at random;"
                + " start Java with LD_PRELOAD={} (./clayers does)", lib);
    }
}
