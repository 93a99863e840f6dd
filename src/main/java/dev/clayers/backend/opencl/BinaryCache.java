package dev.clayers.backend.opencl;

import dev.clayers.io.AtomicFiles;
import dev.clayers.io.CacheDir;
import dev.clayers.io.InputFiles;
import dev.clayers.io.OutputFiles;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * Compiled program binaries on disk, so that opening a backend a second time does not recompile.
 * One file per program: {@code <cache>/binaries/<sha256(key)>.bin}, where the key is device name,
 * driver version, SHA-256 of the kernel source and the build options (see {@link #key}).
 *
 * <p>File format (big-endian): the magic {@code "clayers-clbin 1\n"}, the key (UTF-8, length-prefixed
 * int), the payload length (long), the SHA-256 of the payload (32 bytes), the payload (the bytes of
 * {@code CL_PROGRAM_BINARIES}). A file whose magic, key, length or checksum does not match is
 * ignored with a WARN, before its bytes ever reach the driver (a driver handed garbage may crash
 * rather than answer {@code CL_INVALID_BINARY}). Written atomically.
 *
 * <p>The system property {@code clayers.binary.cache=false} turns the cache off.
 */
final class BinaryCache {
    private static final Logger log = LoggerFactory.getLogger(BinaryCache.class);
    private static final byte[] MAGIC = "clayers-clbin 1\n".getBytes(StandardCharsets.US_ASCII);
    static final String ENABLED_PROPERTY = "clayers.binary.cache";

    private final Path folder;

    /** Largest cached binary read (a FIFO or a link to /dev/zero at a cache path is refused too); PoCL's are well under 1 MiB. */
    static final int MAX_BYTES = 64 << 20;

    BinaryCache(Path folder) { this.folder = folder; }

    /** The cache under {@link CacheDir#root()}, or null when turned off. */
    static BinaryCache openDefault() {
        if ("false".equalsIgnoreCase(System.getProperty(ENABLED_PROPERTY))) return null;
        return new BinaryCache(CacheDir.root().resolve("binaries"));
    }

    static String key(String deviceName, String driver, String source, String options) {
        return "device=" + deviceName + "\ndriver=" + driver + "\nsource-sha256=" + sha256Hex(source.getBytes(StandardCharsets.UTF_8))
                + "\noptions=" + options;
    }

    Path file(String key) {
        return folder.resolve(sha256Hex(key.getBytes(StandardCharsets.UTF_8)) + ".bin");
    }

    /** The payload stored under {@code key}, or null (missing, unreadable or corrupt: WARN for the last two). */
    byte[] load(String key) {
        Path f = file(key);
        byte[] all;
        try {
            all = InputFiles.readCacheFile(f, MAX_BYTES);
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException e) {
            log.warn("ignoring cached kernel binary {}: {}; building from source", f, OutputFiles.reason(e));
            return null;
        }
        try (DataInputStream in = new DataInputStream(new java.io.ByteArrayInputStream(all))) {
            byte[] magic = in.readNBytes(MAGIC.length);
            if (!Arrays.equals(magic, MAGIC)) throw new IOException("not a clayers binary-cache file");
            int keyLen = in.readInt();
            if (keyLen < 0 || keyLen > all.length) throw new IOException("bad key length " + keyLen);
            String storedKey = new String(in.readNBytes(keyLen), StandardCharsets.UTF_8);
            if (!storedKey.equals(key)) throw new IOException("stored for another key");
            long len = in.readLong();
            byte[] sum = in.readNBytes(32);
            if (len < 0 || len != in.available()) throw new IOException("payload length " + len + " but " + in.available() + " bytes follow");
            byte[] payload = in.readNBytes((int) len);
            if (!Arrays.equals(sum, sha256(payload))) throw new IOException("checksum mismatch");
            return payload;
        } catch (IOException e) {
            log.warn("ignoring corrupt cached kernel binary {} ({}); building from source", f, e.getMessage());
            return null;
        }
    }

    /** Stores {@code payload} under {@code key}; a failure is logged (WARN), never thrown: the cache is optional. */
    void store(String key, byte[] payload) {
        Path f = file(key);
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream(payload.length + 256);
            try (DataOutputStream out = new DataOutputStream(bytes)) {
                out.write(MAGIC);
                byte[] k = key.getBytes(StandardCharsets.UTF_8);
                out.writeInt(k.length);
                out.write(k);
                out.writeLong(payload.length);
                out.write(sha256(payload));
                out.write(payload);
            }
            AtomicFiles.write(f, bytes.toByteArray());
        } catch (IOException e) {
            log.warn("cannot write kernel binary cache: {}", OutputFiles.reason(e));
        }
    }

    static byte[] sha256(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(data);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this Java runtime", e);
        }
    }

    static String sha256Hex(byte[] data) { return HexFormat.of().formatHex(sha256(data)); }
}
