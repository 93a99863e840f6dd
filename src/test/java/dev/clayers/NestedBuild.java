package dev.clayers;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

import static org.junit.jupiter.api.Assertions.fail;

/** What the *IT tests that build a separate Maven project (the library example, clayers-spark) share. */
final class NestedBuild {
    private NestedBuild() {}

    /** The mvn of the Maven running this build (its {@code maven.home}), else the one on PATH. */
    static String mvn() {
        String home = System.getProperty("maven.home");
        Path p = home == null ? null : Path.of(home, "bin", "mvn");
        return p != null && Files.isExecutable(p) ? p.toString() : "mvn";
    }

    /** A system property the pom's failsafe configuration sets, or a failure saying to run through Maven. */
    static String property(String name) {
        String v = System.getProperty(name);
        if (v == null) fail("system property " + name + " is not set; run this test through 'mvn verify'");
        return v;
    }

    /**
     * Puts this build's jar and pom into the local repository {@code repo}, laid out as {@code mvn
     * install} would, and writes to {@code settings} a Maven settings file that reads the user's
     * local repository as a file repository (Maven Central only for what is not there), so the
     * nested build needs neither an install into the user's repository nor a second download.
     */
    static void prepare(Path repo, Path settings) throws IOException {
        String version = property("clayers.version");
        Path into = repo.resolve("dev/clayers/clayers/" + version);
        Files.createDirectories(into);
        Files.copy(Path.of(property("clayers.jar")), into.resolve("clayers-" + version + ".jar"), StandardCopyOption.REPLACE_EXISTING);
        Files.copy(Path.of("pom.xml"), into.resolve("clayers-" + version + ".pom"), StandardCopyOption.REPLACE_EXISTING);
        Files.writeString(settings, """
                <settings>
                  <profiles><profile><id>user-repo</id>
                    <repositories><repository><id>user-repo</id><url>%1$s</url></repository></repositories>
                    <pluginRepositories><pluginRepository><id>user-repo</id><url>%1$s</url></pluginRepository></pluginRepositories>
                  </profile></profiles>
                  <activeProfiles><activeProfile>user-repo</activeProfile></activeProfiles>
                </settings>
                """.formatted(Path.of(property("user.repo")).toUri()));
    }
}
