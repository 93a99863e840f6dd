package dev.clayers.data;

import java.io.IOException;

/**
 * A dataset file that cannot be used as it is: not IDX, the wrong kind of IDX, truncated,
 * followed by stray bytes, or holding a label outside the class range.
 *
 * <p>It is a checked {@link IOException} because a bad file is an input problem the caller
 * may report and recover from, exactly like a missing one. The message is one line that
 * starts with the file's name, so it can be shown to a user as it is:
 * {@code t10k-images-idx3-ubyte.gz: truncated: header says ...}.
 */
public final class IdxFormatException extends IOException {
    private static final long serialVersionUID = 1L;

    /**
     * @param source  the file name (or classpath resource) being read
     * @param problem what is wrong with it, in words
     */
    public IdxFormatException(String source, String problem) {
        super(source + ": " + problem);
    }

    /** As {@link #IdxFormatException(String, String)}, keeping the low-level cause. */
    public IdxFormatException(String source, String problem, Throwable cause) {
        super(source + ": " + problem, cause);
    }
}
