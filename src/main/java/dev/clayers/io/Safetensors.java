package dev.clayers.io;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import com.google.gson.Strictness;
import com.google.gson.stream.JsonReader;
import dev.clayers.Limits;
import com.google.gson.stream.JsonToken;
import com.google.gson.stream.JsonWriter;

import java.io.EOFException;
import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.CharBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Reads and writes <a href="https://github.com/huggingface/safetensors">safetensors</a> files of F32
 * tensors, the format clayers saves models in so that NumPy and PyTorch tooling can open them.
 *
 * <h2>Format</h2>
 * <ol>
 *   <li>8 bytes: header length {@code N}, unsigned 64-bit little-endian.</li>
 *   <li>{@code N} bytes: the header, UTF-8 JSON, one object. Each key is a tensor name mapped to
 *       {@code {"dtype":"F32","shape":[r,c],"data_offsets":[begin,end]}}, offsets in bytes relative
 *       to the start of the data buffer, {@code end} exclusive. The optional key {@code __metadata__}
 *       maps to an object whose values are all strings.</li>
 *   <li>The data buffer: every tensor's values, row-major, float32 little-endian. The tensors must
 *       cover the buffer exactly: no overlaps, no gaps, no trailing bytes.</li>
 * </ol>
 *
 * <h2>What {@link #write} emits</h2>
 * Compact JSON (no spaces or newlines), keys in this order: {@code __metadata__} first (omitted when
 * there is no metadata), then the tensors in the order given, each as {@code dtype}, {@code shape},
 * {@code data_offsets}. The header is padded with spaces to a multiple of 8 bytes, as the reference
 * implementation does, so the data buffer starts 8-byte aligned. Tensors are laid out in the order
 * given, back to back. For example, tensor {@code a} = {@code [[1.0, -2.5]]} with metadata
 * {@code k=v} is the header
 * <pre>{"__metadata__":{"k":"v"},"a":{"dtype":"F32","shape":[1,2],"data_offsets":[0,8]}}</pre>
 * (81 bytes) plus 7 spaces, so the length prefix is 88, then 8 data bytes.
 *
 * <h2>What {@link #read} accepts</h2>
 * Any key order, unpadded or space-padded headers, and tensors listed in any order in the header
 * (files from other writers differ in all three). Only F32 tensors of rank 1 to 4 (conv filters) are supported.
 * Everything else is reported as a {@link SafetensorsFormatException} naming the file and the first
 * problem found, checked in this order: the length prefix, the header's encoding and JSON syntax,
 * duplicate keys, each header entry in header order, then the layout of the data buffer from its start.
 */
public final class Safetensors {
    /** The header key the format reserves for string metadata. */
    public static final String METADATA_KEY = "__metadata__";

    /**
     * Largest header we read ({@link Limits#MAX_SAFETENSORS_HEADER_BYTES}). Real headers are
     * kilobytes; the cap means a hostile length prefix cannot make us allocate gigabytes, and a
     * header of a million empty tensors cannot cost a minute of parsing.
     */
    static final long MAX_HEADER_BYTES = Limits.MAX_SAFETENSORS_HEADER_BYTES;

    private static final String F32 = "F32";
    private static final int PREFIX_BYTES = 8;
    private static final int ALIGNMENT = 8;
    /** Transfer chunk: large enough that per-call overhead vanishes, small enough to be nothing beside the data. */
    private static final int CHUNK_BYTES = 1 << 20;
    /** JSON integer syntax: no fraction and no exponent, so {@code 4.0} and {@code 4e0} are not offsets. */
    private static final Pattern JSON_INTEGER = Pattern.compile("-?(0|[1-9][0-9]*)");

    private Safetensors() {
    }

    /**
     * Writes {@code tensors} and {@code metadata} to {@code file}, atomically: the bytes go to a
     * temporary file in the same folder ({@code <name>.tmp-<random>}), are forced to disk, and the
     * temporary file is then renamed over {@code file}. If anything fails, the temporary file is
     * deleted and an existing {@code file} is left untouched. A missing parent folder is created.
     *
     * @param file     target file. <i>Replaced.</i>
     * @param metadata string metadata, written in iteration order; may be empty or null
     * @param tensors  tensors, written in list order; names must be unique. <i>Not modified.</i>
     */
    public static void write(Path file, Map<String, String> metadata, List<Tensor> tensors) throws IOException {
        write(file, new SafetensorsFile(metadata, tensors));
    }

    /** Writes {@code contents} to {@code file}; see {@link #write(Path, Map, List)}. */
    public static void write(Path file, SafetensorsFile contents) throws IOException {
        byte[] header = header(contents);
        writeAtomically(file, channel -> {
            ByteBuffer prefix = ByteBuffer.allocate(PREFIX_BYTES).order(ByteOrder.LITTLE_ENDIAN);
            prefix.putLong(header.length).flip();
            writeFully(channel, prefix);
            writeFully(channel, ByteBuffer.wrap(header));
            ByteBuffer chunk = ByteBuffer.allocate(CHUNK_BYTES).order(ByteOrder.LITTLE_ENDIAN);
            for (Tensor t : contents.tensors()) {
                float[] data = t.data();
                for (int from = 0; from < data.length; ) {
                    int n = Math.min(CHUNK_BYTES / Float.BYTES, data.length - from);
                    chunk.clear();
                    chunk.asFloatBuffer().put(data, from, n);
                    chunk.limit(n * Float.BYTES);
                    writeFully(channel, chunk);
                    from += n;
                }
            }
        });
    }

    /** Writes through {@link AtomicFiles#write}; the seam that lets tests make a write fail half-way. */
    static void writeAtomically(Path file, AtomicFiles.Body body) throws IOException {
        AtomicFiles.write(file, body);
    }

    /** The padded header bytes for {@code contents}, in the order documented on this class. */
    private static byte[] header(SafetensorsFile contents) throws IOException {
        StringWriter text = new StringWriter();
        try (JsonWriter json = new JsonWriter(text)) {
            json.beginObject();
            if (!contents.metadata().isEmpty()) {
                json.name(METADATA_KEY).beginObject();
                for (Map.Entry<String, String> e : contents.metadata().entrySet()) {
                    json.name(e.getKey()).value(e.getValue());
                }
                json.endObject();
            }
            long offset = 0;
            for (Tensor t : contents.tensors()) {
                long end = offset + (long) Float.BYTES * t.data().length;
                json.name(t.name()).beginObject();
                json.name("dtype").value(F32);
                json.name("shape").beginArray();
                for (int dim : t.shape()) {
                    json.value(dim);
                }
                json.endArray();
                json.name("data_offsets").beginArray().value(offset).value(end).endArray();
                json.endObject();
                offset = end;
            }
            json.endObject();
        }
        byte[] utf8 = text.toString().getBytes(StandardCharsets.UTF_8);
        int padded = (utf8.length + ALIGNMENT - 1) / ALIGNMENT * ALIGNMENT;
        byte[] header = Arrays.copyOf(utf8, padded);
        Arrays.fill(header, utf8.length, padded, (byte) ' ');
        return header;
    }

    private static void writeFully(FileChannel channel, ByteBuffer buffer) throws IOException {
        while (buffer.hasRemaining()) {
            channel.write(buffer);
        }
    }

    /**
     * Reads a safetensors file of F32 tensors of rank 1 to 4.
     *
     * @throws SafetensorsFormatException naming the file and the first problem, when the file is not
     *                                    a valid safetensors file or uses what clayers does not read
     * @throws IOException                when the file cannot be read at all
     */
    public static SafetensorsFile read(Path file) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = channel.size();
            if (size < PREFIX_BYTES) {
                throw new SafetensorsFormatException(file, "file is " + size
                        + " bytes, shorter than the 8-byte header length that starts every safetensors file");
            }
            ByteBuffer prefix = ByteBuffer.allocate(PREFIX_BYTES).order(ByteOrder.LITTLE_ENDIAN);
            readFully(channel, prefix, 0, file);
            long headerLength = prefix.flip().getLong();
            // Checked before allocating anything; compareUnsigned because the prefix is unsigned.
            if (Long.compareUnsigned(headerLength, MAX_HEADER_BYTES) > 0) {
                throw new SafetensorsFormatException(file, "header length " + Long.toUnsignedString(headerLength)
                        + " bytes exceeds the limit of " + Limits.format(MAX_HEADER_BYTES) + " bytes; "
                        + Limits.howToRaise("clayers.maxHeaderBytes"));
            }
            if (headerLength > size - PREFIX_BYTES) {
                throw new SafetensorsFormatException(file, "header length " + headerLength
                        + " is larger than the " + (size - PREFIX_BYTES) + " bytes after the length prefix");
            }
            ByteBuffer headerBytes = ByteBuffer.allocate((int) headerLength);
            readFully(channel, headerBytes, PREFIX_BYTES, file);
            long dataStart = PREFIX_BYTES + headerLength;
            Header header = parseHeader(file, decodeUtf8(file, headerBytes.flip()), size - dataStart);

            List<Tensor> tensors = new ArrayList<>(header.entries().size());
            ByteBuffer chunk = ByteBuffer.allocate(CHUNK_BYTES).order(ByteOrder.LITTLE_ENDIAN);
            for (Entry e : header.entries()) {
                float[] data = new float[(int) ((e.end() - e.begin()) / Float.BYTES)];
                long position = dataStart + e.begin();
                for (int from = 0; from < data.length; ) {
                    int n = Math.min(CHUNK_BYTES / Float.BYTES, data.length - from);
                    chunk.clear().limit(n * Float.BYTES);
                    readFully(channel, chunk, position, file);
                    chunk.flip().asFloatBuffer().get(data, from, n);
                    position += (long) n * Float.BYTES;
                    from += n;
                }
                tensors.add(new Tensor(e.name(), e.shape(), data));
            }
            return new SafetensorsFile(header.metadata(), tensors);
        }
    }

    /** One tensor's header entry, validated. */
    private record Entry(String name, int[] shape, long begin, long end) {
    }

    private record Header(Map<String, String> metadata, List<Entry> entries) {
    }

    private static String decodeUtf8(Path file, ByteBuffer bytes) throws SafetensorsFormatException {
        try {
            // The default String constructor would silently replace bad bytes; a strict decoder reports them.
            CharBuffer chars = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(bytes);
            return chars.toString();
        } catch (CharacterCodingException e) {
            throw new SafetensorsFormatException(file, "header is not valid UTF-8");
        }
    }

    private static Header parseHeader(Path file, String text, long dataLength) throws SafetensorsFormatException {
        checkTensorCount(file, text);
        JsonObject root = parseJsonObject(file, text);
        rejectDuplicateKeys(file, text);

        Map<String, String> metadata = new LinkedHashMap<>();
        List<Entry> entries = new ArrayList<>();
        for (Map.Entry<String, JsonElement> member : root.entrySet()) {
            String name = member.getKey();
            JsonElement value = member.getValue();
            if (name.equals(METADATA_KEY)) {
                readMetadata(file, value, metadata);
            } else {
                entries.add(readEntry(file, name, value, dataLength));
            }
        }
        checkCoverage(file, entries, dataLength);
        return new Header(metadata, entries);
    }

    /**
     * Counts the header's entries with a streaming pass that stops at the cap, before the tree is
     * built: a header of a million empty tensors would otherwise cost seconds and gigabytes.
     * Malformed JSON is left to {@link #parseJsonObject} to report.
     */
    private static void checkTensorCount(Path file, String text) throws SafetensorsFormatException {
        JsonReader reader = strictReader(text);
        try {
            if (reader.peek() != com.google.gson.stream.JsonToken.BEGIN_OBJECT) return;
            reader.beginObject();
            int n = 0;
            while (reader.hasNext()) {
                if (!reader.nextName().equals(METADATA_KEY) && ++n > Limits.MAX_TENSORS) {
                    throw new SafetensorsFormatException(file, "header lists more tensors than the limit of "
                            + Limits.format(Limits.MAX_TENSORS) + "; " + Limits.howToRaise("clayers.maxTensors"));
                }
                reader.skipValue();
            }
        } catch (SafetensorsFormatException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            // malformed: reported by parseJsonObject with its own words
        }
    }

    private static JsonObject parseJsonObject(Path file, String text) throws SafetensorsFormatException {
        if (text.isBlank()) {
            throw new SafetensorsFormatException(file, "header is empty, not a JSON object");
        }
        JsonReader reader = strictReader(text);
        JsonElement root;
        try {
            root = JsonParser.parseReader(reader);
        } catch (JsonParseException e) {
            throw new SafetensorsFormatException(file, "header is not valid JSON: " + firstLine(e));
        }
        if (!atEnd(reader)) {
            throw new SafetensorsFormatException(file, "header is not valid JSON: text follows the top-level value");
        }
        if (!root.isJsonObject()) {
            throw new SafetensorsFormatException(file, "header is " + kind(root) + ", not a JSON object");
        }
        return root.getAsJsonObject();
    }

    /** Gson's default is lenient (single quotes, comments, NaN, ...); other readers of the file would reject those. */
    private static JsonReader strictReader(String text) {
        JsonReader reader = new JsonReader(new StringReader(text));
        reader.setStrictness(Strictness.STRICT);
        return reader;
    }

    /** Whether only whitespace (such as the alignment padding) is left; a strict reader throws on anything else. */
    private static boolean atEnd(JsonReader reader) {
        try {
            return reader.peek() == JsonToken.END_DOCUMENT;
        } catch (IOException e) {
            return false;
        }
    }

    /** Gson keeps the last of two equal keys silently, so duplicates are found with a separate streaming pass. */
    private static void rejectDuplicateKeys(Path file, String text) throws SafetensorsFormatException {
        try {
            rejectDuplicateKeys(file, strictReader(text), null);
        } catch (SafetensorsFormatException e) {
            throw e;
        } catch (IOException e) {
            throw new IllegalStateException("header parsed once but not a second time", e);
        }
    }

    private static void rejectDuplicateKeys(Path file, JsonReader reader, String owner) throws IOException {
        switch (reader.peek()) {
            case BEGIN_OBJECT -> {
                reader.beginObject();
                Set<String> seen = new HashSet<>();
                while (reader.hasNext()) {
                    String key = reader.nextName();
                    if (!seen.add(key)) {
                        throw new SafetensorsFormatException(file, owner == null
                                ? (key.equals(METADATA_KEY) ? "duplicate " + METADATA_KEY : "duplicate tensor name '" + key + "'")
                                : "duplicate key '" + key + "' in '" + owner + "'");
                    }
                    rejectDuplicateKeys(file, reader, owner == null ? key : owner);
                }
                reader.endObject();
            }
            case BEGIN_ARRAY -> {
                reader.beginArray();
                while (reader.hasNext()) {
                    rejectDuplicateKeys(file, reader, owner);
                }
                reader.endArray();
            }
            default -> reader.skipValue();
        }
    }

    private static void readMetadata(Path file, JsonElement value, Map<String, String> metadata)
            throws SafetensorsFormatException {
        if (value.isJsonNull()) {
            return; // what some writers emit for "no metadata"
        }
        if (!value.isJsonObject()) {
            throw new SafetensorsFormatException(file, METADATA_KEY + " is " + kind(value) + ", not an object of strings");
        }
        for (Map.Entry<String, JsonElement> e : value.getAsJsonObject().entrySet()) {
            JsonElement v = e.getValue();
            if (!(v.isJsonPrimitive() && v.getAsJsonPrimitive().isString())) {
                throw new SafetensorsFormatException(file, "metadata value for '" + e.getKey() + "' is " + kind(v)
                        + ", not a string");
            }
            metadata.put(e.getKey(), v.getAsString());
        }
    }

    private static Entry readEntry(Path file, String name, JsonElement value, long dataLength)
            throws SafetensorsFormatException {
        String tensor = "tensor '" + name + "'";
        if (!value.isJsonObject()) {
            throw new SafetensorsFormatException(file, tensor + " is " + kind(value) + ", not an object");
        }
        JsonObject entry = value.getAsJsonObject();
        for (String field : List.of("dtype", "shape", "data_offsets")) {
            if (!entry.has(field)) {
                throw new SafetensorsFormatException(file, tensor + " has no " + field);
            }
        }

        JsonElement dtype = entry.get("dtype");
        if (!(dtype.isJsonPrimitive() && dtype.getAsJsonPrimitive().isString())) {
            throw new SafetensorsFormatException(file, tensor + " dtype is " + kind(dtype) + ", not a string");
        }
        if (!dtype.getAsString().equals(F32)) {
            throw new SafetensorsFormatException(file, tensor + " has dtype " + dtype.getAsString()
                    + "; only F32 is supported");
        }

        long[] shape = integers(file, tensor + " shape", entry.get("shape"), -1);
        for (long dim : shape) {
            if (dim < 0) {
                throw new SafetensorsFormatException(file, tensor + " shape " + Arrays.toString(shape)
                        + " has a negative dimension");
            }
        }
        if (shape.length < 1 || shape.length > Tensor.MAX_RANK) {
            throw new SafetensorsFormatException(file, tensor + " has rank " + shape.length + " shape "
                    + Arrays.toString(shape) + "; only rank 1 to " + Tensor.MAX_RANK + " is supported");
        }

        long[] offsets = integers(file, tensor + " data_offsets", entry.get("data_offsets"), 2);
        long begin = offsets[0];
        long end = offsets[1];
        if (begin < 0 || end < 0) {
            throw new SafetensorsFormatException(file, tensor + " data_offsets " + Arrays.toString(offsets)
                    + " are negative");
        }
        if (end < begin) {
            throw new SafetensorsFormatException(file, tensor + " data_offsets " + Arrays.toString(offsets)
                    + " are not increasing");
        }
        if (end > dataLength) {
            throw new SafetensorsFormatException(file, tensor + " ends at byte " + end + ", past the end of the "
                    + dataLength + "-byte data buffer");
        }
        // BigInteger: a hand-written shape can overflow a long product.
        BigInteger count = BigInteger.ONE;
        for (long dim : shape) {
            count = count.multiply(BigInteger.valueOf(dim));
        }
        BigInteger bytes = count.multiply(BigInteger.valueOf(Float.BYTES));
        if (!bytes.equals(BigInteger.valueOf(end - begin))) {
            throw new SafetensorsFormatException(file, tensor + " shape " + Arrays.toString(shape) + " needs "
                    + bytes + " bytes but data_offsets " + Arrays.toString(offsets) + " span " + (end - begin));
        }
        if (Arrays.stream(shape).anyMatch(dim -> dim > Integer.MAX_VALUE)
                || count.compareTo(BigInteger.valueOf(Integer.MAX_VALUE - 8)) > 0) {
            throw new SafetensorsFormatException(file, tensor + " shape " + Arrays.toString(shape)
                    + " is too large for a Java array");
        }
        int[] intShape = Arrays.stream(shape).mapToInt(Math::toIntExact).toArray();
        return new Entry(name, intShape, begin, end);
    }

    /**
     * Reads {@code element} as an array of JSON integers that fit a long (exactly {@code length} of
     * them unless {@code length < 0}). Integer syntax is checked on the literal text, so that
     * {@code 2.0}, {@code 2e0} and {@code 1.5} are all rejected rather than rounded.
     */
    private static long[] integers(Path file, String what, JsonElement element, int length)
            throws SafetensorsFormatException {
        String expected = length < 0 ? "an array of integers" : "an array of " + length + " integers";
        if (!element.isJsonArray()) {
            throw new SafetensorsFormatException(file, what + " is " + kind(element) + ", not " + expected);
        }
        JsonArray array = element.getAsJsonArray();
        if (length >= 0 && array.size() != length) {
            throw new SafetensorsFormatException(file, what + " " + array + " has " + array.size()
                    + " values, not " + length);
        }
        long[] values = new long[array.size()];
        for (int i = 0; i < values.length; i++) {
            JsonElement v = array.get(i);
            // For numbers Gson keeps the literal text, which getAsString returns unchanged.
            if (!(v.isJsonPrimitive() && v.getAsJsonPrimitive().isNumber())
                    || !JSON_INTEGER.matcher(v.getAsString()).matches()) {
                throw new SafetensorsFormatException(file, what + " " + array + " has non-integer value " + v);
            }
            BigInteger value = new BigInteger(v.getAsString());
            if (value.bitLength() > 63) {
                throw new SafetensorsFormatException(file, what + " " + array + " has out-of-range value " + v);
            }
            values[i] = value.longValue();
        }
        return values;
    }

    /** The data buffer must be covered exactly; any overlap, gap or trailing byte is reported by position. */
    private static void checkCoverage(Path file, List<Entry> entries, long dataLength)
            throws SafetensorsFormatException {
        List<Entry> byOffset = new ArrayList<>(entries);
        byOffset.sort(Comparator.comparingLong(Entry::begin).thenComparingLong(Entry::end));
        long covered = 0;
        Entry previous = null;
        for (Entry e : byOffset) {
            if (e.begin() < covered) {
                throw new SafetensorsFormatException(file, "tensors '" + previous.name() + "' [" + previous.begin()
                        + ", " + previous.end() + ") and '" + e.name() + "' [" + e.begin() + ", " + e.end()
                        + ") overlap");
            }
            if (e.begin() > covered) {
                throw new SafetensorsFormatException(file, "data bytes [" + covered + ", " + e.begin()
                        + ") are not covered by any tensor");
            }
            covered = e.end();
            previous = e;
        }
        if (covered < dataLength) {
            throw new SafetensorsFormatException(file, "trailing data bytes [" + covered + ", " + dataLength
                    + ") are not covered by any tensor");
        }
    }

    private static void readFully(FileChannel channel, ByteBuffer buffer, long position, Path file) throws IOException {
        while (buffer.hasRemaining()) {
            int n = channel.read(buffer, position);
            if (n < 0) {
                throw new EOFException(file + ": file ended at byte " + position + " while reading");
            }
            position += n;
        }
    }

    private static String kind(JsonElement e) {
        if (e.isJsonObject()) {
            return "an object";
        }
        if (e.isJsonArray()) {
            return "an array";
        }
        if (e.isJsonNull()) {
            return "null";
        }
        JsonPrimitive p = e.getAsJsonPrimitive();
        return p.isString() ? "a string" : p.isNumber() ? "a number" : "a boolean";
    }

    /** Gson wraps the parser's exception and appends a troubleshooting link on a second line; keep the first. */
    private static String firstLine(Exception e) {
        Throwable cause = e.getCause() != null ? e.getCause() : e;
        String message = String.valueOf(cause.getMessage());
        int newline = message.indexOf('\n');
        return newline < 0 ? message : message.substring(0, newline);
    }
}
