package dev.clayers.backend;

import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Fails a test when Oclgrind reported anything while it ran. The build runs the tests with
 * Oclgrind's checks on (data races, API errors, out-of-bounds accesses, barrier divergence; see the
 * surefire settings in pom.xml) and its messages in the file named by {@code OCLGRIND_LOG}; this
 * extension, registered for every test (META-INF/services, autodetection on in
 * junit-platform.properties), reads what was added to that file after each test.
 *
 * <p>Each check empties the file after reading it. Oclgrind keeps writing at its own offset (one
 * open file per OpenCL context), which leaves NUL bytes in front of later reports; they are dropped.
 */
public final class OclgrindReports implements AfterEachCallback {
    /** The log file Oclgrind writes to, or null when the tests run without one. */
    public static Path logFile() {
        String f = System.getenv("OCLGRIND_LOG");
        return f == null || f.isBlank() ? null : Path.of(f);
    }

    @Override
    public void afterEach(ExtensionContext context) throws IOException {
        String added = newReports();
        if (!added.isBlank()) {
            throw new AssertionError("Oclgrind reported errors during " + context.getDisplayName() + ":\n" + added.strip());
        }
    }

    /** What Oclgrind logged since the last call ("" when nothing, or when there is no log); empties the log. */
    public static synchronized String newReports() throws IOException {
        Path log = logFile();
        if (log == null || !Files.exists(log)) return "";
        String text = new String(Files.readAllBytes(log), StandardCharsets.UTF_8).replace("\0", "");
        if (!text.isBlank()) Files.write(log, new byte[0]);
        return text;
    }
}
