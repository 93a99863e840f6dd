package dev.clayers.backend.opencl;

import dev.clayers.backend.TestDevices;
import dev.clayers.io.CacheDir;
import org.junit.jupiter.api.Assumptions;

import java.nio.file.Path;
import java.util.List;

/** The first real (not simulated) OpenCL device for the cache tests (skipped without OpenCL, except under CI=true) and a temp cache dir. */
final class OpenClTestSupport {
    private OpenClTestSupport() {}

    /** {platform, device} of the first OpenCL device. */
    static int[] firstDevice() {
        List<String> ids = TestDevices.openClIds().stream().filter(id -> !TestDevices.small(id)).toList();
        if (!"true".equals(System.getenv("CI"))) {
            Assumptions.assumeFalse(ids.isEmpty(), () -> "no OpenCL device: " + TestDevices.openClProblem());
        }
        if (ids.isEmpty()) throw new AssertionError("CI=true but no OpenCL device: " + TestDevices.openClProblem());
        String[] p = ids.get(0).split(":");
        return new int[] {Integer.parseInt(p[1]), Integer.parseInt(p[2])};
    }

    /** Points {@code clayers.cache.dir} at {@code dir}; returns the previous value (null: unset). */
    static String useCacheDir(Path dir) {
        String old = System.getProperty(CacheDir.PROPERTY);
        System.setProperty(CacheDir.PROPERTY, dir.toString());
        return old;
    }

    static void restoreCacheDir(String old) {
        if (old == null) System.clearProperty(CacheDir.PROPERTY);
        else System.setProperty(CacheDir.PROPERTY, old);
    }
}
