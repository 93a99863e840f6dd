package dev.clayers.io;

import java.nio.file.Path;

/**
 * Where clayers keeps per-user caches (tuning results, compiled kernel binaries): the system
 * property {@code clayers.cache.dir} when set (tests point it at a temp folder), else
 * {@code $XDG_CACHE_HOME/clayers}, else {@code ~/.cache/clayers}. Nothing here creates the folder.
 */
public final class CacheDir {
    /** The system property that overrides the cache folder ({@code -Dclayers.cache.dir=PATH}). */
    public static final String PROPERTY = "clayers.cache.dir";

    private CacheDir() {}

    /** The cache root, resolved now (the property may change between calls, as in tests). */
    public static Path root() {
        String p = System.getProperty(PROPERTY);
        if (p != null && !p.isBlank()) return Path.of(p);
        String xdg = System.getenv("XDG_CACHE_HOME");
        if (xdg != null && !xdg.isBlank()) return Path.of(xdg, "clayers");
        return Path.of(System.getProperty("user.home"), ".cache", "clayers");
    }
}
