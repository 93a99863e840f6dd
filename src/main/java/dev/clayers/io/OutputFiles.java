package dev.clayers.io;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Checks, before any work starts, that output paths can be written: a run that trains for an hour
 * and then cannot save its model has lost the hour. The check is the one {@link AtomicFiles}
 * needs: a regular file or nothing at the path, and a folder (or one that can be created) where a
 * temporary file can be made.
 */
public final class OutputFiles {
    private OutputFiles() {}

    /** An output path that cannot be written, naming the path and why. */
    public static final class UnwritableException extends IOException {
        private static final long serialVersionUID = 1L;

        /** An exception with this one-line message and the I/O error behind it. */
        public UnwritableException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /**
     * The one rule for a command's output files, used by every command before any work starts:
     * each file passes {@link #checkFile}, and no two name the same file ({@link #checkDistinct}).
     *
     * @param files role (an option, for the message) -> path; null paths are skipped
     * @throws UnwritableException naming the first role and path that cannot be written
     */
    public static void check(Map<String, Path> files) throws UnwritableException {
        check(files, Map.of());
    }

    /**
     * As {@link #check(Map)}, and no output names one of the command's input files: {@code graph
     * --model m.safetensors --png m.safetensors} would replace the model with a picture.
     *
     * @param inputs role -> input path; null paths are skipped
     */
    public static void check(Map<String, Path> files, Map<String, Path> inputs) throws UnwritableException {
        for (Map.Entry<String, Path> e : files.entrySet()) {
            if (e.getValue() != null) checkFile(e.getValue(), e.getKey());
        }
        checkDistinct(files);
        for (Map.Entry<String, Path> in : inputs.entrySet()) {
            if (in.getValue() == null) continue;
            Path real = realPath(in.getValue());
            for (Map.Entry<String, Path> out : files.entrySet()) {
                if (out.getValue() != null && realPath(out.getValue()).equals(real)) {
                    throw new UnwritableException(out.getKey() + " " + out.getValue() + " is the input of " + in.getKey()
                            + "; writing it would replace the input, so name another file", null);
                }
            }
        }
    }

    /**
     * An output file must be nothing yet or a regular file, not a symbolic link: {@link AtomicFiles}
     * renames a temporary file over it, which would replace a device ({@code /dev/null}), a FIFO, an
     * empty folder or the link itself (as root, {@code /dev/stdout}) instead of writing into it.
     *
     * @param what the option or role for the message ({@code --save})
     * @throws UnwritableException when {@code file} is empty, a folder, a special file or a link, or
     *                             its folder cannot be created or written
     */
    public static void checkFile(Path file, String what) throws UnwritableException {
        if (file.toString().isEmpty()) throw new UnwritableException(what + " is empty; name a file", null);
        String wrong = notReplaceable(file);
        if (wrong != null) throw new UnwritableException(what + " " + file + " is " + wrong + "; name a regular file", null);
        Path parent = file.toAbsolutePath().normalize().getParent();
        if (parent != null) checkFolder(parent, what + " " + file, false);
    }

    /**
     * What is at {@code file} when a rename must not replace it (a folder, a special file, a
     * symbolic link), in words; null when nothing or a regular file is there.
     */
    static String notReplaceable(Path file) {
        Path abs = file.toAbsolutePath();
        if (Files.isSymbolicLink(abs)) {
            String to;
            try {
                to = " to " + Files.readSymbolicLink(abs) + (Files.exists(abs) ? " (" + InputFiles.kind(abs) + ")" : " (missing)");
            } catch (IOException | UnsupportedOperationException e) {
                to = "";
            }
            return "a symbolic link" + to + ", which the write would replace";
        }
        if (!Files.exists(abs, LinkOption.NOFOLLOW_LINKS) || Files.isRegularFile(abs, LinkOption.NOFOLLOW_LINKS)) return null;
        return InputFiles.kind(abs);
    }

    /** As {@link #checkFile} for a folder the output goes into (created when missing). */
    public static void checkFolder(Path dir, String what) throws UnwritableException {
        // Path.of("") is the working folder: an empty --checkpoint-dir '' would fill it unasked.
        if (dir.toString().isEmpty()) throw new UnwritableException(what + " is empty; name a folder", null);
        checkFolder(dir.toAbsolutePath().normalize(), what + " " + dir, true);
    }

    private static void checkFolder(Path dir, String what, boolean isTheOutput) throws UnwritableException {
        Path existing = dir;
        while (existing != null && !Files.exists(existing)) existing = existing.getParent();
        if (existing == null) throw new UnwritableException(what + ": no part of " + dir + " exists", null);
        if (!Files.isDirectory(existing)) {
            String where = existing.equals(dir) && isTheOutput ? dir + " is " + InputFiles.kind(existing) + ", not a folder"
                    : existing + " is " + InputFiles.kind(existing) + ", so the folder " + dir + " cannot be created";
            throw new UnwritableException(what + ": " + where, null);
        }
        // A probe file, not Files.isWritable: that ignores read-only mounts and some ACLs.
        try {
            Path probe = Files.createTempFile(existing, ".clayers-write-check-", ".tmp");
            Files.delete(probe);
        } catch (IOException e) {
            throw new UnwritableException(what + ": cannot write in the folder " + existing + " (" + reason(e) + ")", e);
        }
    }

    /**
     * Rejects two outputs at one path (a model saved over the checkpoint it trained from).
     *
     * @param outputs role (an option) -> path; null paths are skipped
     */
    public static void checkDistinct(Map<String, Path> outputs) throws UnwritableException {
        Map<Path, String> seen = new LinkedHashMap<>();
        for (Map.Entry<String, Path> e : outputs.entrySet()) {
            if (e.getValue() == null) continue;
            Path p = realPath(e.getValue());
            String before = seen.putIfAbsent(p, e.getKey());
            if (before != null) {
                throw new UnwritableException(before + " and " + e.getKey() + " both write " + p
                        + "; one would replace the other, so give them different files", null);
            }
        }
    }

    /**
     * The path with its links resolved, for comparing two outputs: {@code out/a.png} and
     * {@code link-to-out/../out/a.png} are one file. The part that does not exist yet is appended
     * as written (normalized).
     */
    static Path realPath(Path p) {
        Path abs = p.toAbsolutePath().normalize();
        Path existing = abs;
        while (existing != null && !Files.exists(existing)) existing = existing.getParent();
        if (existing == null) return abs;
        try {
            return existing.toRealPath().resolve(existing.relativize(abs)).normalize();
        } catch (IOException e) {
            return abs;
        }
    }

    /** Why an I/O operation failed, in words, naming the file when the exception knows it. */
    public static String reason(IOException e) {
        if (e instanceof FileSystemException f) {
            String words;
            if (e instanceof AccessDeniedException) words = "permission denied";
            else if (e instanceof NoSuchFileException) words = "does not exist";
            else if (e instanceof FileAlreadyExistsException) words = "exists (a file where a folder is needed?)";
            else if (e instanceof NotDirectoryException) words = "is not a folder";
            else if (e instanceof DirectoryNotEmptyException) words = "is a folder that is not empty";
            else words = f.getReason() == null ? e.getClass().getSimpleName() : f.getReason();
            String file = f.getFile() == null ? "" : f.getFile() + (f.getOtherFile() == null ? "" : " -> " + f.getOtherFile()) + ": ";
            return file + words;
        }
        String msg = e.getMessage();
        return msg == null || msg.isBlank() ? e.getClass().getSimpleName() : msg;
    }
}
