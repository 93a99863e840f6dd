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

    /** What a path holds, told by its first bytes ({@link #sniff}); the words are {@link #describe}'s. */
    public enum Kind {
        /** A folder. */
        FOLDER("a folder"),
        /** A regular file of no bytes. */
        EMPTY("an empty file"),
        /** A PNG picture (its signature). */
        PNG("a PNG picture"),
        /** A JPEG picture (its start-of-image marker). */
        JPEG("a JPEG picture"),
        /** A GIF picture. */
        GIF("a GIF picture"),
        /** A BMP picture whose header gives the file's size. */
        BMP("a BMP picture"),
        /** A gzip stream (an MNIST {@code .gz} file, say). */
        GZIP("a gzip-compressed file"),
        /** A ZIP archive (a jar, say). */
        ZIP("a ZIP archive"),
        /** A safetensors file: a little-endian header length within the file, then a JSON header. */
        SAFETENSORS("a safetensors file"),
        /** An IDX file (MNIST's format): two zero bytes, a type code and a rank of 1 to 4. */
        IDX("an IDX file (MNIST format)"),
        /** Text that starts like JSON. */
        JSON("a JSON file"),
        /** Valid UTF-8 text. */
        TEXT("a text file"),
        /** A protobuf message that starts like an ONNX ModelProto. */
        PROTOBUF("an ONNX model (protobuf)"),
        /** A regular file of none of the kinds above: left to the reader that expects it to say what is wrong. */
        UNKNOWN("a file of unknown kind"),
        /** A FIFO, device or socket. */
        SPECIAL("a special file");

        private final String words;

        Kind(String words) { this.words = words; }

        /** "a PNG picture", "an empty file", ... */
        public String words() { return words; }
    }

    /** Bytes read to tell a file's kind. */
    private static final int SNIFF_BYTES = 512;

    /**
     * What {@code p} is, from its type and its first {@value #SNIFF_BYTES} bytes: magic numbers
     * for pictures, gzip and ZIP; a safetensors file's 8-byte header length followed by an opening brace;
     * an IDX file's two zero bytes, element type and dimension count; ONNX's leading
     * {@code ir_version} field; else text (valid UTF-8, no NUL, nearly all printable), JSON when the text opens
     * with a brace or bracket. Never reads past those bytes (a FIFO is reported, not opened).
     *
     * @throws NoSuchFileException when nothing is at {@code p}
     */
    public static Kind sniff(Path p) throws IOException {
        if (!Files.exists(p)) throw new NoSuchFileException(p.toString());
        if (Files.isDirectory(p)) return Kind.FOLDER;
        if (!Files.isRegularFile(p)) return Kind.SPECIAL;
        long size = Files.size(p);
        if (size == 0) return Kind.EMPTY;
        byte[] b;
        try (java.io.InputStream in = Files.newInputStream(p)) {
            b = in.readNBytes(SNIFF_BYTES);
        }
        int n = b.length;
        if (n >= 4 && (b[0] & 0xff) == 0x89 && b[1] == 'P' && b[2] == 'N' && b[3] == 'G') return Kind.PNG;
        if (n >= 3 && (b[0] & 0xff) == 0xff && (b[1] & 0xff) == 0xd8 && (b[2] & 0xff) == 0xff) return Kind.JPEG;
        if (n >= 4 && b[0] == 'G' && b[1] == 'I' && b[2] == 'F' && b[3] == '8') return Kind.GIF;
        if (n >= 2 && b[0] == 'B' && b[1] == 'M' && n >= 14 && littleEndian(b, 2, 4) == size) return Kind.BMP;
        if (n >= 2 && (b[0] & 0xff) == 0x1f && (b[1] & 0xff) == 0x8b) return Kind.GZIP;
        if (n >= 4 && b[0] == 'P' && b[1] == 'K' && b[2] == 3 && b[3] == 4) return Kind.ZIP;
        if (n >= 9 && b[8] == '{' && Long.compareUnsigned(littleEndian(b, 0, 8), size - 8) <= 0) return Kind.SAFETENSORS;
        if (n >= 4 && b[0] == 0 && b[1] == 0 && (b[2] == 0x08 || b[2] == 0x09 || (b[2] >= 0x0b && b[2] <= 0x0e))
                && b[3] >= 1 && b[3] <= 4) {
            return Kind.IDX;
        }
        // ONNX's ModelProto starts with ir_version (field 1, a small varint), then another field.
        if (n >= 3 && b[0] == 0x08 && (b[1] & 0x80) == 0 && b[1] > 0 && isProtobufTag(b[2] & 0xff)) return Kind.PROTOBUF;
        int printable = 0;
        for (int i = 0; i < n; i++) {
            int c = b[i] & 0xff;
            if (c == 0) return Kind.UNKNOWN;
            if (c >= 0x20 || c == '\n' || c == '\r' || c == '\t') printable++;
        }
        if (printable < 0.95 * n || !utf8(b, n)) return Kind.UNKNOWN;
        for (int i = 0; i < n; i++) {
            int c = b[i] & 0xff;
            if (c == '{' || c == '[') return Kind.JSON;
            if (!Character.isWhitespace(c) && c != 0xef && c != 0xbb && c != 0xbf) break;   // a UTF-8 byte-order mark may lead
        }
        return Kind.TEXT;
    }

    /** Whether the first {@code n} bytes are UTF-8 (a sequence the read cut short at the end counts as such). */
    private static boolean utf8(byte[] b, int n) {
        var decoder = java.nio.charset.StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(java.nio.charset.CodingErrorAction.REPORT)
                .onUnmappableCharacter(java.nio.charset.CodingErrorAction.REPORT);
        var result = decoder.decode(java.nio.ByteBuffer.wrap(b, 0, n), java.nio.CharBuffer.allocate(n), false);
        return !result.isError();
    }

    /** A protobuf field tag with a field number 2-15 and wire type 0 (varint) or 2 (bytes). */
    private static boolean isProtobufTag(int tag) {
        int field = tag >> 3, wire = tag & 7;
        return field >= 2 && field <= 15 && (wire == 0 || wire == 2);
    }

    private static long littleEndian(byte[] b, int from, int count) {
        long v = 0;
        for (int i = count - 1; i >= 0; i--) v = (v << 8) | (b[from + i] & 0xff);
        return v;
    }

    /** What {@code p} is, in words: "a PNG picture", "a folder", ... ({@link #kind(Path)}'s words for special files). */
    public static String describe(Path p) throws IOException {
        Kind k = sniff(p);
        return k == Kind.SPECIAL ? kind(p) : k.words();
    }

    /**
     * Checks that {@code file} is of a kind in {@code allowed} (or of no kind {@link #sniff}
     * knows, which the reader then judges), else fails with one line saying what it is and what
     * was expected: {@code seven.png is a PNG picture, not a model file (...)}.
     *
     * @param expected what belongs there, for the message
     * @throws NoSuchFileException     when nothing is at {@code file}
     * @throws WrongFileKindException  when it is recognisably something else
     */
    public static void require(Path file, java.util.Set<Kind> allowed, String expected) throws IOException {
        if (!Files.exists(file)) throw new NoSuchFileException(file.toString(), null, "expected " + expected);
        Kind k = sniff(file);
        if (allowed.contains(k) || k == Kind.UNKNOWN && !allowed.contains(Kind.FOLDER)) return;
        throw new WrongFileKindException(file + " is " + (k == Kind.SPECIAL ? kind(file) : k.words()) + ", not " + expected);
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
