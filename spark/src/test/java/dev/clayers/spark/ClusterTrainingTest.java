package dev.clayers.spark;

import dev.clayers.backend.Backend;
import dev.clayers.backend.Backends;
import dev.clayers.data.DataSplit;
import dev.clayers.data.Dataset;
import dev.clayers.data.MnistDataset;
import dev.clayers.net.LayerSpec;
import dev.clayers.net.ModelFile;
import dev.clayers.net.Sequential;
import dev.clayers.net.WeightInit;
import dev.clayers.train.FitOptions;
import dev.clayers.train.Training;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.evaluation.MulticlassClassificationEvaluator;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerTaskStart;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Training on a two-executor cluster ({@link Cluster}): the same result as single-process training
 * at the same global batch, for the book's two-layer net (784-50-10) and its conv net; a run whose executor is
 * killed mid-epoch ends with the same weights as one that was not; a saved pipeline loads back and
 * its model file is what the CLI evaluates.
 */
class ClusterTrainingTest {
    private static final DataSplit DIGITS = MnistDataset.bundled();
    private static final int TRAIN_ROWS = 2000;
    private static final Dataset TEST = DIGITS.test();

    /** The book's two-layer net, 784-50-10 ReLU (its train_neuralnet.py), here with Adam. */
    private static ClayersClassifier mlp() {
        return new ClayersClassifier().setNet("50").setEpochs(3).setBatch(50).setLearningRate(0.002).setDevice("cpu")
                .setNumWorkers(2).setSeed(7);
    }

    private static Map<String, float[]> uninterrupted;

    /** The MLP's run on the cluster, once for every test that compares with it. */
    private static synchronized Map<String, float[]> uninterruptedMlp() {
        if (uninterrupted == null) {
            ClayersModel m = mlp().fit(Cluster.frame(DIGITS.train(), TRAIN_ROWS));
            assertEquals(3, m.history().size());
            m.history().forEach(r -> assertEquals(1, r.attempts(), "an undisturbed epoch ran more than once: " + r));
            m.history().forEach(r -> assertEquals(2, r.devices(), "each executor holds one device: " + r));
            uninterrupted = m.network().weights();
        }
        return uninterrupted;
    }

    /** Single-process training of the same layers from the same initial weights with the same options. */
    private static Map<String, float[]> singleProcess(ClayersClassifier c, Dataset train) {
        List<LayerSpec> specs = c.layers(train.features(), 10);
        FitOptions o = c.fitOptions();
        try (Backend be = Backends.open("cpu");
             Sequential net = Sequential.of(be, WeightInit.HE, (Long) c.getOrDefault(c.seed()), specs)) {
            Training.fit(net, train, null, o);
            return net.weights();
        }
    }

    private static double maxDiff(Map<String, float[]> a, Map<String, float[]> b) {
        assertEquals(a.keySet(), b.keySet());
        double d = 0;
        for (String k : a.keySet()) {
            float[] x = a.get(k), y = b.get(k);
            for (int i = 0; i < x.length; i++) d = Math.max(d, Math.abs(x[i] - y[i]));
        }
        return d;
    }

    private static double accuracy(List<LayerSpec> specs, Map<String, float[]> w) {
        try (Backend be = Backends.open("cpu"); Sequential net = Sequential.fromWeights(be, specs, w)) {
            return net.evaluate(TEST).accuracy();
        }
    }

    private static Dataset first(Dataset d, int n) {
        return d.subset(0, n);
    }

    @Test
    void mlpOnTwoExecutorsEqualsSingleProcessTraining() {
        Map<String, float[]> cluster = uninterruptedMlp();
        ClayersClassifier c = mlp();
        Map<String, float[]> one = singleProcess(c, first(DIGITS.train(), TRAIN_ROWS));
        double d = maxDiff(one, cluster);
        System.out.println("MLP: largest weight difference, cluster vs one process: " + d);
        assertTrue(d < 1e-4, "largest weight difference " + d);
        List<LayerSpec> specs = c.layers(784, 10);
        assertEquals("784-50-10", Sequential.describe(specs).replace(" relu", ""));
        double a1 = accuracy(specs, one), a2 = accuracy(specs, cluster);
        System.out.printf("MLP test accuracy: one process %.4f, cluster %.4f%n", a1, a2);
        assertEquals(a1, a2, 0.005);
        assertTrue(a2 > 0.85, "test accuracy " + a2);
    }

    @Test
    void convNetOnTwoExecutorsEqualsSingleProcessTraining() {
        int rows = 600;
        ClayersClassifier c = new ClayersClassifier().setNet("conv30k5-pool2-100").setInputShape("1x28x28").setEpochs(2)
                .setBatch(50).setDevice("cpu").setNumWorkers(2).setSeed(3);
        ClayersModel m = c.fit(Cluster.frame(DIGITS.train(), rows));
        Map<String, float[]> one = singleProcess(c, first(DIGITS.train(), rows));
        double d = maxDiff(one, m.network().weights());
        System.out.println("conv net: largest weight difference, cluster vs one process: " + d);
        assertTrue(d < 1e-4, "largest weight difference " + d);
        List<LayerSpec> specs = c.layers(784, 10);
        double a1 = accuracy(specs, one), a2 = accuracy(specs, m.network().weights());
        System.out.printf("conv net test accuracy: one process %.4f, cluster %.4f%n", a1, a2);
        assertEquals(a1, a2, 0.005);
        assertTrue(a2 > 0.8, "test accuracy " + a2);
    }

    /**
     * Parameter averaging every 4 steps: another algorithm (the weights differ from the synchronous run's), which
     * still learns the digits (measured 0.8700 against the synchronous 0.8760).
     */
    @Test
    void parameterAveragingLearnsToo() {
        ClayersClassifier c = mlp().setAverageEvery(4);
        ClayersModel m = c.fit(Cluster.frame(DIGITS.train(), TRAIN_ROWS));
        double d = maxDiff(uninterruptedMlp(), m.network().weights());
        double acc = accuracy(c.layers(784, 10), m.network().weights());
        System.out.printf("parameter averaging every 4 steps: test accuracy %.4f, largest weight difference to synchronous %g%n", acc, d);
        assertTrue(d > 1e-3, "averaging gave the synchronous weights: " + d);
        assertTrue(acc > 0.85, "test accuracy " + acc);
    }

    /**
     * Each executor with two PoCL devices (four shares of every batch over the two executors):
     * the run equals single-process training on one device within float tolerance. Needs PoCL
     * (skipped without an OpenCL driver, except under {@code CI=true}, where that is a failure).
     */
    @Test
    void executorsUseAllTheirDevices() {
        boolean pocl = dev.clayers.backend.Backends.list().stream().anyMatch(d -> d.version().contains("PoCL"));
        if (!pocl) {
            if ("true".equals(System.getenv("CI"))) fail("CI=true but PoCL is not installed");
            org.junit.jupiter.api.Assumptions.abort("PoCL is not installed");
        }
        ClayersClassifier c = mlp().setEpochs(1).setDevice("opencl:0:0,opencl:0:1");
        ClayersModel m = c.fit(Cluster.frame(DIGITS.train(), TRAIN_ROWS));
        assertEquals(4, m.history().get(0).devices(), "two executors with two devices each: " + m.history());
        Map<String, float[]> one = singleProcess(c.copy(org.apache.spark.ml.param.ParamMap.empty()), first(DIGITS.train(), TRAIN_ROWS));
        double d = maxDiff(one, m.network().weights());
        System.out.println("four PoCL devices on two executors: largest weight difference to one process on cpu: " + d);
        assertTrue(d < 1e-4, "largest weight difference " + d);
    }

    /**
     * SIGKILL to the executor that runs a task of the second epoch, as the task starts: Spark runs
     * the epoch's stage again once the worker has started a new executor, from the weights of the
     * end of epoch 1, and the run ends bit for bit where the undisturbed run ends.
     */
    @Test
    void survivesAKilledExecutor() throws Exception {
        Map<String, float[]> expected = uninterruptedMlp();
        AtomicInteger epochsDone = new AtomicInteger();
        AtomicBoolean killed = new AtomicBoolean();
        List<String> problems = new ArrayList<>();
        SparkListener killer = new SparkListener() {
            @Override
            public void onTaskStart(SparkListenerTaskStart start) {
                if (epochsDone.get() != 1 || !killed.compareAndSet(false, true)) return;
                String id = start.taskInfo().executorId();
                Optional<ProcessHandle> p = Cluster.executorProcess(id);
                if (p.isEmpty()) {
                    problems.add("no process for executor " + id);
                    return;
                }
                System.out.println("killing executor " + id + " (pid " + p.get().pid() + ") as a task of epoch 2 starts");
                p.get().destroyForcibly();
            }
        };
        Cluster.session().sparkContext().addSparkListener(killer);
        ClayersModel m;
        try {
            m = mlp().setEpochListener(r -> epochsDone.set(r.epoch())).fit(Cluster.frame(DIGITS.train(), TRAIN_ROWS));
        } finally {
            Cluster.session().sparkContext().removeSparkListener(killer);
        }
        assertTrue(problems.isEmpty(), problems.toString());
        assertTrue(killed.get(), "no executor was killed");
        System.out.println("epochs: " + m.history());
        assertTrue(m.history().get(1).attempts() > 1, "epoch 2 ran once although its executor was killed: " + m.history());
        Map<String, float[]> got = m.network().weights();
        for (String k : expected.keySet()) assertArrayEquals(expected.get(k), got.get(k), k);
        Cluster.waitForExecutors(2, 120);
    }

    /** A pipeline with the classifier fits, transforms, saves and loads; the CLI evaluates its model file. */
    @Test
    void pipelineSavesAModelTheCliEvaluates(@TempDir Path dir) throws Exception {
        ClayersClassifier c = mlp().setEpochs(1);
        Pipeline pipeline = new Pipeline().setStages(new PipelineStage[] {c});
        PipelineModel fitted = pipeline.fit(Cluster.frame(DIGITS.train(), TRAIN_ROWS));
        org.apache.spark.sql.Dataset<Row> test = Cluster.frame(TEST, TEST.size());
        org.apache.spark.sql.Dataset<Row> scored = fitted.transform(test);
        assertTrue(List.of(scored.columns()).containsAll(List.of("prediction", "probability")));
        double sparkAccuracy = new MulticlassClassificationEvaluator().setMetricName("accuracy").evaluate(scored);

        String path = dir.resolve("pipeline").toString();
        fitted.write().overwrite().save(path);
        PipelineModel loaded = PipelineModel.load(path);
        double loadedAccuracy = new MulticlassClassificationEvaluator().setMetricName("accuracy").evaluate(loaded.transform(test));
        assertEquals(sparkAccuracy, loadedAccuracy, 0.0);

        Path file;
        try (var files = Files.walk(dir)) {
            file = files.filter(p -> p.getFileName().toString().equals(ClayersModel.MODEL_FILE)).findFirst().orElseThrow();
        }
        ModelFile.Model lib = ModelFile.load(file);
        try (Backend be = Backends.open("cpu"); Sequential net = lib.build(be)) {
            assertEquals(sparkAccuracy, net.evaluate(TEST).accuracy(), 1e-9);
        }
        double cli = cliAccuracy(file);
        System.out.printf("pipeline: Spark transform accuracy %.4f, clayers eval %.4f%n", sparkAccuracy, cli);
        assertEquals(sparkAccuracy, cli, 1e-9);
    }

    /** {@code java -jar clayers.jar eval --model FILE --device cpu --json}: the accuracy it prints. */
    private static double cliAccuracy(Path model) throws Exception {
        String jar = System.getProperty("clayers.cli.jar");
        if (jar == null || !Files.exists(Path.of(jar))) {
            fail("the CLI jar (system property clayers.cli.jar: " + jar + ") is missing; build the core first (mvn package in the root)");
        }
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process p = new ProcessBuilder(java.toString(), "--add-modules", "jdk.incubator.vector", "-jar", jar, "eval",
                "--model", model.toString(), "--device", "cpu", "--json").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "clayers eval took over 2 minutes");
        assertEquals(0, p.exitValue(), out);
        Matcher m = Pattern.compile("\"accuracy\":\\s*([0-9.]+)").matcher(out);
        assertTrue(m.find(), out);
        return Double.parseDouble(m.group(1));
    }
}
