package dev.clayers.io;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/** Checks on a file the user named as input, with messages that say what the path is instead. */
public final class InputFiles {
    private InputFiles() {}

    /** An input path that exists but is the wrong kind: a folder, a FIFO or a device where a file belongs, or a file where a folder belongs. */
    public static final class WrongFileKindException extends IOException {
        private static final long serialVersionUID = 1L;

        public WrongFileKindException(String message) {
            super(message);
        }
    }

    /**
     * @param expected what should be there ("an image file"), for the message
     * @throws NoSuchFileException when nothing is at {@code file}
     * @throws WrongFileKindException   when it is a folder, a FIFO, a device or a socket
     */
    public static void requireRegularFile(Path file, String expected) throws IOException {
        if (Files.isRegularFile(file)) return;
        if (!Files.exists(file)) throw new NoSuchFileException(file.toString(), null, "expected " + expected);
        throw new WrongFileKindException(file + " is " + kind(file) + ", not " + expected);
    }

    /** "a folder", "a FIFO (named pipe)", "a character device" ... for an existing path. */
    public static String kind(Path p) {
        if (Files.isDirectory(p)) return "a folder";
        if (Files.isRegularFile(p)) return "a file";
        try {
            // Linux and macOS report the file type bits of st_mode.
            int mode = (Integer) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS);
            switch (mode & 0170000) {
                case 0010000: return "a FIFO (named pipe)";
                case 0020000: return "a character device";
                case 0060000: return "a block device";
                case 0140000: return "a socket";
                case 0120000: return "a broken symbolic link";
                default: break;
            }
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException | ClassCastException e) {
            // no unix view: fall back to the generic words below
        }
        return "a special file (not a regular file)";
    }
}
