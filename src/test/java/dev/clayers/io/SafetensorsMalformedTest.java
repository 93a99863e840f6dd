package dev.clayers.io;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.params.provider.Arguments.arguments;

/** Each malformed file is reported by a one-line message that names the file and the specific problem. */
class SafetensorsMalformedTest {
    @TempDir
    Path dir;

    /** A file with the given (unpadded) header text and data buffer. */
    static byte[] file(String headerJson, byte[] data) {
        byte[] header = headerJson.getBytes(StandardCharsets.UTF_8);
        return file(header.length, header, data);
    }

    /** A file whose length prefix says {@code headerLength}, followed by {@code parts} as they are. */
    static byte[] file(long headerLength, byte[]... parts) {
        int size = 8;
        for (byte[] p : parts) {
            size += p.length;
        }
        ByteBuffer b = ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN).putLong(headerLength);
        for (byte[] p : parts) {
            b.put(p);
        }
        return b.array();
    }

    /** A header entry for tensor {@code name}; {@code fields} is the inside of its object. */
    static String entry(String name, String fields) {
        return "\"" + name + "\":{" + fields + "}";
    }

    static String f32(String shape, long begin, long end) {
        return "\"dtype\":\"F32\",\"shape\":" + shape + ",\"data_offsets\":[" + begin + "," + end + "]";
    }

    static Stream<Arguments> malformed() {
        byte[] eight = new byte[8];
        return Stream.of(
                arguments("too short", new byte[5], "5 bytes, shorter than the 8-byte header length"),
                arguments("huge prefix", file(-1L, new byte[16]), "header length 18446744073709551615 bytes exceeds the limit of 16,000,000 bytes"),
                arguments("large prefix", file(200_000_000L, new byte[16]), "header length 200000000 bytes exceeds the limit of 16,000,000 bytes"),
                arguments("prefix past end", file(1000, new byte[20]), "header length 1000 is larger than the 20 bytes after"),
                arguments("bad utf-8", file(4, new byte[] {'{', (byte) 0xff, (byte) 0xfe, '}'}), "header is not valid UTF-8"),
                arguments("empty header", file("", new byte[0]), "header is empty"),
                arguments("broken json", file("{\"a\":", new byte[0]), "header is not valid JSON"),
                arguments("lenient json", file("{'a':{}}", new byte[0]), "header is not valid JSON"),
                arguments("trailing text", file("{} {}", new byte[0]), "header is not valid JSON: text follows"),
                arguments("not an object", file("[1,2]", new byte[0]), "header is an array, not a JSON object"),
                arguments("metadata not object", file("{\"__metadata__\":\"v\"}", new byte[0]), "__metadata__ is a string"),
                arguments("metadata number", file("{\"__metadata__\":{\"k\":\"v\",\"epochs\":3}}", new byte[0]),
                        "metadata value for 'epochs' is a number, not a string"),
                arguments("entry not object", file("{\"a\":[1]}", new byte[0]), "tensor 'a' is an array, not an object"),
                arguments("no dtype", file("{" + entry("a", "\"shape\":[2],\"data_offsets\":[0,8]") + "}", eight), "tensor 'a' has no dtype"),
                arguments("no shape", file("{" + entry("a", "\"dtype\":\"F32\",\"data_offsets\":[0,8]") + "}", eight), "tensor 'a' has no shape"),
                arguments("no offsets", file("{" + entry("a", "\"dtype\":\"F32\",\"shape\":[2]") + "}", eight), "tensor 'a' has no data_offsets"),
                arguments("f16", file("{" + entry("a", "\"dtype\":\"F16\",\"shape\":[4],\"data_offsets\":[0,8]") + "}", eight),
                        "tensor 'a' has dtype F16; only F32 is supported"),
                arguments("dtype number", file("{" + entry("a", "\"dtype\":32,\"shape\":[2],\"data_offsets\":[0,8]") + "}", eight),
                        "tensor 'a' dtype is a number"),
                arguments("negative dim", file("{" + entry("a", f32("[-1,2]", 0, 8)) + "}", eight), "tensor 'a' shape [-1, 2] has a negative dimension"),
                arguments("fractional dim", file("{" + entry("a", f32("[1.5]", 0, 8)) + "}", eight), "tensor 'a' shape [1.5] has non-integer value 1.5"),
                arguments("exponent dim", file("{" + entry("a", f32("[2e0]", 0, 8)) + "}", eight), "tensor 'a' shape [2e0] has non-integer value 2e0"),
                arguments("string dim", file("{" + entry("a", f32("[\"2\"]", 0, 8)) + "}", eight), "has non-integer value \"2\""),
                arguments("shape not array", file("{" + entry("a", f32("\"2\"", 0, 8)) + "}", eight), "tensor 'a' shape is a string"),
                arguments("rank 5", file("{" + entry("a", f32("[1,1,1,1,2]", 0, 8)) + "}", eight), "tensor 'a' has rank 5"),
                arguments("rank 0", file("{" + entry("a", f32("[]", 0, 4)) + "}", new byte[4]), "tensor 'a' has rank 0"),
                arguments("offsets decreasing", file("{" + entry("a", f32("[2]", 8, 0)) + "}", eight), "tensor 'a' data_offsets [8, 0] are not increasing"),
                arguments("offsets negative", file("{" + entry("a", f32("[2]", -8, 0)) + "}", eight), "tensor 'a' data_offsets [-8, 0] are negative"),
                arguments("one offset", file("{" + entry("a", "\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8]") + "}", eight),
                        "tensor 'a' data_offsets [8] has 1 values, not 2"),
                arguments("fractional offset", file("{" + entry("a", "\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8.0]") + "}", eight),
                        "tensor 'a' data_offsets [0,8.0] has non-integer value 8.0"),
                arguments("offset beyond long", file("{" + entry("a", "\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,99999999999999999999]") + "}", eight),
                        "has out-of-range value 99999999999999999999"),
                arguments("end past buffer", file("{" + entry("a", f32("[4]", 0, 16)) + "}", eight),
                        "tensor 'a' ends at byte 16, past the end of the 8-byte data buffer"),
                arguments("byte count", file("{" + entry("a", f32("[3]", 0, 8)) + "}", eight),
                        "tensor 'a' shape [3] needs 12 bytes but data_offsets [0, 8] span 8"),
                arguments("offset beyond 2 GB", file("{" + entry("a", f32("[1]", 4_294_967_296L, 4_294_967_300L)) + "}", eight),
                        "tensor 'a' ends at byte 4294967300, past the end of the 8-byte data buffer"),
                arguments("overlap", file("{" + entry("a", f32("[2]", 0, 8)) + "," + entry("b", f32("[2]", 4, 12)) + "}", new byte[12]),
                        "tensors 'a' [0, 8) and 'b' [4, 12) overlap"),
                arguments("gap", file("{" + entry("b", f32("[1]", 8, 12)) + "," + entry("a", f32("[1]", 0, 4)) + "}", new byte[12]),
                        "data bytes [4, 8) are not covered by any tensor"),
                arguments("trailing bytes", file("{" + entry("a", f32("[1]", 0, 4)) + "}", eight),
                        "trailing data bytes [4, 8) are not covered by any tensor"),
                arguments("data without tensors", file("{}", eight), "trailing data bytes [0, 8)"),
                arguments("duplicate name", file("{" + entry("a", f32("[1]", 0, 4)) + "," + entry("a", f32("[1]", 4, 8)) + "}", eight),
                        "duplicate tensor name 'a'"),
                arguments("duplicate field", file("{" + entry("a", "\"dtype\":\"F16\"," + f32("[1]", 0, 4)) + "}", new byte[4]),
                        "duplicate key 'dtype' in 'a'"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("malformed")
    void reportsTheProblemWithTheFileName(String label, byte[] bytes, String problem) throws IOException {
        Path file = dir.resolve(label.replace(' ', '-') + ".safetensors");
        Files.write(file, bytes);

        SafetensorsFormatException e = assertThrows(SafetensorsFormatException.class, () -> Safetensors.read(file));

        String message = e.getMessage();
        assertTrue(message.startsWith(file + ": "), message);
        assertTrue(message.contains(problem), () -> "expected \"" + problem + "\" in: " + message);
        assertFalse(message.contains("\n"), message);
        assertEquals(file + ": " + e.problem(), message);
        assertEquals(file, e.file());
    }
}
