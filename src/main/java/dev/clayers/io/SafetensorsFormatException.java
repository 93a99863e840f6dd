package dev.clayers.io;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A file that is not a valid safetensors file (or uses a feature clayers does not read). The
 * message is one line, {@code "<file>: <problem>"}, where {@code <file>} is the path as the caller
 * gave it and {@code <problem>} names the first problem found.
 */
public final class SafetensorsFormatException extends IOException {
    private final transient Path file;
    /** What is wrong with the file, without its path. */
    private final String problem;

    /** A file that is not valid safetensors: {@code problem} says what is wrong, the message starts with the path. */
    public SafetensorsFormatException(Path file, String problem) {
        super(file + ": " + problem);
        this.file = file;
        this.problem = problem;
    }

    /** The file that was being read. */
    public Path file() {
        return file;
    }

    /** The problem alone, without the file name. */
    public String problem() {
        return problem;
    }
}
