package dev.clayers;

import dev.clayers.backend.DeviceInfo;
import dev.clayers.backend.TestDevices;
import dev.clayers.backend.opencl.OpenClDevices;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The library example of docs/library.md, as a user runs it: a separate Maven project
 * ({@code src/it/library-example}) that depends on {@code dev.clayers:clayers} is built against
 * the jar and pom of this build and run on {@code cpu} and on an OpenCL device. docs/library.md
 * shows the example's source verbatim, and this test fails when the two differ, so the document
 * cannot rot. Runs in {@code integration-test} (failsafe), after the jar exists.
 *
 * <p>The example builds offline: its local repository is a fresh temporary folder (so nothing is
 * installed into the user's), which gets this build's jar and pom, and reads everything else from
 * the user's local repository as a file repository (Maven Central only for what is not there).
 */
class LibraryExampleIT {
    private static final Path EXAMPLE = Path.of("src/it/library-example");
    private static final Path SOURCE = Path.of("src/main/java/example/Example.java");
    private static final Path DOC = Path.of("docs/library.md");
    private static final String MARKER = "<!-- src/it/library-example/src/main/java/example/Example.java -->";

    @TempDir
    static Path work;
    private static Path project;
    private static String classpath;

    @Test
    void docsShowTheExampleVerbatim() throws IOException {
        String doc = Files.readString(DOC);
        int at = doc.indexOf(MARKER);
        assertTrue(at >= 0, DOC + " lacks the marker " + MARKER + " before the example");
        Matcher m = Pattern.compile("\\A\\s*```java\\n(.*?)```", Pattern.DOTALL).matcher(doc.substring(at + MARKER.length()));
        assertTrue(m.find(), DOC + ": no ```java block right after " + MARKER);
        assertEquals(Files.readString(EXAMPLE.resolve(SOURCE)), m.group(1),
                DOC + "'s example differs from " + EXAMPLE.resolve(SOURCE) + "; copy the file into " + DOC);
    }

    @BeforeAll
    static void buildExample() throws Exception {
        String version = NestedBuild.property("clayers.version");
        Path repo = work.resolve("repo");
        Path settings = work.resolve("settings.xml");
        NestedBuild.prepare(repo, settings);
        project = work.resolve("project");
        try (Stream<Path> files = Files.walk(EXAMPLE)) {
            for (Path p : files.toList()) {
                Path to = project.resolve(EXAMPLE.relativize(p).toString());
                if (Files.isDirectory(p)) Files.createDirectories(to);
                else Files.copy(p, to, StandardCopyOption.REPLACE_EXISTING);
            }
        }
        Path cp = work.resolve("classpath.txt");
        run(project, 300, NestedBuild.mvn(), "-B", "-q", "-s", settings.toString(), "-Dmaven.repo.local=" + repo,
                "-Dclayers.version=" + version, "compile",
                "org.apache.maven.plugins:maven-dependency-plugin:3.8.1:build-classpath", "-Dmdep.outputFile=" + cp);
        classpath = project.resolve("target/classes") + java.io.File.pathSeparator + Files.readString(cp).trim();
    }

    @Test
    void dependingOnClayersBringsOnlyItsLibraryDependencies() {
        List<String> jars = Arrays.stream(classpath.split(java.io.File.pathSeparator)).skip(1)
                .map(p -> Path.of(p).getFileName().toString().replaceAll("-[0-9][^-]*(-SNAPSHOT)?\\.jar$", "")).sorted().toList();
        // error_prone_annotations comes with Gson (its annotations, a 20 kB jar); protobuf-java reads and writes ONNX files.
        assertEquals(List.of("clayers", "error_prone_annotations", "gson", "jocl", "protobuf-java", "slf4j-api"), jars,
                classpath);
    }

    @Test
    void exampleRunsOnTheJavaBackend() throws Exception {
        checkRun("cpu");
    }

    /**
     * On PoCL, as docs/library.md says, when it is installed (other OpenCL platforms, a simulator such
     * as Oclgrind among them, may come first); else on the first OpenCL device. The system
     * property {@code clayers.example.device} picks another.
     */
    @Test
    void exampleRunsOnOpenCl() throws Exception {
        String chosen = System.getProperty("clayers.example.device");
        if (chosen == null) {
            List<DeviceInfo> devices = OpenClDevices.discover().devices();
            if (devices.isEmpty()) {
                if ("true".equals(System.getenv("CI"))) fail("CI=true but no OpenCL device: " + TestDevices.openClProblem());
                org.junit.jupiter.api.Assumptions.abort("no OpenCL device: " + TestDevices.openClProblem());
            }
            chosen = devices.stream().filter(d -> d.version().contains("PoCL")).findFirst().orElse(devices.get(0)).id();
        }
        checkRun(chosen);
    }

    private static void checkRun(String device) throws Exception {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        System.out.println("LibraryExampleIT: running the example on " + device);
        String out = run(project, 300, java.toString(), "--add-modules", "jdk.incubator.vector", "-cp", classpath,
                "example.Example", device);
        assertTrue(out.contains("8 threads agree with one: true"), out);
        assertTrue(out.contains("total                         37,450"), out);
        assertTrue(out.contains("weighted avg"), out);   // the classification report
        assertTrue(out.contains("best epoch"), out);
        Matcher m = Pattern.compile("test accuracy (\\d\\.\\d+)").matcher(out);
        assertTrue(m.find(), out);
        assertTrue(Double.parseDouble(m.group(1)) > 0.9, out);
        assertFalse(out.contains("multiple SLF4J providers"), out);
    }

    /** Runs a command with the JDK's signal-chaining library preloaded (PoCL, see ./clayers); returns stdout + stderr. */
    private static String run(Path dir, int seconds, String... command) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(new ArrayList<>(List.of(command))).directory(dir.toFile()).redirectErrorStream(true);
        Path jsig = Path.of(System.getProperty("java.home"), "lib", "libjsig.so");
        if (Files.exists(jsig)) pb.environment().put("LD_PRELOAD", jsig.toString());
        Process p = pb.start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail(String.join(" ", command) + " took over " + seconds + " s");
        }
        String text = new String(out, StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), String.join(" ", command) + " failed:\n" + text);
        return text;
    }
}
