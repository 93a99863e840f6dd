package dev.clayers.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.LinkOption;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ThreadLocalRandom;

/** Files written so that readers see the old contents or the new, never a half-written file. */
public final class AtomicFiles {
    private AtomicFiles() {}

    /** Writes the contents of a file through a channel. */
    @FunctionalInterface
    public interface Body {
        /**
         * Writes the whole contents to {@code channel}, a fresh temporary file that is renamed over the target only
         * after this returns.
         *
         * @throws IOException when writing fails; the target is then left as it was
         */
        void writeTo(FileChannel channel) throws IOException;
    }

    /** A write that failed, naming the file ("No space left on device" alone does not). */
    public static final class WriteFailedException extends IOException {
        private static final long serialVersionUID = 1L;

        WriteFailedException(Path file, IOException cause) {
            super("cannot write " + file + ": " + OutputFiles.reason(cause), cause);
        }
    }

    /** The temporary files of {@code fileName} are {@code fileName.tmp-HEX}. */
    private static final String TEMP_INFIX = ".tmp-";

    /**
     * Runs {@code body} against a fresh temporary file next to {@code file}, forces it to disk and
     * renames it over {@code file}; on any failure deletes the temporary file and rethrows.
     *
     * @throws WriteFailedException naming {@code file} when the file system fails (full disk,
     *                              permissions, a file where a folder belongs)
     */
    public static void write(Path file, Body body) throws IOException {
        try {
            writeOrThrow(file, body);
        } catch (WriteFailedException e) {
            throw e;
        } catch (IOException e) {
            throw new WriteFailedException(file, e);
        }
    }

    /**
     * Deletes the temporary files a killed writer left next to {@code folder/fileName}. Call when
     * a run starts using the folder: a folder holds one run's files at a time, so no writer is
     * still busy with them.
     *
     * @return how many were deleted
     */
    public static int removeStaleTemps(Path folder, String fileName) throws IOException {
        if (!Files.isDirectory(folder)) return 0;
        int n = 0;
        String prefix = fileName + TEMP_INFIX;
        try (DirectoryStream<Path> temps = Files.newDirectoryStream(folder, p -> p.getFileName().toString().startsWith(prefix))) {
            for (Path t : temps) {
                if (Files.isRegularFile(t, LinkOption.NOFOLLOW_LINKS) && Files.deleteIfExists(t)) n++;
            }
        }
        return n;
    }

    private static void writeOrThrow(Path file, Body body) throws IOException {
        Path target = file.toAbsolutePath();
        refuseToReplace(target);
        Path folder = target.getParent();
        Files.createDirectories(folder);
        Path temp = folder.resolve(target.getFileName() + TEMP_INFIX
                + Long.toHexString(ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE));
        try {
            // CREATE_NEW: never write through a file (or link) that someone else put at this name.
            try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                body.writeTo(channel);
                // Without this a crash shortly after the rename can leave a renamed but empty file.
                channel.force(true);
            }
            refuseToReplace(target);   // again: the body may have run for a while
            try {
                Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (Throwable t) {
            try {
                Files.deleteIfExists(temp);
            } catch (IOException cleanup) {
                t.addSuppressed(cleanup);
            }
            throw t;
        }
    }

    /**
     * The rename replaces whatever is at the target, so only nothing or a regular file may be
     * there: never a device such as {@code /dev/null}, a FIFO, an empty folder or a link. Commands
     * check their outputs up front ({@link OutputFiles#check}); this guards every other writer
     * (the caches) and a path that changed since.
     */
    private static void refuseToReplace(Path target) throws IOException {
        String wrong = OutputFiles.notReplaceable(target);
        if (wrong != null) throw new IOException("it is " + wrong + ", not a regular file, so it is left as it is");
    }

    /** Writes {@code bytes} atomically. */
    public static void write(Path file, byte[] bytes) throws IOException {
        write(file, channel -> {
            ByteBuffer buf = ByteBuffer.wrap(bytes);
            while (buf.hasRemaining()) channel.write(buf);
        });
    }

    /** Writes UTF-8 text atomically. */
    public static void writeString(Path file, String text) throws IOException {
        write(file, text.getBytes(StandardCharsets.UTF_8));
    }
}
