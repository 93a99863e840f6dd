package dev.clayers.io;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Predicate;

/**
 * A cache file of keyed entries, {@code {"version": 1, "entries": {"key": {...}, ...}}}, as the
 * tuning cache and the auto-choice cache keep them. A missing file is an empty cache; an unreadable
 * or malformed one is ignored with a WARN (and replaced by the next write), since a cache only
 * saves time: so is anything but a regular file of at most {@link #MAX_BYTES} (a FIFO would hang
 * every run, a link to {@code /dev/zero} exhaust the heap). Writes are atomic ({@link AtomicFiles}).
 */
public final class JsonCache {
    private static final Logger log = LoggerFactory.getLogger(JsonCache.class);
    private static final Gson GSON = new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().create();
    private static final int VERSION = 1;

    /** Largest cache file read: the tuning and auto-choice caches hold a few hundred bytes per device. */
    public static final int MAX_BYTES = 1 << 20;

    private JsonCache() {}

    /**
     * The entries of {@code file} that parse as {@code type} and pass {@code valid}; empty when the
     * file is missing or unusable ({@code what} names the cache in the WARN).
     */
    public static <E> Map<String, E> read(Path file, Class<E> type, Predicate<E> valid, String what) {
        Map<String, E> out = new LinkedHashMap<>();
        String text;
        try {
            text = new String(InputFiles.readCacheFile(file, MAX_BYTES), StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return out;
        } catch (IOException e) {
            log.warn("ignoring the {} {}: {}; going without it", what, file, OutputFiles.reason(e));
            return out;
        }
        try {
            JsonObject body = JsonParser.parseString(text).getAsJsonObject();
            int version = body.has("version") ? body.get("version").getAsInt() : -1;
            if (version != VERSION) throw new JsonParseException("version " + version + ", expected " + VERSION);
            JsonElement entries = body.get("entries");
            if (entries == null || !entries.isJsonObject()) throw new JsonParseException("no entries");
            for (Map.Entry<String, JsonElement> e : entries.getAsJsonObject().entrySet()) {
                E v;
                try {
                    v = GSON.fromJson(e.getValue(), type);
                    // A value the next write could not store (1e999 reads as Infinity) is damage too.
                    if (v != null) GSON.toJsonTree(v);
                } catch (RuntimeException bad) {
                    log.warn("ignoring entry '{}' of the {} {} ({}); going without it", e.getKey(), what, file, firstLine(bad));
                    continue;
                }
                if (v == null || !valid.test(v)) {
                    log.warn("ignoring entry '{}' of the {} {}: incomplete or out of range; going without it", e.getKey(), what, file);
                    continue;
                }
                out.put(e.getKey(), v);
            }
            return out;
        } catch (RuntimeException e) {
            // Whatever the parser throws (a number that is not one: NumberFormatException), a cache only costs time.
            log.warn("ignoring the corrupt {} {} ({}); going without it", what, file, firstLine(e));
            return new LinkedHashMap<>();
        }
    }

    private static String firstLine(RuntimeException e) {
        return String.valueOf(e.getMessage()).lines().findFirst().orElse(e.getClass().getSimpleName());
    }

    /** Replaces {@code file} with {@code entries}, atomically. */
    public static void write(Path file, Map<String, ?> entries) throws IOException {
        JsonObject body = new JsonObject();
        body.addProperty("version", VERSION);
        body.add("entries", GSON.toJsonTree(entries));
        AtomicFiles.writeString(file, GSON.toJson(body) + "\n");
    }
}
