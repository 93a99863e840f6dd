package dev.clayers.backend.opencl;

import dev.clayers.backend.ElementOp;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The kernel names the host declares ({@link ClKernel} and the {@link ElementOp} catalogue) against
 * the kernels {@code kernels/*.cl} define, read as text, no OpenCL needed: a declared kernel missing
 * from its file, or a file's kernel that nobody declares, fails the build here instead of at run
 * time on a device.
 */
class KernelNamesTest {
    /** {@code __kernel [__attribute__((...))] void NAME(}, across line breaks. */
    private static final Pattern KERNEL = Pattern.compile("__kernel\\s+(?:__attribute__\\s*\\(\\(.*?\\)\\)\\s*)?void\\s+(\\w+)\\s*\\(",
            Pattern.DOTALL);

    /** Kernel names each file defines, comments removed first. */
    static Map<String, Set<String>> defined(Path dir) throws IOException {
        Map<String, Set<String>> out = new TreeMap<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".cl")).sorted().toList()) {
                String src = Files.readString(f).replaceAll("(?s)/\\*.*?\\*/", " ").replaceAll("//[^\\n]*", " ");
                Set<String> names = new TreeSet<>();
                Matcher m = KERNEL.matcher(src);
                while (m.find()) assertTrue(names.add(m.group(1)), f + " defines " + m.group(1) + " twice");
                out.put(f.getFileName().toString(), names);
            }
        }
        return out;
    }

    /** Kernel names the host declares for each file. */
    static Map<String, Set<String>> declared() {
        Map<String, Set<String>> out = new TreeMap<>();
        for (String file : ClKernel.files()) out.put(file, new TreeSet<>(List.of(ClKernel.names(file))));
        return out;
    }

    @Test
    void everyDeclaredKernelIsDefinedAndEveryDefinedOneDeclared() throws IOException {
        Map<String, Set<String>> defined = defined(Path.of("kernels"));
        assertFalse(defined.isEmpty(), "no kernels/*.cl found from " + Path.of("").toAbsolutePath());
        Map<String, Set<String>> declared = declared();
        List<String> problems = new ArrayList<>();
        for (var e : declared.entrySet()) {
            Set<String> there = defined.getOrDefault(e.getKey(), Set.of());
            if (!defined.containsKey(e.getKey())) problems.add("kernels/" + e.getKey() + " is declared but missing");
            for (String k : e.getValue()) if (!there.contains(k)) problems.add(k + " is declared in " + e.getKey() + " but not defined there");
        }
        for (var e : defined.entrySet()) {
            Set<String> decl = declared.getOrDefault(e.getKey(), Set.of());
            for (String k : e.getValue()) if (!decl.contains(k)) problems.add("kernels/" + e.getKey() + " defines " + k + ", which nobody declares");
        }
        assertEquals(List.of(), problems);
    }

    @Test
    void namesAreUniqueAcrossFiles() {
        Set<String> seen = new HashSet<>();
        for (var e : declared().entrySet()) {
            for (String k : e.getValue()) assertTrue(seen.add(k), k + " is declared in two files (one program each: the backend could not tell them apart)");
        }
    }

    /** The parser itself: the forms the files use are found, a commented-out kernel is not. */
    @Test
    void parserReadsTheFormsInUse(@org.junit.jupiter.api.io.TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("a.cl"), """
                /* __kernel void in_comment(int n) */
                // __kernel void also_comment(int n)
                __kernel void plain(const int n) {}
                __kernel __attribute__((reqd_work_group_size(RTSN, RTSM, 1)))
                void attributed(GEMM_ARGS) { }
                """);
        assertEquals(Map.of("a.cl", Set.of("plain", "attributed")), defined(dir));
    }
}
