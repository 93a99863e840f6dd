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

        /** An exception with this one-line message. */
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

    /**
     * The bytes of a file that only saves time (a cache), or an exception saying why it cannot be
     * used: nothing is there ({@link NoSuchFileException}); it is not a regular file, links
     * included ({@link WrongFileKindException}: a FIFO would block the read forever, a link to
     * {@code /dev/zero} fill the heap); or it is over {@code maxBytes} (checked before reading,
     * and the read stops there too in case the file grows).
     */
    public static byte[] readCacheFile(Path file, int maxBytes) throws IOException {
        if (!Files.exists(file, LinkOption.NOFOLLOW_LINKS)) throw new NoSuchFileException(file.toString());
        if (Files.isSymbolicLink(file)) throw new WrongFileKindException(file + " is a symbolic link, not a regular file");
        if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
            throw new WrongFileKindException(file + " is " + kind(file) + ", not a regular file");
        }
        long size = Files.size(file);
        if (size > maxBytes) throw new IOException(file + " is " + size + " bytes, more than the " + maxBytes + " a cache file may have");
        // NOFOLLOW_LINKS: a link put there since the check is refused by open (O_NOFOLLOW), not followed.
        try (java.io.InputStream in = Files.newInputStream(file, LinkOption.NOFOLLOW_LINKS)) {
            byte[] bytes = in.readNBytes(maxBytes + 1);
            if (bytes.length > maxBytes) throw new IOException(file + " grew past the " + maxBytes + " bytes a cache file may have");
            return bytes;
        }
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
