package dev.clayers;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every relative link and picture in README.md and docs/*.md resolves: the file exists and, for a
 * link into a Markdown heading ({@code file.md#anchor} or {@code #anchor}), the heading does, by
 * GitHub's rules for anchors. Every picture in docs/ is shown with the {@code ./clayers} command
 * that makes it ({@code --png} or {@code --plot docs/NAME.png}), which scripts/pictures.sh runs.
 * Runs from the project root, Maven's basedir.
 */
class DocsLinksTest {
    private static final Pattern FENCE = Pattern.compile("(?ms)^ {0,3}(```|~~~).*?^ {0,3}\\1[^\\n]*$");
    private static final Pattern COMMENT = Pattern.compile("(?s)<!--.*?-->");
    private static final Pattern CODE_SPAN = Pattern.compile("(`+)(?!`)(.+?)(?<!`)\\1(?!`)", Pattern.DOTALL);
    /** [text](target) and ![alt](target), with an optional "title"; the text may hold one level of brackets. */
    private static final Pattern LINK = Pattern.compile("!?\\[((?:[^\\[\\]]++|\\[[^\\[\\]]*+\\])*+)\\]\\(\\s*<?([^)\\s>]+)>?(?:\\s+\"[^\"]*\")?\\s*\\)");
    private static final Pattern HEADING = Pattern.compile("(?m)^ {0,3}(#{1,6})\\s+(.*?)\\s*#*\\s*$");
    private static final Pattern PICTURE_COMMAND = Pattern.compile("`(\\./clayers [^`]*?--(?:png|plot)[ =](docs/[A-Za-z0-9_.-]+\\.png)[^`]*)`");

    @Test
    void everyRelativeLinkAndPictureResolves() throws IOException {
        Path root = Path.of("").toAbsolutePath();
        List<Path> docs = documents(root);
        assertTrue(docs.contains(root.resolve("README.md")), "README.md not found under " + root);
        Result r = check(root, docs);
        assertTrue(r.checked > 30, "only " + r.checked + " relative links found: is the parser broken?");
        assertEquals(List.of(), r.problems, String.join("\n", r.problems));
    }

    @Test
    void everyPictureInDocsShowsTheCommandThatMakesIt() throws IOException {
        Path root = Path.of("").toAbsolutePath();
        Set<String> made = new LinkedHashSet<>();
        for (Path d : documents(root)) {
            Matcher m = PICTURE_COMMAND.matcher(Files.readString(d));
            while (m.find()) made.add(m.group(2));
        }
        List<String> missing = new ArrayList<>();
        try (Stream<Path> s = Files.list(root.resolve("docs"))) {
            s.filter(p -> p.toString().endsWith(".png")).sorted().forEach(p -> {
                String name = "docs/" + p.getFileName();
                if (!made.contains(name)) missing.add(name + ": no document shows `./clayers ... --png|--plot " + name + "`");
            });
        }
        assertEquals(List.of(), missing, String.join("\n", missing));
    }

    /** The checker itself finds a missing file, a missing heading and a missing picture, and passes good links. */
    @Test
    void brokenLinksAreFound(@TempDir Path root) throws IOException {
        Files.createDirectories(root.resolve("docs"));
        Files.writeString(root.resolve("docs/a.md"), """
                # A page

                ## Caches and `auto.json` (per user)

                Text.
                """);
        Files.writeString(root.resolve("README.md"), """
                # Title

                Good: [a](docs/a.md), [caches](docs/a.md#caches-and-autojson-per-user), [me](#title),
                [web](https://example.com/nowhere), `[in code](nowhere.md)`.

                ```
                [in a fence](nowhere.md)
                ```

                Bad: [gone](docs/gone.md), ![picture](docs/gone.png), [heading](docs/a.md#no-such-heading),
                [here](#nothing-here).
                """);
        Result r = check(root, List.of(root.resolve("README.md"), root.resolve("docs/a.md")));
        assertEquals(7, r.checked, r.problems.toString());
        assertEquals(4, r.problems.size(), String.join("\n", r.problems));
        assertTrue(r.problems.get(0).contains("docs/gone.md"), r.problems.get(0));
        assertTrue(r.problems.get(1).contains("docs/gone.png"), r.problems.get(1));
        assertTrue(r.problems.get(2).contains("#no-such-heading"), r.problems.get(2));
        assertTrue(r.problems.get(3).contains("#nothing-here"), r.problems.get(3));
    }

    @Test
    void anchorsFollowGitHubsRules() {
        assertEquals("how-auto-chooses-for-train", slug("How `auto` chooses for `train`"));
        assertEquals("this-machine-2026-12-02-amd-epyc-2-cores-avx-512", slug("This machine, 2026-12-02 (AMD EPYC, 2 cores, AVX-512)"));
        assertEquals("saved-models-save-eval-predict", slug("Saved models: save, eval, predict"));
        assertEquals("the-books-recipe", slug("The book's recipe"));
    }

    private record Result(int checked, List<String> problems) {}

    private static List<Path> documents(Path root) throws IOException {
        List<Path> docs = new ArrayList<>();
        Path readme = root.resolve("README.md");
        if (Files.exists(readme)) docs.add(readme);
        Path dir = root.resolve("docs");
        if (Files.isDirectory(dir)) {
            try (Stream<Path> s = Files.list(dir)) {
                s.filter(p -> p.toString().endsWith(".md")).sorted().forEach(docs::add);
            }
        }
        return docs;
    }

    private static Result check(Path root, List<Path> docs) throws IOException {
        Map<Path, Set<String>> anchors = new HashMap<>();
        List<String> problems = new ArrayList<>();
        int checked = 0;
        for (Path doc : docs) {
            String text = prose(Files.readString(doc));
            Matcher m = LINK.matcher(text);
            while (m.find()) {
                String target = m.group(2);
                if (target.matches("(?i)(https?|mailto|ftp):.*")) continue;
                checked++;
                int hash = target.indexOf('#');
                String file = hash < 0 ? target : target.substring(0, hash);
                String anchor = hash < 0 ? null : target.substring(hash + 1);
                Path to = file.isEmpty() ? doc : doc.getParent().resolve(decode(file)).normalize();
                String where = root.relativize(doc) + ": " + m.group();
                if (!Files.exists(to)) {
                    problems.add(where + ": " + root.relativize(to) + " does not exist");
                } else if (anchor != null && !anchor.isEmpty() && to.toString().endsWith(".md")) {
                    Set<String> known = anchors.computeIfAbsent(to, DocsLinksTest::headingAnchors);
                    if (!known.contains(anchor.toLowerCase(Locale.ROOT))) {
                        problems.add(where + ": no heading for #" + anchor + " in " + root.relativize(to));
                    }
                }
            }
        }
        return new Result(checked, problems);
    }

    /** The text with fenced blocks, HTML comments and code spans blanked, so that code is never read as links. */
    private static String prose(String markdown) {
        String s = FENCE.matcher(markdown).replaceAll("");
        s = COMMENT.matcher(s).replaceAll("");
        return CODE_SPAN.matcher(s).replaceAll("code");
    }

    private static Set<String> headingAnchors(Path md) {
        String text;
        try {
            text = FENCE.matcher(Files.readString(md)).replaceAll("");
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        Set<String> anchors = new LinkedHashSet<>();
        Map<String, Integer> seen = new HashMap<>();
        Matcher m = HEADING.matcher(text);
        while (m.find()) {
            String base = slug(m.group(2));
            int n = seen.merge(base, 1, Integer::sum) - 1;
            anchors.add(n == 0 ? base : base + "-" + n);
        }
        return anchors;
    }

    /** GitHub's heading anchor: lower case, punctuation dropped (but '-' and '_'), each space a '-'. */
    static String slug(String heading) {
        String s = heading.replaceAll("!?\\[([^\\]]*)\\]\\([^)]*\\)", "$1");   // a link in a heading counts by its text
        s = s.toLowerCase(Locale.ROOT);
        s = s.replaceAll("[^\\p{L}\\p{N}\\p{M} _-]", "");
        return s.replace(' ', '-');
    }

    private static String decode(String path) {
        return java.net.URLDecoder.decode(path.replace("+", "%2B"), java.nio.charset.StandardCharsets.UTF_8);
    }
}
