package dev.clayers.train;

import com.google.gson.Gson;
import com.google.gson.reflect.TypeToken;
import dev.clayers.Sweep;
import dev.clayers.backend.Backend;
import dev.clayers.backend.cpu.CpuBackend;
import dev.clayers.data.Dataset;
import dev.clayers.io.Safetensors;
import dev.clayers.io.SafetensorsFile;
import dev.clayers.io.SafetensorsFormatException;
import dev.clayers.io.Tensor;
import dev.clayers.layer.NonFiniteLossException;
import dev.clayers.net.Layers;
import dev.clayers.net.Sequential;
import dev.clayers.net.WeightInit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.UnaryOperator;

/**
 * Hostile sweep, checkpoints (issue 27): a real Adam checkpoint of a network with batch norm,
 * mutated in its optimizer state, its weights and every metadata entry. Each load and resume is
 * refused with a {@link SafetensorsFormatException} or {@link IllegalArgumentException} (an
 * {@link InvalidOptionException} among them) on one line, or, where the change is harmless,
 * resumes to finite losses and weights. A damaged state never trains on silently.
 */
class CheckpointSweepTest {
    @TempDir Path dir;
    private static final Gson GSON = new Gson();
    private int counter;
    private Dataset train;
    private SafetensorsFile original;

    private static Dataset data(int n, long seed) {
        Random rng = new Random(seed);
        float[][] x = new float[n][6];
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < 6; j++) x[i][j] = (float) rng.nextGaussian();
            y[i] = x[i][0] + x[i][1] > 0 ? 1 : 0;
        }
        return Dataset.of(x, y);
    }

    private Path write(SafetensorsFile sf) throws Exception {
        Path d = dir.resolve("c" + counter++);
        Files.createDirectories(d);
        Safetensors.write(Checkpoint.file(d), sf.metadata(), sf.tensors());
        return d;
    }

    private Path withMeta(UnaryOperator<Map<String, String>> edit) throws Exception {
        return write(new SafetensorsFile(edit.apply(new LinkedHashMap<>(original.metadata())), original.tensors()));
    }

    private Path withTensors(UnaryOperator<List<Tensor>> edit) throws Exception {
        return write(new SafetensorsFile(original.metadata(), edit.apply(new ArrayList<>(original.tensors()))));
    }

    /** Loads and resumes: refused cleanly (true), or resumed with finite numbers (false). */
    private boolean refusedOrFinite(Path d) {
        try (Backend be = new CpuBackend()) {
            Checkpoint.State s = Checkpoint.load(d);
            try (Sequential net = s.model().build(be)) {
                History h = Training.resume(net, train, null, s.options(), s);
                for (EpochMetrics m : h.epochs()) {
                    // NaN is what an epoch of no iterations records; the epochs trained now must be finite.
                    if (m.epoch() > s.epoch() ? !Double.isFinite(m.trainLoss()) : m.trainLoss() == Double.POSITIVE_INFINITY) throw new AssertionError("resumed to a train loss of " + m.trainLoss());
                }
                for (Map.Entry<String, float[]> w : net.weights().entrySet()) {
                    for (float v : w.getValue()) if (!Float.isFinite(v)) throw new AssertionError("resumed to " + v + " in " + w.getKey());
                }
                return false;
            }
        } catch (AssertionError e) {
            throw e;
        } catch (Throwable e) {
            Sweep.refusal(e, SafetensorsFormatException.class, IllegalArgumentException.class, NonFiniteLossException.class);
            return true;
        }
    }

    private void refused(Path d) {
        if (!refusedOrFinite(d)) throw new AssertionError("resumed");
    }

    @Test
    void sweep() throws Exception {
        Sweep sweep = Sweep.of("checkpoints");
        train = data(64, 1);
        Path first = dir.resolve("run");
        try (Backend be = new CpuBackend();
             Sequential net = Sequential.of(be, WeightInit.HE, 3, Layers.input(6).dense(5).batchNorm().relu().dense(2))) {
            Training.fit(net, train, null, FitOptions.builder().epochs(3).batch(16).stopAfterEpoch(1).checkpointDir(first).build());
        }
        original = Safetensors.read(Checkpoint.file(first));
        sweep.check("the clean checkpoint resumes", () -> {
            if (refusedOrFinite(first)) throw new AssertionError("refused");
        });

        for (Tensor t : original.tensors()) {
            boolean opt = t.name().startsWith("optimizer/");
            boolean squares = opt && t.name().endsWith(".v");
            for (float v : new float[] {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, -1f, 3e38f}) {
                // Before the fix a huge weight or moment trained on to NaN weights with a finite loss.
                boolean wasSilent = v == 3e38f && java.util.Set.of("affine1.W", "optimizer/affine1.W.m", "optimizer/affine1.b.m",
                        "optimizer/batchnorm1.beta.m", "optimizer/affine2.W.m").contains(t.name());
                sweep.run(wasSilent, t.name() + "[0] = " + v, () -> {
                    Path d = withTensors(ts -> {
                        float[] data = t.data().clone();
                        data[0] = v;
                        ts.set(ts.indexOf(t), new Tensor(t.name(), t.shape(), data));
                        return ts;
                    });
                    boolean mustRefuse = !Float.isFinite(v) || (v < 0 && (squares || t.name().endsWith("running_var")));
                    if (mustRefuse) refused(d);
                    else refusedOrFinite(d);
                });
            }
            sweep.check(t.name() + " missing", () -> refused(withTensors(ts -> {
                ts.remove(t);
                return ts;
            })));
            sweep.check(t.name() + " of another shape", () -> refused(withTensors(ts -> {
                ts.set(ts.indexOf(t), new Tensor(t.name(), new int[] {t.data().length + 1}, new float[t.data().length + 1]));
                return ts;
            })));
        }
        for (String extra : new String[] {"optimizer/affine9.W.m", "optimizer/affine1.W.h", "optimizer/", "optimizer/affine1.W.m.m"}) {
            sweep.check("extra tensor " + extra, () -> refusedOrFinite(withTensors(ts -> {
                ts.add(new Tensor(extra, new int[] {2}, new float[2]));
                return ts;
            })));
        }

        String[] metaKeys = {"checkpoint_epoch", "optimizer_steps", "config", "metrics", "layers", "format"};
        for (String k : metaKeys) {
            sweep.check("metadata " + k + " missing", () -> refusedOrFinite(withMeta(m -> {
                m.remove(k);
                return m;
            })));
        }
        String[] numbers = {"", " 1", "1.0", "-1", "0", "2", "3", "4", "x", "2147483648", "-2147483649", "9223372036854775807",
            "9223372036854775808", "1e3", "NaN", "0x1"};
        for (String k : new String[] {"checkpoint_epoch", "optimizer_steps"}) {
            for (String v : numbers) {
                sweep.check(k + " = '" + v + "'", () -> {
                    Path d = withMeta(m -> {
                        m.put(k, v);
                        return m;
                    });
                    boolean ok = k.equals("optimizer_steps") ? v.matches("0|2|3|4") : false;
                    if (ok) refusedOrFinite(d);
                    else if (k.equals("optimizer_steps") && v.matches("2147483648|9223372036854775807|1e3")) refusedOrFinite(d);
                    else refused(d);
                });
            }
        }
        String metrics = original.metadata().get("metrics");
        for (String v : new String[] {"", "[", "null", "{}", "[]", "[null]", "[{}]", "[1]", "\"x\"", metrics + metrics,
            metrics.replace("\"epoch\":1", "\"epoch\":2"), metrics.replace("\"epoch\":1", "\"epoch\":-1"),
            metrics.replace("\"epoch\":1", "\"epoch\":\"one\""), metrics.replaceFirst("\"trainLoss\":[^,]*", "\"trainLoss\":\"NaN\""),
            metrics.replaceFirst("\"trainLoss\":[^,]*", "\"trainLoss\":1e999"), metrics.replaceFirst("\"iterations\":[^,]*",
            "\"iterations\":-5"), "[" + "[".repeat(3000) + "]".repeat(3000) + "]"}) {
            // Gson's two-line messages, and an infinite loss taken as history, before the fix.
            boolean wasFixed = v.equals("{}") || v.equals("[1]") || v.equals("\"x\"") || v.equals(metrics + metrics)
                    || v.contains("1e999") || v.startsWith("[[[");
            sweep.run(wasFixed, "metrics = " + (v.length() > 60 ? v.substring(0, 60) + "..." : v), () -> refusedOrFinite(withMeta(m -> {
                m.put("metrics", v);
                return m;
            })));
        }
        Map<String, String> config = GSON.fromJson(original.metadata().get("config"), new TypeToken<Map<String, String>>() {}.getType());
        for (String key : config.keySet()) {
            for (String v : new String[] {null, "", "-1", "0", "NaN", "1e309", "x", "99999999999"}) {
                sweep.check("config " + key + " = " + v, () -> refusedOrFinite(withMeta(m -> {
                    Map<String, String> c = new LinkedHashMap<>(config);
                    if (v == null) c.remove(key);
                    else c.put(key, v);
                    m.put("config", GSON.toJson(c));
                    return m;
                })));
            }
        }
        for (String v : new String[] {"", "{", "null", "[]", "1", "{\"epochs\":[1]}", "{\"epochs\":{}}"}) {
            sweep.run(v.startsWith("{\"") || v.equals("1"), "config = " + v, () -> refused(withMeta(m -> {
                m.put("config", v);
                return m;
            })));
        }
        sweep.finish();
    }
}
