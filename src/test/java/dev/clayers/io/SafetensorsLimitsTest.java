package dev.clayers.io;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A header of a great many empty tensors is refused quickly, naming the cap. */
class SafetensorsLimitsTest {
    /** A safetensors file whose header lists {@code n} empty tensors (shape [0], no data). */
    private static Path emptyTensors(Path dir, int n) throws IOException {
        StringBuilder json = new StringBuilder("{");
        for (int i = 0; i < n; i++) {
            if (i > 0) json.append(',');
            json.append("\"t").append(i).append("\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[0,0]}");
        }
        byte[] header = json.append('}').toString().getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + header.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(header.length).put(header);
        return Files.write(dir.resolve("many.safetensors"), b.array());
    }

    @Test
    void tooManyTensorsAreRefusedNamingTheCap(@TempDir Path dir) throws IOException {
        // 250,000 entries: a 15 MB header, just under the header cap, so the tensor cap decides.
        Path f = emptyTensors(dir, 250_000);
        assertTrue(Files.size(f) < dev.clayers.Limits.MAX_SAFETENSORS_HEADER_BYTES, "size " + Files.size(f));
        long t0 = System.nanoTime();
        SafetensorsFormatException e = assertThrows(SafetensorsFormatException.class, () -> Safetensors.read(f));
        double seconds = (System.nanoTime() - t0) / 1e9;
        assertTrue(e.getMessage().contains("limit of 10,000")
                && e.getMessage().contains("clayers.maxTensors"), e.getMessage());
        assertTrue(seconds < 2, "refused in " + seconds + " s");
    }

    @Test
    void aHeaderOverTheCapIsRefusedBeforeReadingIt(@TempDir Path dir) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(100_000_000L);
        Path f = Files.write(dir.resolve("big.safetensors"), b.array());
        SafetensorsFormatException e = assertThrows(SafetensorsFormatException.class, () -> Safetensors.read(f));
        assertTrue(e.getMessage().contains("limit of 16,000,000 bytes") && e.getMessage().contains("clayers.maxHeaderBytes"),
                e.getMessage());
    }
}
