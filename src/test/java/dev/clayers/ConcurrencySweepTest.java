package dev.clayers;

import dev.clayers.backend.Backend;
import dev.clayers.backend.Backends;
import dev.clayers.data.Dataset;
import dev.clayers.net.Evaluation;
import dev.clayers.net.LayerSpec;
import dev.clayers.net.Layers;
import dev.clayers.net.Sequential;
import dev.clayers.net.WeightInit;
import dev.clayers.train.FitOptions;
import dev.clayers.train.Training;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * Hostile sweep, concurrent use (issue 27): many threads predicting and evaluating on one network
 * (conv and batch-norm nets too), fits of different networks on one backend, predictions while a
 * network trains, networks and backends closed while other threads use them, two backends on one
 * device at once, on {@code cpu}, the OpenCL device and (tiny) the simulator. Every thread gets
 * the single-threaded answer or a clear {@link IllegalStateException}; nothing crashes.
 */
class ConcurrencySweepTest {
    private static final List<LayerSpec> CNN = Layers.input(1, 8, 8).conv(3, 3).batchNorm().relu().maxPool(2).dense(10).gelu().dense(4).list();
    private static final List<LayerSpec> MLP = Layers.input(64).dense(32).tanh().dense(4).list();

    private static float[][] rows(int n, int f, long seed) {
        Random r = new Random(seed);
        float[][] x = new float[n][f];
        for (float[] row : x) for (int i = 0; i < f; i++) row[i] = r.nextFloat();
        return x;
    }

    private static Dataset data(int n, long seed) {
        float[][] x = rows(n, 64, seed);
        int[] y = new int[n];
        for (int i = 0; i < n; i++) y[i] = (x[i][0] + x[i][1] > 1 ? 1 : 0) + (x[i][2] > 0.5 ? 2 : 0);
        return Dataset.of(x, y);
    }

    private static <T> List<T> all(List<Callable<T>> jobs) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(jobs.size());
        try {
            List<Future<T>> fs = new ArrayList<>();
            for (Callable<T> j : jobs) fs.add(pool.submit(j));
            List<T> out = new ArrayList<>();
            for (Future<T> f : fs) out.add(f.get(100, TimeUnit.SECONDS));
            return out;
        } finally {
            pool.shutdownNow();
        }
    }

    private static void same(double[][] want, double[][] got, String what) {
        for (int i = 0; i < want.length; i++) {
            if (!Arrays.equals(want[i], got[i])) throw new AssertionError(what + ": row " + i + " differs from one thread's answer");
        }
    }

    @Test
    void sweep() {
        Sweep sweep = Sweep.of("concurrent use");
        List<String> ids = new ArrayList<>(Sweep.devices());
        for (String id : ids) {
            for (List<LayerSpec> spec : List.of(MLP, CNN)) {
                String kind = spec == MLP ? "mlp" : "cnn";
                for (int threads : new int[] {4, 12}) {
                    sweep.check(id + " " + kind + ": " + threads + " threads predict on one network", () -> {
                        float[][] x = rows(150, 64, 5);
                        try (Backend be = Backends.open(id); Sequential net = Sequential.of(be, WeightInit.HE, 3, spec)) {
                            double[][] want = net.predictProbabilities(x);
                            List<Callable<double[][]>> jobs = new ArrayList<>();
                            for (int t = 0; t < threads; t++) jobs.add(() -> {
                                double[][] last = null;
                                for (int k = 0; k < 4; k++) last = net.predictProbabilities(x);
                                return last;
                            });
                            for (double[][] got : all(jobs)) same(want, got, kind);
                        }
                    });
                }
                sweep.check(id + " " + kind + ": evaluate from 6 threads", () -> {
                    Dataset d = data(300, 2);
                    try (Backend be = Backends.open(id); Sequential net = Sequential.of(be, WeightInit.HE, 3, spec)) {
                        Evaluation want = net.evaluate(d);
                        List<Callable<Evaluation>> jobs = new ArrayList<>();
                        for (int t = 0; t < 6; t++) jobs.add(() -> net.evaluate(d));
                        for (Evaluation e : all(jobs)) {
                            if (e.loss() != want.loss() || e.accuracy() != want.accuracy()) {
                                throw new AssertionError("loss " + e.loss() + " vs " + want.loss());
                            }
                        }
                    }
                });
                sweep.check(id + " " + kind + ": 3 networks fit at once on one backend, as alone", () -> {
                    Dataset d = data(200, 3);
                    FitOptions o = FitOptions.builder().epochs(2).batch(40).seed(5).build();
                    Map<String, float[]> alone;
                    try (Backend be = Backends.open(id); Sequential net = Sequential.of(be, WeightInit.HE, 9, spec)) {
                        Training.fit(net, d, null, o);
                        alone = net.weights();
                    }
                    try (Backend be = Backends.open(id); Sequential a = Sequential.of(be, WeightInit.HE, 9, spec);
                         Sequential b = Sequential.of(be, WeightInit.HE, 9, spec); Sequential c = Sequential.of(be, WeightInit.HE, 9, spec)) {
                        all(List.<Callable<Object>>of(() -> Training.fit(a, d, null, o), () -> Training.fit(b, d, null, o),
                                () -> Training.fit(c, d, null, o)));
                        for (Sequential n : List.of(a, b, c)) {
                            for (Map.Entry<String, float[]> w : n.weights().entrySet()) {
                                if (!Arrays.equals(alone.get(w.getKey()), w.getValue())) throw new AssertionError(w.getKey() + " differs");
                            }
                        }
                    }
                });
                sweep.check(id + " " + kind + ": predictions while the same network fits", () -> {
                    Dataset d = data(200, 3);
                    float[][] x = rows(20, 64, 8);
                    try (Backend be = Backends.open(id); Sequential net = Sequential.of(be, WeightInit.HE, 9, spec)) {
                        List<Callable<Object>> jobs = new ArrayList<>();
                        jobs.add(() -> Training.fit(net, d, null, FitOptions.builder().epochs(2).batch(40).build()));
                        for (int t = 0; t < 3; t++) jobs.add(() -> {
                            for (int k = 0; k < 5; k++) {
                                for (double[] r : net.predictProbabilities(x)) {
                                    for (double v : r) if (!Double.isFinite(v)) throw new AssertionError("probability " + v);
                                }
                            }
                            return null;
                        });
                        all(jobs);
                    }
                });
                sweep.check(id + " " + kind + ": the backend closed while 4 threads predict", () -> closedDuringUse(id, spec, true));
                sweep.check(id + " " + kind + ": the network closed while 4 threads predict", () -> closedDuringUse(id, spec, false));
            }
            sweep.check(id + ": two backends of one device fit at once", () -> {
                Dataset d = data(200, 4);
                FitOptions o = FitOptions.builder().epochs(2).batch(40).seed(5).build();
                List<float[]> out = all(List.<Callable<float[]>>of(() -> fitAlone(id, d, o), () -> fitAlone(id, d, o)));
                if (!Arrays.equals(out.get(0), out.get(1))) throw new AssertionError("the two runs differ");
            });
            sweep.check(id + ": weights() and summary() while fitting", () -> {
                Dataset d = data(200, 4);
                try (Backend be = Backends.open(id); Sequential net = Sequential.of(be, WeightInit.HE, 9, MLP)) {
                    all(List.<Callable<Object>>of(() -> Training.fit(net, d, null, FitOptions.builder().epochs(2).batch(40).build()),
                            () -> {
                                for (int k = 0; k < 20; k++) {
                                    for (float[] w : net.weights().values()) for (float v : w) if (!Float.isFinite(v)) throw new AssertionError(v);
                                    net.summary();
                                }
                                return null;
                            }));
                }
            });
        }
        for (String sim : Sweep.simulators()) {
            sweep.check(sim + ": 3 threads predict on a tiny network", () -> {
                float[][] x = rows(3, 6, 1);
                try (Backend be = Backends.open(sim); Sequential net = Sequential.of(be, Layers.input(6).dense(3).relu().dense(2))) {
                    double[][] want = net.predictProbabilities(x);
                    List<Callable<double[][]>> jobs = new ArrayList<>();
                    for (int t = 0; t < 3; t++) jobs.add(() -> net.predictProbabilities(x));
                    for (double[][] got : all(jobs)) same(want, got, "tiny");
                }
            });
        }
        sweep.finish();
    }

    private static float[] fitAlone(String id, Dataset d, FitOptions o) {
        try (Backend be = Backends.open(id); Sequential net = Sequential.of(be, WeightInit.HE, 9, MLP)) {
            Training.fit(net, d, null, o);
            return net.weights().get("affine1.W");
        }
    }

    /** Threads predicting while the backend or the network is closed: each gets the answer or a clear IllegalStateException. */
    private static void closedDuringUse(String id, List<LayerSpec> spec, boolean backend) throws Exception {
        float[][] x = rows(50, 64, 6);
        Backend be = Backends.open(id);
        Sequential net = Sequential.of(be, WeightInit.HE, 3, spec);
        double[][] want = net.predictProbabilities(x);
        List<Callable<Integer>> jobs = new ArrayList<>();
        for (int t = 0; t < 4; t++) jobs.add(() -> {
            int refused = 0;
            for (int k = 0; k < 30; k++) {
                try {
                    same(want, net.predictProbabilities(x), "before the close");
                } catch (IllegalStateException e) {
                    if (e.getMessage() == null || !e.getMessage().contains("closed")) throw new AssertionError("unclear: " + e.getMessage(), e);
                    refused++;
                }
            }
            return refused;
        });
        jobs.add(() -> {
            Thread.sleep(20);
            if (backend) be.close();
            else net.close();
            return 0;
        });
        all(jobs);
        net.close();
        be.close();
    }
}
