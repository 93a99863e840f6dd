package dev.clayers;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * No clayers package imports one above it (docs/DESIGN.md's picture). A package and its
 * subpackages form one layer ({@code backend} with {@code backend.cpu} and {@code backend.opencl},
 * {@code graph} with {@code graph.render}); the top-level package holds only {@link Limits}, a leaf.
 */
class PackageLayersTest {
    /** Lowest first: each may import only itself and the ones before it. */
    static final List<String> LAYERS = List.of("", "io", "data", "backend", "layer", "net", "train", "onnx", "graph", "bench", "cli");

    private static final Pattern PACKAGE = Pattern.compile("^package dev\\.clayers(?:\\.([a-z]+))?[a-z.]*;", Pattern.MULTILINE);
    private static final Pattern IMPORT = Pattern.compile("^import (?:static )?dev\\.clayers\\.(?:([a-z]+)\\.)?[A-Za-z0-9_.]*;",
            Pattern.MULTILINE);

    static int layer(String top) {
        int i = LAYERS.indexOf(top == null ? "" : top);
        assertTrue(i >= 0, "package dev.clayers." + top + " has no place in PackageLayersTest.LAYERS (add it, lowest first)");
        return i;
    }

    /** The layer a source file's imports break, one line each ({@code net/ModelFile.java imports io: ...}). */
    static List<String> violations(Path root) throws IOException {
        List<String> out = new ArrayList<>();
        try (Stream<Path> files = Files.walk(root)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                String src = Files.readString(f);
                Matcher p = PACKAGE.matcher(src);
                if (!p.find()) continue;
                int own = layer(p.group(1));
                Matcher m = IMPORT.matcher(src);
                while (m.find()) {
                    String target = m.group(1);
                    if (layer(target) > own) out.add(root.relativize(f) + " imports " + m.group(0).substring(7).replace(";", ""));
                }
            }
        }
        return out;
    }

    @Test
    void noPackageImportsOneAboveIt() throws IOException {
        assertEquals(List.of(), violations(Path.of("src/main/java")));
        assertEquals(List.of(), violations(Path.of("src/main/java-vector")));
    }

    @Test
    void theCheckFindsAnUpwardImport(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("dev/clayers/io/Bad.java");
        Files.createDirectories(f.getParent());
        Files.writeString(f, "package dev.clayers.io;\n\nimport dev.clayers.net.Sequential;\nimport dev.clayers.Limits;\n\nclass Bad {}\n");
        List<String> v = violations(dir);
        assertEquals(1, v.size(), v.toString());
        assertTrue(v.get(0).contains("dev.clayers.net.Sequential"), v.toString());
    }
}
