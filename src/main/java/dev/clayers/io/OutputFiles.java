package dev.clayers.io;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
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

        public UnwritableException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /**
     * @param what the option or role for the message ({@code --save})
     * @throws UnwritableException when {@code file} is a folder or a special file, or its folder
     *                             cannot be created or written
     */
    public static void checkFile(Path file, String what) throws UnwritableException {
        Path abs = file.toAbsolutePath().normalize();
        if (Files.exists(abs) && !Files.isRegularFile(abs)) {
            throw new UnwritableException(what + " " + file + " is " + InputFiles.kind(abs) + "; name a regular file", null);
        }
        Path parent = abs.getParent();
        if (parent != null) checkFolder(parent, what + " " + file, false);
    }

    /** As {@link #checkFile} for a folder the output goes into (created when missing). */
    public static void checkFolder(Path dir, String what) throws UnwritableException {
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
            Path p = e.getValue().toAbsolutePath().normalize();
            String before = seen.putIfAbsent(p, e.getKey());
            if (before != null) {
                throw new UnwritableException(before + " and " + e.getKey() + " both write " + p
                        + "; one would replace the other, so give them different files", null);
            }
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
