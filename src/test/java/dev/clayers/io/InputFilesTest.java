package dev.clayers.io;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Every file argument is told for what it is, from its first bytes. */
class InputFilesTest {
    @TempDir Path dir;

    private Path file(String name, byte[] bytes) throws IOException {
        return Files.write(dir.resolve(name), bytes);
    }

    private static byte[] bytes(int... b) {
        byte[] out = new byte[b.length];
        for (int i = 0; i < b.length; i++) out[i] = (byte) b[i];
        return out;
    }

    @Test
    void eachKindIsRecognised() throws IOException {
        byte[] safetensorsHeader = "{\"__metadata__\":{}}".getBytes(StandardCharsets.US_ASCII);
        byte[] safetensors = new byte[8 + safetensorsHeader.length];
        safetensors[0] = (byte) safetensorsHeader.length;
        System.arraycopy(safetensorsHeader, 0, safetensors, 8, safetensorsHeader.length);
        Map<InputFiles.Kind, Path> files = Map.ofEntries(
                Map.entry(InputFiles.Kind.PNG, file("seven.png", bytes(0x89, 'P', 'N', 'G', 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13))),
                Map.entry(InputFiles.Kind.JPEG, file("a.jpg", bytes(0xff, 0xd8, 0xff, 0xe0, 0, 16, 'J', 'F', 'I', 'F'))),
                Map.entry(InputFiles.Kind.GIF, file("a.gif", "GIF89a\u0001\u0000".getBytes(StandardCharsets.ISO_8859_1))),
                Map.entry(InputFiles.Kind.GZIP, file("a.gz", bytes(0x1f, 0x8b, 8, 0, 0, 0, 0, 0))),
                Map.entry(InputFiles.Kind.ZIP, file("a.zip", bytes('P', 'K', 3, 4, 20, 0))),
                Map.entry(InputFiles.Kind.SAFETENSORS, file("m.safetensors", safetensors)),
                Map.entry(InputFiles.Kind.IDX, file("train-images-idx3-ubyte", bytes(0, 0, 8, 3, 0, 0, 0, 1, 0, 0, 0, 28))),
                Map.entry(InputFiles.Kind.PROTOBUF, file("m.onnx", bytes(0x08, 0x08, 0x12, 0x07, 'p', 'y', 't', 'o', 'r', 'c', 'h'))),
                Map.entry(InputFiles.Kind.JSON, file("a.json", "  {\"a\": 1}\n".getBytes(StandardCharsets.UTF_8))),
                Map.entry(InputFiles.Kind.TEXT, file("a.txt", "hello, digits\n".getBytes(StandardCharsets.UTF_8))),
                Map.entry(InputFiles.Kind.EMPTY, file("empty", new byte[0])),
                Map.entry(InputFiles.Kind.UNKNOWN, file("noise", bytes(1, 2, 0, 250, 7, 0, 0, 9))),
                Map.entry(InputFiles.Kind.FOLDER, Files.createDirectory(dir.resolve("folder"))));
        files.forEach((kind, path) -> {
            try {
                assertEquals(kind, InputFiles.sniff(path), path.toString());
            } catch (IOException e) {
                throw new AssertionError(e);
            }
        });
        assertThrows(NoSuchFileException.class, () -> InputFiles.sniff(dir.resolve("missing")));
    }

    @Test
    void theWrongKindGetsOneLineSayingWhatItIsAndWhatWasExpected() throws IOException {
        Path png = file("seven.png", bytes(0x89, 'P', 'N', 'G', 0x0d, 0x0a, 0x1a, 0x0a));
        var e = assertThrows(InputFiles.WrongFileKindException.class,
                () -> InputFiles.require(png, Set.of(InputFiles.Kind.SAFETENSORS), "a model file"));
        assertEquals(png + " is a PNG picture, not a model file", e.getMessage());
        // A file of no known kind is left to the reader, which says what is wrong with it.
        InputFiles.require(file("noise", bytes(1, 2, 0, 250)), Set.of(InputFiles.Kind.SAFETENSORS), "a model file");
    }
}
