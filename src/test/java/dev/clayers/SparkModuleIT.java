package dev.clayers;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Builds and tests {@code spark/}, the separate Maven project of the {@code clayers-spark} artifact
 * (docs/spark.md), against the jar of this build, as {@link LibraryExampleIT} does for the library
 * example: its own tests train on a two-executor Spark cluster started on this machine, kill an
 * executor, and run this build's CLI on a model the Spark pipeline saved. Runs in
 * {@code integration-test} (failsafe), after the jars exist.
 *
 * <p>The nested build's local repository is {@code target/spark-repo}, which gets this build's jar
 * and pom and reads everything else from the user's local repository as a file repository (Maven
 * Central for the rest: the first run downloads Spark). It stays between runs until {@code mvn clean}.
 */
class SparkModuleIT {
    @Test
    void sparkModuleBuildsAndItsClusterTestsPass() throws Exception {
        String version = NestedBuild.property("clayers.version");
        Path jar = Path.of(NestedBuild.property("clayers.jar"));
        Path cli = jar.resolveSibling("clayers.jar");
        assertTrue(Files.exists(cli), "the runnable jar " + cli + " is missing; the package phase makes it");
        Path target = jar.getParent();
        Path repo = target.resolve("spark-repo").toAbsolutePath();
        Path settings = target.resolve("spark-settings.xml");
        NestedBuild.prepare(repo, settings);
        String out = run(Path.of("spark"), 1500, NestedBuild.mvn(), "-B", "-s", settings.toString(), "-Dmaven.repo.local=" + repo,
                "-Dclayers.version=" + version, "-Dclayers.cli.jar=" + cli.toAbsolutePath(), "verify");
        Matcher m = Pattern.compile("Tests run: (\\d+), Failures: (\\d+), Errors: (\\d+), Skipped: (\\d+)\\s*$",
                Pattern.MULTILINE).matcher(out);
        int run = -1, skipped = 0;
        while (m.find()) {   // the last summary line is the whole run's
            run = Integer.parseInt(m.group(1));
            skipped = Integer.parseInt(m.group(4));
        }
        assertTrue(run > 0, "the spark module ran no tests:\n" + tail(out));
        // Only the several-devices test may skip, where PoCL is missing; CI installs it, and there nothing may skip.
        if ("true".equals(System.getenv("CI"))) assertEquals(0, skipped, "CI=true but the spark module skipped tests:\n" + tail(out));
        assertTrue(skipped <= 1, "the spark module skipped " + skipped + " tests:\n" + tail(out));
        System.out.println("SparkModuleIT: " + run + " tests of clayers-spark passed");
    }

    private static String tail(String s) {
        return s.length() < 20_000 ? s : s.substring(s.length() - 20_000);
    }

    /** Runs a command, its output going to a file under target (a Spark build prints much); returns the output. */
    private static String run(Path dir, int seconds, String... command) throws Exception {
        Path log = Path.of("target", "spark-module.log").toAbsolutePath();
        ProcessBuilder pb = new ProcessBuilder(new ArrayList<>(List.of(command))).directory(dir.toFile())
                .redirectErrorStream(true).redirectOutput(log.toFile());
        Process p = pb.start();
        if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            fail(String.join(" ", command) + " took over " + seconds + " s; see " + log);
        }
        String text = Files.readString(log, StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), String.join(" ", command) + " failed (log " + log + "):\n" + tail(text));
        return text;
    }
}
