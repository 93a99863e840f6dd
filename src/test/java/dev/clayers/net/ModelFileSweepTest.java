package dev.clayers.net;

import dev.clayers.Sweep;
import dev.clayers.backend.Backend;
import dev.clayers.backend.Backends;
import dev.clayers.backend.cpu.CpuBackend;
import dev.clayers.data.Normaliser;
import dev.clayers.io.Safetensors;
import dev.clayers.io.SafetensorsFile;
import dev.clayers.io.InputFiles;
import dev.clayers.io.SafetensorsFormatException;
import dev.clayers.io.Tensor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.UnaryOperator;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Hostile sweep, model files (issue 27): a saved network with every layer kind (conv, batch norm
 * over an image and over features with their own epsilon, max and average pooling, GELU, tanh,
 * sigmoid, ReLU, dropout, affine) and a normaliser, mutated every way the format allows. Each
 * mutation loads exactly the values the file holds, or is refused with a
 * {@link SafetensorsFormatException}, {@link InputFiles.WrongFileKindException} (a file of another kind) or {@link IllegalArgumentException} on one line; what loads
 * predicts finite probabilities on {@code cpu} and the OpenCL device, or refuses to with a clear
 * exception, never a NaN.
 */
class ModelFileSweepTest {
    @TempDir static Path dir;
    static Path base;
    static SafetensorsFile original;
    static final Sweep sweep = Sweep.of("model files");
    static final List<Backend> backends = new ArrayList<>();
    static float[][] inputs;
    static int counter;
    static final Map<String, Integer> outcomes = new java.util.TreeMap<>();

    static void outcome(String what) { outcomes.merge(what, 1, Integer::sum); }

    static final float[] VALUES = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 3e38f, -0f};

    static List<LayerSpec> layers() {
        return Layers.input(1, 8, 8).conv(3, 3, 1, 1).batchNorm(1e-5f).gelu().maxPool(2).avgPool(2, 1).dense(6).batchNorm()
                .tanh().dropout(0.25f).dense(5).sigmoid().relu().dense(3).list();
    }

    @BeforeAll
    static void save() throws IOException {
        base = dir.resolve("base.safetensors");
        Random rng = new Random(3);
        inputs = new float[4][64];
        for (float[] r : inputs) for (int i = 0; i < r.length; i++) r[i] = rng.nextFloat();
        float[] mean = new float[64], std = new float[64];
        Arrays.fill(mean, 0.5f);
        Arrays.fill(std, 0.25f);
        try (Backend be = new CpuBackend(); Sequential net = Sequential.of(be, WeightInit.HE, 7, layers())) {
            net.setNormaliser(Normaliser.of(Normaliser.Kind.STANDARDISE, mean, std));
            ModelFile.save(base, net, Map.of("note", "sweep"));
        }
        original = Safetensors.read(base);
        for (String id : Sweep.devices()) backends.add(Backends.open(id));
    }

    @AfterAll
    static void close() {
        backends.forEach(Backend::close);
    }

    // ---- helpers ----------------------------------------------------------------------------------

    static Path next(String what) {
        return dir.resolve((counter++) + "-" + what.replaceAll("[^A-Za-z0-9.]+", "_") + ".safetensors");
    }

    static Path withTensors(String what, Map<String, String> meta, List<Tensor> tensors) throws IOException {
        Path f = next(what);
        Safetensors.write(f, meta, tensors);
        return f;
    }

    static Path withMeta(String what, UnaryOperator<Map<String, String>> edit) throws IOException {
        return withTensors(what, edit.apply(new LinkedHashMap<>(original.metadata())), original.tensors());
    }

    /** The file's header JSON and its data bytes. */
    static String header(byte[] file) {
        long n = ByteBuffer.wrap(file, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        return new String(file, 8, (int) n, StandardCharsets.UTF_8);
    }

    static byte[] data(byte[] file) {
        long n = ByteBuffer.wrap(file, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        return Arrays.copyOfRange(file, 8 + (int) n, file.length);
    }

    static byte[] raw(String header, byte[] data) {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(h.length).array());
        out.writeBytes(h);
        out.writeBytes(data);
        return out.toByteArray();
    }

    static Path withBytes(String what, byte[] bytes) throws IOException {
        Path f = next(what);
        Files.write(f, bytes);
        return f;
    }

    /**
     * The file loads with exactly {@code expected}'s tensors (null: whatever it holds, read back
     * independently) and predicts finite probabilities everywhere, or is refused cleanly.
     */
    static void loadsExactlyOrRefused(Path f, List<Tensor> expected) throws Exception {
        ModelFile.Model m;
        try {
            m = ModelFile.load(f);
        } catch (Exception e) {
            Sweep.refusal(e, SafetensorsFormatException.class, InputFiles.WrongFileKindException.class, IllegalArgumentException.class);
            outcome("refused at load");
            return;
        }
        outcome("loaded");
        List<Tensor> want = expected != null ? expected : Safetensors.read(f).tensors();
        for (Tensor t : want) {
            float[] got = t.name().startsWith(Normaliser.PREFIX) ? m.normaliser().tensors().get(t.name()) : m.weights().get(t.name());
            if (got == null) throw new AssertionError("loaded without " + t.name());
            assertEquals(t.data().length, got.length, t.name());
            for (int i = 0; i < got.length; i++) {
                if (Float.floatToRawIntBits(got[i]) != Float.floatToRawIntBits(t.data()[i])) {
                    throw new AssertionError(t.name() + "[" + i + "] loaded as " + got[i] + " but the file holds " + t.data()[i]);
                }
            }
        }
        predictsFinite(m);
    }

    static void predictsFinite(ModelFile.Model m) {
        float[][] x = inputs;
        if (m.inputs() != 64) {
            x = new float[2][m.inputs()];
        }
        for (Backend be : backends) {
            try (Sequential net = m.build(be)) {
                double[][] p;
                try {
                    p = net.predictProbabilities(x);
                } catch (IllegalArgumentException | IllegalStateException e) {
                    Sweep.refusal(e, IllegalArgumentException.class, IllegalStateException.class);
                    outcome("prediction refused: " + e.getMessage());
                    continue;
                }
                // The loss and accuracy of a labelled set: finite, or a clear refusal.
                try {
                    Evaluation e = net.evaluate(dev.clayers.data.Dataset.of(x, new int[x.length]));
                    if (!Double.isFinite(e.loss()) || !(e.accuracy() >= 0 && e.accuracy() <= 1)) {
                        throw new AssertionError("on " + be.id() + " evaluation gives loss " + e.loss() + ", accuracy " + e.accuracy());
                    }
                } catch (IllegalArgumentException | IllegalStateException e) {
                    Sweep.refusal(e, IllegalArgumentException.class, IllegalStateException.class);
                }
                for (double[] row : p) {
                    double sum = 0;
                    for (double v : row) {
                        if (!Double.isFinite(v) || v < 0 || v > 1) {
                            throw new AssertionError("on " + be.id() + " a probability is " + v + ": " + Arrays.toString(row));
                        }
                        sum += v;
                    }
                    if (Math.abs(sum - 1) > 1e-4) throw new AssertionError("on " + be.id() + " probabilities sum to " + sum);
                }
            }
        }
    }

    static void refused(Path f, String names) {
        try {
            ModelFile.load(f);
        } catch (Exception e) {
            Sweep.refusal(e, SafetensorsFormatException.class, InputFiles.WrongFileKindException.class, IllegalArgumentException.class);
            if (names != null && !e.getMessage().contains(names)) {
                throw new AssertionError("the message does not name " + names + ": " + e.getMessage());
            }
            return;
        }
        throw new AssertionError("loaded");
    }

    static List<Tensor> replace(String name, Tensor with) {
        List<Tensor> out = new ArrayList<>();
        for (Tensor t : original.tensors()) {
            if (!t.name().equals(name)) out.add(t);
            else if (with != null) out.add(with);
        }
        return out;
    }

    // ---- the sweep --------------------------------------------------------------------------------

    @Test
    void sweep() throws Exception {
        sweep.check("the clean file", () -> loadsExactlyOrRefused(base, original.tensors()));

        // Every tensor x every special value, at its first and last element.
        for (Tensor t : original.tensors()) {
            for (float v : VALUES) {
                int index = v == 3e38f ? t.data().length - 1 : 0;
                String label = t.name() + "[" + index + "] = " + v;
                // Before the fix evaluation stopped with training advice (NonFiniteLossException: lower the learning rate).
                sweep.run(v == 3e38f && (t.name().equals("affine3.W") || t.name().equals("affine3.b")), label, () -> {
                    float[] d = t.data().clone();
                    d[index] = v;
                    List<Tensor> ts = replace(t.name(), new Tensor(t.name(), t.shape(), d));
                    Path f = withTensors(label, original.metadata(), ts);
                    if (Float.isFinite(v) && !(v < 0 && t.name().endsWith("running_var")) && !(t.name().endsWith(".std") && v <= 0)) {
                        loadsExactlyOrRefused(f, ts);
                    } else {
                        refused(f, t.name());
                    }
                });
            }
            // Every value huge, so sums overflow to infinity on the device.
            for (float v : new float[] {3e38f, -3e38f}) {
                String label = "all of " + t.name() + " = " + v;
                Sweep.Case body = () -> {
                    float[] d = new float[t.data().length];
                    Arrays.fill(d, v);
                    List<Tensor> ts = replace(t.name(), new Tensor(t.name(), t.shape(), d));
                    Path f = withTensors(label, original.metadata(), ts);
                    if (v < 0 && (t.name().endsWith("running_var") || t.name().endsWith(".std"))) refused(f, t.name());
                    else loadsExactlyOrRefused(f, ts);
                };
                // Before the fix the last layer's overflow came out as NaN probabilities.
                if (t.name().equals("affine3.W")) sweep.fixed(label, body);
                else sweep.check(label, body);
            }
            // Wrong shapes: one more element in the first dim, a flattened tensor, an extra leading 1.
            int[] s = t.shape();
            int[] bigger = s.clone();
            bigger[0]++;
            float[] biggerData = Arrays.copyOf(t.data(), t.data().length / s[0] * bigger[0]);
            sweep.check(t.name() + " one row more", () -> refused(withTensors(t.name() + "-bigger", original.metadata(),
                    replace(t.name(), new Tensor(t.name(), bigger, biggerData))), t.name()));
            if (s.length > 1 && s[0] > 1) {
                sweep.check(t.name() + " flattened", () -> loadsExactlyOrRefused(withTensors(t.name() + "-flat", original.metadata(),
                        replace(t.name(), new Tensor(t.name(), new int[] {t.data().length}, t.data()))), null));
            }
            if (s.length < 4) {
                int[] lead = new int[s.length + 1];
                lead[0] = 1;
                System.arraycopy(s, 0, lead, 1, s.length);
                sweep.check(t.name() + " with a leading 1", () -> loadsExactlyOrRefused(withTensors(t.name() + "-lead",
                        original.metadata(), replace(t.name(), new Tensor(t.name(), lead, t.data()))), null));
            }
            sweep.check(t.name() + " empty", () -> loadsExactlyOrRefused(withTensors(t.name() + "-empty", original.metadata(),
                    replace(t.name(), new Tensor(t.name(), new int[] {0}, new float[0]))), null));
            sweep.check(t.name() + " missing", () -> refused(withTensors(t.name() + "-missing", original.metadata(),
                    replace(t.name(), null)), t.name().startsWith("normaliser") ? null : t.name()));
        }

        // Extra tensors.
        for (String extra : new String[] {"affine9.W", "batchnorm3.gamma", "conv2.b", "normaliser.min", "normaliser.extra", "x",
                "optimizer/affine1.W.m", "affine1.W.m"}) {
            sweep.check("extra tensor " + extra, () -> {
                List<Tensor> ts = new ArrayList<>(original.tensors());
                ts.add(new Tensor(extra, new int[] {64}, new float[64]));
                refused(withTensors("extra-" + extra, original.metadata(), ts), null);
            });
        }

        // Metadata layer lists.
        String layers = original.metadata().get("layers");
        List<String> lists = new ArrayList<>(List.of("", " ", "relu", "affine(64,3)", "affine(0,3)", "affine(-64,3)",
                "affine(64,-3)", "affine(64,0)", "affine(2147483648,3)", "affine(99999999999999999999,3)", "affine(64,3,1)",
                "affine()", "affine(64,3", "affine 64 3", "softmax affine(64,3)", "affine(64,3) softmax", "foo(1)", "AFFINE(64,3)",
                "affine(0x40,3)", "affine(64.0,3)", "affine(+64,3)", "affine(6_4,3)", "affine(٦٤,3)", "affine(64,3)\u0000",
                layers + " affine(3,3)", layers.replace("relu", ""), layers.replace("relu", "relu relu"),
                layers.replace("gelu", "swish"), layers.replace("dropout(0.25)", "dropout(1.0)"),
                layers.replace("dropout(0.25)", "dropout(NaN)"), layers.replace("dropout(0.25)", "dropout(-0.5)"),
                layers.replace("eps=1.0E-5", "eps=0"), layers.replace("eps=1.0E-5", "eps=-1"), layers.replace("eps=1.0E-5", "eps=NaN"),
                layers.replace("eps=1.0E-5", "eps=Infinity"), layers.replace("eps=1.0E-5", "eps=1e30"),
                layers.replace("eps=1.0E-5", "eps=1e-45"), layers.replace("eps=1.0E-5", "eps=1e-50"),
                layers.replace("eps=1.0E-5", "eps=3e38"), layers.replace("1x8x8", "0x8x8"), layers.replace("1x8x8", "-1x8x8"),
                layers.replace("1x8x8", "1x8x8x1"), layers.replace("1x8x8", "1x65537x65537"), layers.replace("1x8x8", "1x2147483647x1"),
                layers.replace("1x8x8,3,3,1,1", "1x8x8,3,3,0,1"), layers.replace("1x8x8,3,3,1,1", "1x8x8,3,3,-1,1"),
                layers.replace("1x8x8,3,3,1,1", "1x8x8,3,3,1,-1"), layers.replace("1x8x8,3,3,1,1", "1x8x8,3,3,1,100"),
                layers.replace("1x8x8,3,3,1,1", "1x8x8,3,0,1,1"), layers.replace("1x8x8,3,3,1,1", "1x8x8,3,99,1,1"),
                layers.replace("1x8x8,3,3,1,1", "1x8x8,0,3,1,1"), layers.replace("1x8x8,3,3,1,1", "1x8x8,2147483647,3,1,1"),
                layers.replace("maxpool(3x8x8,2,2)", "maxpool(3x8x8,0,2)"), layers.replace("maxpool(3x8x8,2,2)", "maxpool(3x8x8,2,0)"),
                layers.replace("maxpool(3x8x8,2,2)", "maxpool(3x8x8,9,2)"), layers.replace("maxpool(3x8x8,2,2)", "maxpool(3x8x8,-2,2)"),
                layers.replace("avgpool(3x4x4,2,1)", "avgpool(3x4x4,2,-1)"), layers.replace("avgpool(3x4x4,2,1)", "avgpool(3x4x4,5,1)"),
                layers.replace("batchnorm(3,64,", "batchnorm(3,-64,"), layers.replace("batchnorm(3,64,", "batchnorm(3,0,"),
                layers.replace("batchnorm(3,64,", "batchnorm(3,2147483647,"), layers.replace("batchnorm(6)", "batchnorm(-6)"),
                layers.replace("batchnorm(6)", "batchnorm(0)"), layers.replace("batchnorm(6)", "batchnorm(6,1,2)")));
        for (String l : lists) {
            sweep.check("layers = " + l, () -> loadsExactlyOrRefused(withMeta("layers", m -> {
                m.put("layers", l);
                return m;
            }), null));
        }
        sweep.check("no layers entry", () -> loadsExactlyOrRefused(withMeta("nolayers", m -> {
            m.remove("layers");
            return m;
        }), null));
        for (String fmt : new String[] {"clayers/999", "", "clayers-mlp/1", "safetensors"}) {
            sweep.check("format = " + fmt, () -> loadsExactlyOrRefused(withMeta("format", m -> {
                m.put("format", fmt);
                return m;
            }), null));
        }
        for (String arch : new String[] {"64-6-5-3", "784-10", "-1", "", "64-6-5-3-"}) {
            sweep.check("architecture = " + arch, () -> loadsExactlyOrRefused(withMeta("arch", m -> {
                m.put("architecture", arch);
                return m;
            }), null));
        }

        // The bytes: truncations, trailing garbage, header lengths, raw header edits.
        byte[] bytes = Files.readAllBytes(base);
        String header = header(bytes);
        byte[] data = data(bytes);
        int headerEnd = 8 + header.getBytes(StandardCharsets.UTF_8).length;
        List<Integer> cuts = new ArrayList<>(List.of(0, 1, 7, 8, 9, headerEnd - 1, headerEnd, headerEnd + 1, bytes.length - 1,
                bytes.length - 4));
        for (int i = 1; i <= 30; i++) cuts.add((int) ((long) bytes.length * i / 31));
        for (int cut : cuts) {
            sweep.check("truncated at " + cut, () -> refused(withBytes("cut" + cut, Arrays.copyOf(bytes, cut)), null));
        }
        for (int extra : new int[] {1, 3, 4, 4096}) {
            sweep.check("trailing " + extra + " bytes", () -> {
                byte[] b = Arrays.copyOf(bytes, bytes.length + extra);
                Arrays.fill(b, bytes.length, b.length, (byte) 0x7f);
                loadsExactlyOrRefused(withBytes("trail" + extra, b), original.tensors());
            });
        }
        for (long len : new long[] {0, 1, 2, bytes.length, bytes.length - 7, 16_000_001L, Long.MAX_VALUE, -1L, Integer.MAX_VALUE + 1L}) {
            sweep.check("header length " + len, () -> {
                byte[] b = bytes.clone();
                ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putLong(0, len);
                refused(withBytes("hlen" + len, b), null);
            });
        }
        Map<String, String> edits = new LinkedHashMap<>();
        String firstName = original.tensors().get(0).name();
        edits.put("duplicate tensor name", header.replaceFirst("\\{", "{\"" + firstName + "\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"));
        edits.put("duplicate metadata", header.replaceFirst("\\{", "{\"__metadata__\":{\"layers\":\"affine(64,3)\"},"));
        for (String dt : new String[] {"F16", "BF16", "F64", "I32", "U8", "BOOL", "f32", "", "F32 "}) {
            edits.put("dtype " + dt, header.replaceFirst("\"F32\"", "\"" + dt + "\""));
        }
        edits.put("dtype a number", header.replaceFirst("\"F32\"", "32"));
        edits.put("shape negative", header.replaceFirst("\"shape\":\\[", "\"shape\":[-1,"));
        edits.put("shape huge", header.replaceFirst("\"shape\":\\[", "\"shape\":[4294967296,"));
        edits.put("shape a string", header.replaceFirst("\"shape\":\\[", "\"shape\":[\"3\","));
        edits.put("shape fractional", header.replaceFirst("\"shape\":\\[", "\"shape\":[1.5,"));
        edits.put("shape null", header.replaceFirst("\"shape\":\\[[^]]*]", "\"shape\":null"));
        edits.put("offsets reversed", header.replaceFirst("\"data_offsets\":\\[(\\d+),(\\d+)]", "\"data_offsets\":[$2,$1]"));
        edits.put("offsets negative", header.replaceFirst("\"data_offsets\":\\[(\\d+),", "\"data_offsets\":[-4,"));
        edits.put("offsets past the end", header.replaceFirst("\"data_offsets\":\\[(\\d+),(\\d+)]", "\"data_offsets\":[$1,99999999]"));
        edits.put("offsets overlapping", header.replaceFirst("\"data_offsets\":\\[(\\d+),", "\"data_offsets\":[4,"));
        edits.put("offsets 2^63", header.replaceFirst("\"data_offsets\":\\[(\\d+),(\\d+)]", "\"data_offsets\":[$1,9223372036854775808]"));
        edits.put("metadata a number", header.replaceFirst("\"note\":\"sweep\"", "\"note\":5"));
        edits.put("metadata nested", header.replaceFirst("\"note\":\"sweep\"", "\"note\":{\"a\":[1,2]}"));
        edits.put("header an array", "[" + header + "]");
        edits.put("header with a trailing comma", header.substring(0, header.length() - 1) + ",}");
        edits.put("header with a BOM", "\uFEFF" + header);
        edits.put("header padded with spaces", header + "        ");
        edits.put("header nested deeply", header.replaceFirst("\"note\":\"sweep\"", "\"note\":" + "[".repeat(5000) + "]".repeat(5000)));
        for (Map.Entry<String, String> e : edits.entrySet()) {
            sweep.check("header: " + e.getKey(), () -> loadsExactlyOrRefused(withBytes("edit", raw(e.getValue(), data)), null));
        }
        // The simulator (Oclgrind checks every access against its buffer): the clean file and one with -0 everywhere in conv1.W.
        for (String sim : Sweep.simulators()) {
            for (boolean negativeZero : new boolean[] {false, true}) {
                sweep.check(sim + ": " + (negativeZero ? "conv1.W all -0" : "the clean file") + " predicts as on cpu", () -> {
                    List<Tensor> ts = original.tensors();
                    if (negativeZero) {
                        Tensor w = original.tensor("conv1.W");
                        float[] d = new float[w.data().length];
                        Arrays.fill(d, -0f);
                        ts = replace("conv1.W", new Tensor("conv1.W", w.shape(), d));
                    }
                    ModelFile.Model m = ModelFile.load(withTensors("sim", original.metadata(), ts));
                    try (Backend be = Backends.open(sim); Sequential net = m.build(be); Sequential ref = m.build(backends.get(0))) {
                        float[][] x = Arrays.copyOf(inputs, 2);
                        double[][] got = net.predictProbabilities(x), want = ref.predictProbabilities(x);
                        for (int i = 0; i < x.length; i++) {
                            for (int j = 0; j < want[i].length; j++) {
                                if (Math.abs(got[i][j] - want[i][j]) > 1e-4) throw new AssertionError(got[i][j] + " vs " + want[i][j]);
                            }
                        }
                    }
                });
            }
        }
        System.out.println("model files: " + outcomes);
        sweep.finish();
    }
}
