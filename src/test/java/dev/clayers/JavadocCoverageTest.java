package dev.clayers;

import com.sun.source.util.JavacTask;
import org.junit.jupiter.api.Test;

import javax.tools.Diagnostic;
import javax.tools.DiagnosticCollector;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Every public and protected type and member of the API packages has a Javadoc comment (issue 28:
 * the Javadoc is the API's reference). The check is doclint's own: javac analyses the API sources
 * with {@code -Xdoclint:missing/protected} and every "no comment" fails the test, naming file and
 * line. The other reports of that group ({@code @param}, {@code @return} and {@code @throws} tags
 * not written) are not required: the comments here are prose. The Javadoc build checks the other
 * doclint groups (references, HTML, syntax) on the same packages and fails on an error there.
 *
 * <p>Run alone: {@code mvn -B -o -q test -Dtest=JavadocCoverageTest}.
 */
class JavadocCoverageTest {
    /** The API packages, as their package-info.java says; the same list as the javadoc plugin's doclint packages in pom.xml. */
    static final List<String> API = List.of("dev.clayers", "dev.clayers.net", "dev.clayers.train", "dev.clayers.data",
            "dev.clayers.backend", "dev.clayers.layer", "dev.clayers.io", "dev.clayers.onnx");

    /** The "no comment" reports of doclint over the API packages, one line each ({@code net/Layers.java:72: no comment}). */
    static List<String> missingComments(Path sourceRoot) throws IOException {
        List<Path> files = new ArrayList<>();
        for (String pkg : API) {
            try (Stream<Path> s = Files.list(sourceRoot.resolve(pkg.replace('.', '/')))) {
                s.filter(p -> p.toString().endsWith(".java")).sorted().forEach(files::add);
            }
        }
        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
        try (StandardJavaFileManager fm = javac.getStandardFileManager(diagnostics, Locale.ROOT, StandardCharsets.UTF_8)) {
            List<String> options = List.of("-Xdoclint:missing/protected", "-Xdoclint/package:" + String.join(",", API),
                    "-proc:none", "-implicit:none", "-Xmaxwarns", "100000", "-Xmaxerrs", "100000",
                    "--add-modules", "jdk.incubator.vector", "-classpath", classpath);
            JavacTask task = (JavacTask) javac.getTask(null, fm, diagnostics, options, null, fm.getJavaFileObjectsFromPaths(files));
            task.analyze();
        }
        List<String> out = new ArrayList<>();
        for (Diagnostic<? extends JavaFileObject> d : diagnostics.getDiagnostics()) {
            if (d.getKind() == Diagnostic.Kind.ERROR) {
                out.add("does not compile: " + d.getMessage(Locale.ROOT));
            } else if (d.getSource() != null && d.getMessage(Locale.ROOT).startsWith("no comment")) {
                Path file = Path.of(d.getSource().toUri());
                out.add(sourceRoot.toAbsolutePath().resolve("dev/clayers").relativize(file) + ":" + d.getLineNumber() + ": no comment");
            }
        }
        return out;
    }

    @Test
    void everyPublicTypeAndMemberOfTheApiHasAComment() throws IOException {
        List<String> missing = missingComments(Path.of("src/main/java"));
        assertEquals(List.of(), missing, missing.size() + " public or protected elements of the API packages have no Javadoc"
                + " comment; write one (what it is and does, units, ranges, what it throws):\n" + String.join("\n", missing));
    }
}
