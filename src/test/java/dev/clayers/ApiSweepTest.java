package dev.clayers;

import dev.clayers.backend.Backend;
import dev.clayers.backend.Backends;
import dev.clayers.backend.Matrix;
import dev.clayers.backend.cpu.CpuBackend;
import dev.clayers.data.DataSplit;
import dev.clayers.data.Dataset;
import dev.clayers.data.Normaliser;
import dev.clayers.net.BatchNormSpec;
import dev.clayers.net.ImageShape;
import dev.clayers.net.LayerSpec;
import dev.clayers.net.Layers;
import dev.clayers.net.Sequential;
import dev.clayers.net.WeightInit;
import dev.clayers.train.FitOptions;
import dev.clayers.train.History;
import dev.clayers.train.Training;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Function;

/**
 * Hostile sweep, the library API (issue 27): nulls, zero, negative and huge sizes, NaN, wrong
 * lengths, closed backends and networks, matrices of another backend, the layer factories at
 * their extremes, {@link FitOptions} extremes, the dataset tools and the normaliser on constant
 * and huge data. Every call either works (and its result is checked) or throws an
 * {@link IllegalArgumentException} or {@link IllegalStateException} with a one-line message; never
 * a NullPointerException, an index out of bounds, an ArithmeticException or a crash.
 */
class ApiSweepTest {
    private final Sweep sweep = Sweep.of("library API");

    /** Cases that ended in a NullPointerException before this sweep's fixes. */
    private static final java.util.Set<String> WERE_NPE = java.util.Set.of("upload(null)", "download(null)", "uploadInts(null)",
            "gemm with a null operand", "Layers.input(null image)", "LayerSpec.parse(null)", "LayerSpec.parseList(null)",
            "Sequential.of(be, (Layers) null)", "a null init", "loadWeights(null)", "predictProbabilities(null)", "a null row",
            "flat null", "evaluate(null)", "fit(null net)", "fit(null data)", "fit(null options)", "Dataset.of(null, y)",
            "standardise(null)", "Normaliser.of(null kind)", "apply(null)");

    /** The call must be refused. */
    private void refused(String label, Sweep.Case body) {
        sweep.run(WERE_NPE.contains(label.replaceFirst("^[^ ]+: ", "")), label, () -> {
            try {
                body.run();
            } catch (Throwable e) {
                Sweep.refusal(e, IllegalArgumentException.class, IllegalStateException.class);
                return;
            }
            throw new AssertionError("accepted");
        });
    }

    /** The call works (the body checks its result) or is refused. */
    private void worksOrRefused(String label, Sweep.Case body) {
        sweep.check(label, () -> {
            try {
                body.run();
            } catch (AssertionError e) {
                throw e;
            } catch (Throwable e) {
                Sweep.refusal(e, IllegalArgumentException.class, IllegalStateException.class);
            }
        });
    }

    private static Dataset data(int n, int features, long seed) {
        Random rng = new Random(seed);
        float[][] x = new float[n][features];
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < features; j++) x[i][j] = (float) rng.nextGaussian();
            y[i] = i % 3;
        }
        return Dataset.of(x, y);
    }

    private static void finite(double[][] p) {
        for (double[] r : p) for (double v : r) if (!Double.isFinite(v)) throw new AssertionError("probability " + v);
    }

    private static void finite(float[] v, String what) {
        for (float f : v) if (!Float.isFinite(f)) throw new AssertionError(what + " holds " + f);
    }

    @Test
    void sweep() {
        List<String> ids = Sweep.devices();
        for (String id : ids) backendCases(id);
        if (ids.size() > 1) {
            refused("a matrix of another backend in gemm", () -> {
                try (Backend a = Backends.open(ids.get(0)); Backend b = Backends.open(ids.get(1));
                     Matrix x = a.alloc(2, 2); Matrix y = b.alloc(2, 2); Matrix z = b.alloc(2, 2)) {
                    b.gemm(false, false, 1, x, y, 0, z);
                }
            });
            refused("a network given another backend's matrix", () -> {
                try (Backend a = Backends.open(ids.get(0)); Backend b = Backends.open(ids.get(1));
                     Sequential net = Sequential.of(b, LayerSpec.affine(2, 2)); Matrix x = a.alloc(3, 2)) {
                    net.predict(x);
                }
            });
        }
        layerCases();
        networkCases();
        fitCases();
        datasetCases();
        normaliserCases();
        sweep.finish();
    }

    private void backendCases(String id) {
        Function<Sweep.Case, Sweep.Case> on = c -> c;
        String p = id + ": ";
        refused(p + "alloc(0, 5)", () -> { try (Backend be = Backends.open(id)) { be.alloc(0, 5).close(); } });
        refused(p + "alloc(-1, 5)", () -> { try (Backend be = Backends.open(id)) { be.alloc(-1, 5); } });
        refused(p + "alloc(5, -1)", () -> { try (Backend be = Backends.open(id)) { be.alloc(5, -1); } });
        refused(p + "alloc(MAX, MAX)", () -> { try (Backend be = Backends.open(id)) { be.alloc(Integer.MAX_VALUE, Integer.MAX_VALUE); } });
        refused(p + "alloc(MIN, MIN)", () -> { try (Backend be = Backends.open(id)) { be.alloc(Integer.MIN_VALUE, Integer.MIN_VALUE); } });
        refused(p + "upload(null)", () -> { try (Backend be = Backends.open(id)) { be.upload(null, 2, 2); } });
        refused(p + "upload of 3 values as 2x2", () -> { try (Backend be = Backends.open(id)) { be.upload(new float[3], 2, 2); } });
        refused(p + "upload of 4 values as -2x-2", () -> { try (Backend be = Backends.open(id)) { be.upload(new float[4], -2, -2); } });
        refused(p + "download(null)", () -> { try (Backend be = Backends.open(id)) { be.download((Matrix) null); } });
        refused(p + "write of 3 values into 2x2", () -> {
            try (Backend be = Backends.open(id); Matrix m = be.alloc(2, 2)) { be.write(m, new float[3]); }
        });
        refused(p + "uploadInts(null)", () -> { try (Backend be = Backends.open(id)) { be.uploadInts(null); } });
        refused(p + "allocInts(-1)", () -> { try (Backend be = Backends.open(id)) { be.allocInts(-1); } });
        refused(p + "gemm of 2x3 by 2x3", () -> {
            try (Backend be = Backends.open(id); Matrix a = be.alloc(2, 3); Matrix b = be.alloc(2, 3); Matrix c = be.alloc(2, 3)) {
                be.gemm(false, false, 1, a, b, 0, c);
            }
        });
        refused(p + "gemm into a wrong-shaped result", () -> {
            try (Backend be = Backends.open(id); Matrix a = be.alloc(2, 3); Matrix b = be.alloc(3, 4); Matrix c = be.alloc(4, 2)) {
                be.gemm(false, false, 1, a, b, 0, c);
            }
        });
        refused(p + "gemm with a null operand", () -> {
            try (Backend be = Backends.open(id); Matrix a = be.alloc(2, 3); Matrix c = be.alloc(2, 3)) {
                be.gemm(false, false, 1, a, null, 0, c);
            }
        });
        refused(p + "copy between shapes", () -> {
            try (Backend be = Backends.open(id); Matrix a = be.alloc(2, 3); Matrix b = be.alloc(3, 2)) { be.copy(a, b); }
        });
        refused(p + "a closed matrix", () -> {
            try (Backend be = Backends.open(id)) {
                Matrix m = be.alloc(2, 2);
                m.close();
                be.fill(m, 1f);
            }
        });
        worksOrRefused(p + "a matrix closed twice", () -> {
            try (Backend be = Backends.open(id)) {
                Matrix m = be.alloc(2, 2);
                m.close();
                m.close();
                if (be.liveBuffers() != 0) throw new AssertionError(be.liveBuffers() + " live buffers");
            }
        });
        refused(p + "alloc after close", () -> {
            Backend be = Backends.open(id);
            be.close();
            be.alloc(2, 2);
        });
        refused(p + "download after close", () -> {
            Backend be = Backends.open(id);
            Matrix m = be.alloc(2, 2);
            be.close();
            be.download(m);
        });
        worksOrRefused(p + "close twice", () -> {
            Backend be = Backends.open(id);
            be.close();
            be.close();
        });
        refused(p + "predict after the backend closed", () -> {
            Backend be = Backends.open(id);
            Sequential net = Sequential.of(be, LayerSpec.affine(3, 2));
            be.close();
            net.predictProbabilities(new float[][] {{1, 2, 3}});
        });
        refused(p + "predict after the network closed", () -> {
            try (Backend be = Backends.open(id)) {
                Sequential net = Sequential.of(be, LayerSpec.affine(3, 2));
                net.close();
                net.predictProbabilities(new float[][] {{1, 2, 3}});
            }
        });
        refused(p + "fit after the backend closed", () -> {
            Backend be = Backends.open(id);
            Sequential net = Sequential.of(be, LayerSpec.affine(4, 3));
            be.close();
            Training.fit(net, data(30, 4, 1), null, FitOptions.builder().epochs(1).batch(10).build());
        });
        worksOrRefused(p + "predict of 0 rows", () -> {
            try (Backend be = Backends.open(id); Sequential net = Sequential.of(be, LayerSpec.affine(3, 2))) {
                if (net.predictProbabilities(new float[0][]).length != 0) throw new AssertionError("rows from nothing");
            }
        });
        refused(p + "predict with NaN", () -> {
            try (Backend be = Backends.open(id); Sequential net = Sequential.of(be, LayerSpec.affine(3, 2))) {
                net.predictClasses(new float[][] {{Float.NaN, 0, 0}});
            }
        });
        worksOrRefused(p + "predict with 3e38 inputs", () -> {
            try (Backend be = Backends.open(id); Sequential net = Sequential.of(be, Layers.input(3).dense(4).relu().dense(2))) {
                finite(net.predictProbabilities(new float[][] {{3e38f, 3e38f, -3e38f}}));
            }
        });
        worksOrRefused(p + "predict 5000 rows of 1 feature", () -> {
            try (Backend be = Backends.open(id); Sequential net = Sequential.of(be, Layers.input(1).dense(2))) {
                double[][] r = net.predictProbabilities(new float[5000][1]);
                finite(r);
                if (r.length != 5000) throw new AssertionError(r.length + " rows");
            }
        });
    }

    private void layerCases() {
        int[] bad = {0, -1, Integer.MIN_VALUE, Integer.MAX_VALUE};
        for (int v : bad) {
            // A huge input alone is no layer yet (its first layer's weights are capped); a stride past the image gives one position.
            if (v == Integer.MAX_VALUE) worksOrRefused("Layers.input(" + v + ")", () -> Layers.input(v));
            else refused("Layers.input(" + v + ")", () -> Layers.input(v));
            refused("Layers.input(1, " + v + ", 8)", () -> Layers.input(1, v, 8));
            refused("Layers.input(" + v + ", 8, 8)", () -> Layers.input(v, 8, 8));
            refused("dense(" + v + ")", () -> Layers.input(4).dense(v));
            refused("conv(" + v + ", 3)", () -> Layers.input(1, 8, 8).conv(v, 3));
            refused("conv(2, " + v + ")", () -> Layers.input(1, 8, 8).conv(2, v));
            if (v == Integer.MAX_VALUE) worksOrRefused("conv stride " + v, () -> Layers.input(1, 8, 8).conv(2, 3, v, 0));
            else refused("conv stride " + v, () -> Layers.input(1, 8, 8).conv(2, 3, v, 0));
            if (v != 0) refused("conv pad " + v, () -> Layers.input(1, 8, 8).conv(2, 3, 1, v));
            refused("maxPool(" + v + ")", () -> Layers.input(1, 8, 8).maxPool(v));
            if (v == Integer.MAX_VALUE) worksOrRefused("avgPool(2, " + v + ")", () -> Layers.input(1, 8, 8).avgPool(2, v));
            else refused("avgPool(2, " + v + ")", () -> Layers.input(1, 8, 8).avgPool(2, v));
            refused("LayerSpec.affine(" + v + ", 3)", () -> LayerSpec.affine(v, 3));
            refused("LayerSpec.batchNorm(" + v + ")", () -> LayerSpec.batchNorm(v));
        }
        refused("a conv kernel larger than the image", () -> Layers.input(1, 4, 4).conv(2, 9));
        refused("a pool window larger than the image", () -> Layers.input(1, 4, 4).maxPool(9));
        refused("a conv after a dense layer", () -> Layers.input(1, 4, 4).dense(5).conv(2, 3));
        refused("pooling a flat input", () -> Layers.input(16).maxPool(2));
        refused("conv of a 65537 x 65537 image", () -> Layers.input(1, 65537, 65537));
        for (float eps : new float[] {0f, -1f, Float.NaN, Float.POSITIVE_INFINITY, -0f}) {
            refused("batchNorm(eps " + eps + ")", () -> Layers.input(4).dense(3).batchNorm(eps));
            refused("new BatchNormSpec(3, 1, " + eps + ")", () -> new BatchNormSpec(3, 1, eps));
        }
        for (float r : new float[] {Float.NaN, -0.1f, 1f, 1.5f, Float.POSITIVE_INFINITY}) {
            refused("dropout(" + r + ")", () -> Layers.input(4).dropout(r));
        }
        worksOrRefused("dropout(0)", () -> Layers.input(4).dropout(0f).dense(2).list());
        refused("activation(null)", () -> Layers.input(4).activation(null));
        refused("Layers.input(null image)", () -> Layers.input((ImageShape) null));
        refused("LayerSpec.conv(null, ...)", () -> LayerSpec.conv(null, 2, 3, 1, 0));
        refused("LayerSpec.parse(null)", () -> LayerSpec.parse(null));
        refused("LayerSpec.parse(\"\")", () -> LayerSpec.parse(""));
        refused("LayerSpec.parseList(null)", () -> LayerSpec.parseList(null));
        refused("LayerSpec.parse(affine(1e10,3))", () -> LayerSpec.parse("affine(1e10,3)"));
        refused("an empty layer list", () -> Layers.input(4).list());
        worksOrRefused("a network ending in relu saves and loads", () -> {
            java.nio.file.Path f = java.nio.file.Files.createTempFile("relu", ".safetensors");
            try (Backend be = new CpuBackend(); Sequential n = Sequential.of(be, Layers.input(4).dense(3).relu())) {
                dev.clayers.net.ModelFile.save(f, n, Map.of());
                if (!dev.clayers.net.ModelFile.load(f).layers().equals(n.layerSpecs())) throw new AssertionError("loaded another network");
            } catch (java.io.IOException e) {
                throw new AssertionError("saved a network that does not load: " + e.getMessage());
            } finally {
                java.nio.file.Files.deleteIfExists(f);
            }
        });
        worksOrRefused("dense(1) output", () -> Layers.input(4).dense(1).list());
    }

    private void networkCases() {
        refused("Sequential.of(be) with no layers", () -> { try (Backend be = new CpuBackend()) { Sequential.of(be); } });
        refused("Sequential.of(null backend)", () -> Sequential.of((Backend) null, LayerSpec.affine(2, 2)));
        refused("Sequential.of(be, null array)", () -> { try (Backend be = new CpuBackend()) { Sequential.of(be, (LayerSpec[]) null); } });
        refused("Sequential.of(be, (Layers) null)", () -> { try (Backend be = new CpuBackend()) { Sequential.of(be, (Layers) null); } });
        refused("widths that do not chain", () -> { try (Backend be = new CpuBackend()) { Sequential.of(be, LayerSpec.affine(3, 4), LayerSpec.affine(5, 2)); } });
        refused("no affine layer", () -> { try (Backend be = new CpuBackend()) { Sequential.of(be, LayerSpec.relu()); } });
        refused("a null init", () -> { try (Backend be = new CpuBackend()) { Sequential.of(be, null, 1, List.of(LayerSpec.affine(2, 2))); } });
        refused("fromWeights(null map)", () -> { try (Backend be = new CpuBackend()) { Sequential.fromWeights(be, List.of(LayerSpec.affine(2, 2)), null); } });
        refused("fromWeights with a missing tensor", () -> {
            try (Backend be = new CpuBackend()) { Sequential.fromWeights(be, List.of(LayerSpec.affine(2, 2)), Map.of("affine1.W", new float[4])); }
        });
        refused("fromWeights with a short tensor", () -> {
            try (Backend be = new CpuBackend()) {
                Sequential.fromWeights(be, List.of(LayerSpec.affine(2, 2)), Map.of("affine1.W", new float[3], "affine1.b", new float[2]));
            }
        });
        refused("fromWeights with a null tensor", () -> {
            try (Backend be = new CpuBackend()) {
                Map<String, float[]> w = new java.util.HashMap<>();
                w.put("affine1.W", null);
                w.put("affine1.b", new float[2]);
                Sequential.fromWeights(be, List.of(LayerSpec.affine(2, 2)), w);
            }
        });
        refused("loadWeights(null)", () -> { try (Backend be = new CpuBackend(); Sequential n = Sequential.of(be, LayerSpec.affine(2, 2))) { n.loadWeights(null); } });
        refused("loadWeights with NaN", () -> {
            try (Backend be = new CpuBackend(); Sequential n = Sequential.of(be, LayerSpec.affine(2, 2))) {
                n.loadWeights(Map.of("affine1.W", new float[] {0, Float.NaN, 0, 0}, "affine1.b", new float[2]));
            }
        });
        refused("loadWeights of the wrong length", () -> {
            try (Backend be = new CpuBackend(); Sequential n = Sequential.of(be, LayerSpec.affine(2, 2))) {
                n.loadWeights(Map.of("affine1.W", new float[5], "affine1.b", new float[2]));
            }
        });
        refused("predictProbabilities(null)", () -> { try (Backend be = new CpuBackend(); Sequential n = Sequential.of(be, LayerSpec.affine(2, 2))) { n.predictProbabilities((float[][]) null); } });
        refused("a null row", () -> { try (Backend be = new CpuBackend(); Sequential n = Sequential.of(be, LayerSpec.affine(2, 2))) { n.predictProbabilities(new float[][] {{1, 2}, null}); } });
        refused("a short row", () -> { try (Backend be = new CpuBackend(); Sequential n = Sequential.of(be, LayerSpec.affine(2, 2))) { n.predictClasses(new float[][] {{1}}); } });
        refused("flat rows -1", () -> { try (Backend be = new CpuBackend(); Sequential n = Sequential.of(be, LayerSpec.affine(2, 2))) { n.predictProbabilities(new float[2], -1); } });
        refused("flat rows MAX", () -> { try (Backend be = new CpuBackend(); Sequential n = Sequential.of(be, LayerSpec.affine(2, 2))) { n.predictProbabilities(new float[2], Integer.MAX_VALUE); } });
        refused("flat null", () -> { try (Backend be = new CpuBackend(); Sequential n = Sequential.of(be, LayerSpec.affine(2, 2))) { n.predictProbabilities(null, 1); } });
        refused("evaluate(null)", () -> { try (Backend be = new CpuBackend(); Sequential n = Sequential.of(be, LayerSpec.affine(2, 2))) { n.evaluate(null); } });
        refused("evaluate a set of other features", () -> { try (Backend be = new CpuBackend(); Sequential n = Sequential.of(be, LayerSpec.affine(2, 3))) { n.evaluate(data(9, 5, 1)); } });
        refused("evaluate a set of more classes", () -> { try (Backend be = new CpuBackend(); Sequential n = Sequential.of(be, LayerSpec.affine(5, 2))) { n.evaluate(data(9, 5, 1)); } });
        refused("a normaliser of other features", () -> {
            try (Backend be = new CpuBackend(); Sequential n = Sequential.of(be, LayerSpec.affine(2, 2))) {
                n.setNormaliser(Normaliser.standardise(data(9, 5, 1)));
            }
        });
        worksOrRefused("setNormaliser(null)", () -> { try (Backend be = new CpuBackend(); Sequential n = Sequential.of(be, LayerSpec.affine(2, 2))) { n.setNormaliser(null); } });
        refused("param(unknown)", () -> { try (Backend be = new CpuBackend(); Sequential n = Sequential.of(be, LayerSpec.affine(2, 2))) { n.param("nope"); } });
        refused("param(null)", () -> { try (Backend be = new CpuBackend(); Sequential n = Sequential.of(be, LayerSpec.affine(2, 2))) { n.param(null); } });
        refused("a network of 2^31 weights", () -> { try (Backend be = new CpuBackend()) { Sequential.of(be, LayerSpec.affine(1_000_000, 1_000_000)); } });
        worksOrRefused("a network too large for the heap", () -> { try (Backend be = new CpuBackend()) { Sequential.of(be, LayerSpec.affine(40_000, 40_000)).close(); } });
    }

    private void fitCases() {
        Dataset d = data(60, 4, 2);
        Function<FitOptions.Builder, FitOptions.Builder> base = b -> b.epochs(1).batch(10);
        Map<String, Function<FitOptions.Builder, FitOptions.Builder>> bad = new java.util.LinkedHashMap<>();
        bad.put("epochs 0", b -> b.epochs(0));
        bad.put("epochs -1", b -> b.epochs(-1));
        bad.put("batch 0", b -> b.batch(0));
        bad.put("batch -1", b -> b.batch(-1));
        bad.put("batch MAX", b -> b.batch(Integer.MAX_VALUE));
        bad.put("learning rate NaN", b -> b.learningRate(Float.NaN));
        bad.put("learning rate -1", b -> b.learningRate(-1));
        bad.put("learning rate Inf", b -> b.learningRate(Float.POSITIVE_INFINITY));
        bad.put("learning rate 0", b -> b.learningRate(0));
        bad.put("weight decay NaN", b -> b.weightDecay(Float.NaN));
        bad.put("weight decay -1", b -> b.weightDecay(-1));
        bad.put("augment -1", b -> b.augment(-1));
        bad.put("augment 99", b -> b.augment(99));
        bad.put("sampled iterations -1", b -> b.sampledIterations(-1));
        bad.put("patience -1", b -> b.earlyStoppingPatience(-1));
        bad.put("optimizer null", b -> b.optimizer(null));
        bad.put("schedule null", b -> b.schedule(null));
        bad.put("stop after -1", b -> b.stopAfterEpoch(-1));
        bad.put("checkpoint dir /dev/null", b -> b.checkpointDir(Path.of("/dev/null")));
        bad.put("checkpoint dir under a file", b -> b.checkpointDir(Path.of("/etc/hostname/x")));
        bad.put("keep best without a folder", b -> b.keepBest(true));
        for (Map.Entry<String, Function<FitOptions.Builder, FitOptions.Builder>> e : bad.entrySet()) {
            sweep.check("fit: " + e.getKey(), () -> {
                try {
                    try (Backend be = new CpuBackend(); Sequential n = Sequential.of(be, LayerSpec.affine(4, 3))) {
                        Training.fit(n, d, null, e.getValue().apply(base.apply(FitOptions.builder())).build());
                    }
                } catch (Throwable t) {
                    // A checkpoint folder that cannot be written is the documented UncheckedIOException, with its reason.
                    Sweep.refusal(t, IllegalArgumentException.class, IllegalStateException.class, java.io.UncheckedIOException.class);
                    return;
                }
                throw new AssertionError("accepted");
            });
            if (true) continue;
            refused("fit: " + e.getKey(), () -> {
                try (Backend be = new CpuBackend(); Sequential n = Sequential.of(be, LayerSpec.affine(4, 3))) {
                    Training.fit(n, d, null, e.getValue().apply(base.apply(FitOptions.builder())).build());
                }
            });
        }
        worksOrRefused("fit: checkpoint metadata null", () -> {
            try (Backend be = new CpuBackend(); Sequential n = Sequential.of(be, LayerSpec.affine(4, 3))) {
                Training.fit(n, d, null, FitOptions.builder().epochs(1).batch(10).checkpointMetadata(null).build());
            }
        });
        worksOrRefused("fit: learning rate 1e30", () -> {
            try (Backend be = new CpuBackend(); Sequential n = Sequential.of(be, Layers.input(4).dense(8).relu().dense(3))) {
                History h = Training.fit(n, d, null, FitOptions.builder().epochs(2).batch(10).learningRate(1e30f).build());
                finite(n.weights().get("affine1.W"), "affine1.W after " + h.epochs().size() + " epochs");
            } catch (dev.clayers.layer.NonFiniteLossException diverged) {
                // the clear refusal of a diverged run
            }
        });
        worksOrRefused("fit: weights of 3e38", () -> {
            try (Backend be = new CpuBackend()) {
                List<LayerSpec> l = Layers.input(4).dense(8).relu().dense(3).list();
                Map<String, float[]> w = Sequential.initialWeights(l, WeightInit.HE, 1);
                java.util.Arrays.fill(w.get("affine1.W"), 3e38f);
                try (Sequential n = Sequential.fromWeights(be, l, w)) {
                    Training.fit(n, d, null, FitOptions.builder().epochs(2).batch(10).build());
                    finite(n.weights().get("affine1.W"), "affine1.W");
                    finite(n.weights().get("affine2.W"), "affine2.W");
                }
            } catch (dev.clayers.layer.NonFiniteLossException diverged) {
                // the clear refusal of a diverged run
            }
        });
        refused("fit(null net)", () -> Training.fit(null, d, null, FitOptions.builder().build()));
        refused("fit(null data)", () -> { try (Backend be = new CpuBackend(); Sequential n = Sequential.of(be, LayerSpec.affine(4, 3))) { Training.fit(n, null, null, FitOptions.builder().build()); } });
        refused("fit(null options)", () -> { try (Backend be = new CpuBackend(); Sequential n = Sequential.of(be, LayerSpec.affine(4, 3))) { Training.fit(n, d, null, null); } });
        refused("fit: a batch larger than the set", () -> { try (Backend be = new CpuBackend(); Sequential n = Sequential.of(be, LayerSpec.affine(4, 3))) { Training.fit(n, d, null, FitOptions.builder().batch(61).epochs(1).build()); } });
        refused("fit: a validation set of other features", () -> { try (Backend be = new CpuBackend(); Sequential n = Sequential.of(be, LayerSpec.affine(4, 3))) { Training.fit(n, d, data(9, 5, 1), FitOptions.builder().batch(10).epochs(1).build()); } });
        refused("fit: a set of other features", () -> { try (Backend be = new CpuBackend(); Sequential n = Sequential.of(be, LayerSpec.affine(5, 3))) { Training.fit(n, d, null, FitOptions.builder().batch(10).epochs(1).build()); } });
    }

    private void datasetCases() {
        Dataset d = data(10, 3, 3);
        refused("Dataset.of(null, null)", () -> Dataset.of((float[][]) null, null));
        refused("Dataset.of(x, null)", () -> Dataset.of(new float[][] {{1}}, null));
        refused("Dataset.of(null, y)", () -> Dataset.of((float[][]) null, new int[] {0}));
        refused("an empty dataset", () -> Dataset.of(new float[0][], new int[0]));
        refused("rows and labels differ", () -> Dataset.of(new float[2][2], new int[] {0}));
        refused("a negative label", () -> Dataset.of(new float[2][2], new int[] {0, -1}));
        refused("a label past the classes", () -> Dataset.of("x", new float[2][2], new int[] {0, 5}, 3));
        refused("classes 0", () -> Dataset.of("x", new float[2][2], new int[] {0, 0}, 0));
        refused("rows of different lengths", () -> Dataset.of(new float[][] {{1, 2}, {1}}, new int[] {0, 1}));
        refused("a NaN feature", () -> Dataset.of(new float[][] {{1, Float.NaN}}, new int[] {0}));
        refused("an infinite feature", () -> Dataset.of(new float[][] {{1, Float.NEGATIVE_INFINITY}}, new int[] {0}));
        refused("flat of a wrong length", () -> Dataset.of(new float[5], 2, new int[] {0, 1}));
        refused("flat with 0 features", () -> Dataset.of(new float[0], 0, new int[] {0, 1}));
        refused("flat with -2 features", () -> Dataset.of(new float[4], -2, new int[] {0, 1}));
        refused("Dataset.of(flat null)", () -> Dataset.of((float[]) null, 2, new int[] {0, 1}));
        refused("a label of MAX classes", () -> Dataset.of(new float[1][1], new int[] {Integer.MAX_VALUE}));
        for (double f : new double[] {0, 1, Double.NaN, -0.5, 1.5, Double.POSITIVE_INFINITY, 1e-9, 1 - 1e-9}) {
            worksOrRefused("split(" + f + ")", () -> {
                DataSplit s = d.split(f, 1);
                if (s.train().size() + s.test().size() != d.size() || s.train().size() == 0 || s.test().size() == 0) {
                    throw new AssertionError("split into " + s.train().size() + " + " + s.test().size());
                }
            });
            worksOrRefused("stratifiedSplit(" + f + ")", () -> {
                DataSplit s = d.stratifiedSplit(f, 1);
                if (s.train().size() + s.test().size() != d.size() || s.train().size() == 0 || s.test().size() == 0) {
                    throw new AssertionError("split into " + s.train().size() + " + " + s.test().size());
                }
            });
        }
        refused("subset(-1)", () -> d.subset(-1));
        refused("subset(size)", () -> d.subset(10));
        refused("subset(null)", () -> d.subset((int[]) null));
        refused("subset()", () -> d.subset());
        refused("subset(5, 2)", () -> d.subset(5, 2));
        refused("subset(0, 11)", () -> d.subset(0, 11));
        refused("subset(-1, 2)", () -> d.subset(-1, 2));
        worksOrRefused("subset(3, 3)", () -> {
            if (d.subset(3, 3).size() != 0) throw new AssertionError("not empty");
        });
        refused("row(-1)", () -> d.row(-1));
        refused("row(size)", () -> d.row(10));
        refused("label(size)", () -> d.label(10));
        refused("toRows(5, 2)", () -> d.toRows(5, 2));
        refused("toRows(0, 99)", () -> d.toRows(0, 99));
        refused("batches(0)", () -> d.batches(0).iterator().next());
        refused("batches(-1)", () -> d.batches(-1).iterator().next());
        worksOrRefused("batches(MAX)", () -> {
            var it = d.batches(Integer.MAX_VALUE).iterator();
            if (it.next().labels().length != 10) throw new AssertionError("one batch of all rows expected");
        });
        worksOrRefused("shuffle(Long.MIN_VALUE)", () -> {
            if (d.shuffle(Long.MIN_VALUE).size() != 10) throw new AssertionError("lost rows");
        });
        worksOrRefused("split of a one-row set", () -> {
            DataSplit s = data(1, 2, 1).split(0.5, 1);
            if (s.train().size() + s.test().size() != 1) throw new AssertionError("rows lost");
        });
    }

    private void normaliserCases() {
        Dataset constant = Dataset.of(new float[][] {{5, 5}, {5, 5}, {5, 5}}, new int[] {0, 1, 0});
        Dataset huge = Dataset.of(new float[][] {{3e38f, -3e38f}, {-3e38f, 3e38f}, {0, 0}}, new int[] {0, 1, 0});
        Dataset tiny = Dataset.of(new float[][] {{1e-45f, 0}, {0, 1e-45f}}, new int[] {0, 1});
        Dataset one = Dataset.of(new float[][] {{7, -7}}, new int[] {0});
        for (Dataset ds : List.of(constant, huge, tiny, one)) {
            String name = ds == constant ? "constant" : ds == huge ? "huge" : ds == tiny ? "tiny" : "one-row";
            worksOrRefused("standardise(" + name + ")", () -> {
                Normaliser n = Normaliser.standardise(ds);
                finite(n.scale(), "scale");
                for (float[] r : n.apply(ds.toRows())) finite(r, "a standardised row");
            });
            worksOrRefused("minMax(" + name + ")", () -> {
                Normaliser n = Normaliser.minMax(ds);
                finite(n.scale(), "range");
                for (float[] r : n.apply(ds.toRows())) finite(r, "a min-max row");
            });
        }
        refused("standardise(null)", () -> Normaliser.standardise(null));
        refused("standardise(minStd NaN)", () -> Normaliser.standardise(constant, Float.NaN));
        refused("standardise(minStd -1)", () -> Normaliser.standardise(constant, -1));
        refused("minMax(minRange NaN)", () -> Normaliser.minMax(constant, Float.NaN));
        refused("Normaliser.of(null kind)", () -> Normaliser.of(null, new float[1], new float[] {1}));
        refused("Normaliser.of(null arrays)", () -> Normaliser.of(Normaliser.Kind.STANDARDISE, null, null));
        refused("Normaliser.of(scale 0)", () -> Normaliser.of(Normaliser.Kind.STANDARDISE, new float[1], new float[] {0}));
        refused("Normaliser.of(scale -0)", () -> Normaliser.of(Normaliser.Kind.MIN_MAX, new float[1], new float[] {-0f}));
        refused("Normaliser.of(center NaN)", () -> Normaliser.of(Normaliser.Kind.MIN_MAX, new float[] {Float.NaN}, new float[] {1}));
        refused("Normaliser.of(lengths differ)", () -> Normaliser.of(Normaliser.Kind.MIN_MAX, new float[2], new float[] {1}));
        refused("apply(a short row)", () -> Normaliser.standardise(constant).apply(new float[1]));
        refused("apply(null)", () -> Normaliser.standardise(constant).apply((float[]) null));
        refused("apply(a dataset of other features)", () -> Normaliser.standardise(constant).apply(data(3, 5, 1)));
        worksOrRefused("apply to 3e38 with a tiny scale", () -> {
            Normaliser n = Normaliser.of(Normaliser.Kind.STANDARDISE, new float[] {-3e38f}, new float[] {1e-30f});
            finite(n.apply(new float[] {3e38f}), "normalised");
        });
    }
}
