package dev.clayers.net;

import dev.clayers.backend.Backend;
import dev.clayers.backend.TestDevices;
import dev.clayers.data.Dataset;
import dev.clayers.train.FitOptions;
import dev.clayers.train.History;
import dev.clayers.train.Training;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static dev.clayers.net.LayerSpec.affine;
import static dev.clayers.net.LayerSpec.conv;
import static dev.clayers.net.LayerSpec.maxPool;
import static dev.clayers.net.LayerSpec.relu;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Threads sharing a network or a backend (issue 27, cause 3): they take turns on the backend's
 * lock, so nothing crashes (two threads enqueueing at once crashed PoCL) and every answer is the
 * one a single thread gets. Runs on cpu and each real OpenCL device.
 */
class ConcurrentUseTest {

    private static float[][] rows(int n, int features, long seed) {
        Random rng = new Random(seed);
        float[][] x = new float[n][features];
        for (float[] row : x) for (int i = 0; i < features; i++) row[i] = (float) rng.nextGaussian();
        return x;
    }

    private static Dataset data(int n, int features, long seed) {
        float[][] x = rows(n, features, seed);
        int[] y = new int[n];
        for (int i = 0; i < n; i++) y[i] = x[i][0] + x[i][1] > 0 ? 1 : 0;
        return Dataset.of("xor-ish", x, y, 2);
    }

    private static <T> List<T> runAll(List<Callable<T>> jobs) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(jobs.size());
        try {
            List<Future<T>> fs = new ArrayList<>();
            for (Callable<T> j : jobs) fs.add(pool.submit(j));
            List<T> out = new ArrayList<>();
            for (Future<T> f : fs) out.add(f.get(5, TimeUnit.MINUTES));   // an exception in a thread fails the test here
            return out;
        } finally {
            pool.shutdownNow();
        }
    }

    @ParameterizedTest
    @MethodSource("dev.clayers.backend.TestDevices#ids")
    void twoThreadsPredictOnOneNetwork(String id) throws Exception {
        ConvSpec c = conv(new ImageShape(1, 8, 8), 3, 3, 1, 0);
        MaxPoolSpec p = maxPool(c.output(), 2, 2);
        float[][] small = rows(37, 64, 1), large = rows(500, 64, 2);
        try (Backend be = TestDevices.open(id);
             Sequential net = Sequential.of(be, c, relu(), p, affine(p.output().size(), 10))) {
            double[][] expectSmall = net.predictProbabilities(small), expectLarge = net.predictProbabilities(large);
            List<Callable<double[][]>> jobs = new ArrayList<>();
            for (int t = 0; t < 2; t++) {
                float[][] x = t == 0 ? small : large;
                jobs.add(() -> {
                    double[][] last = null;
                    for (int i = 0; i < 40; i++) last = net.predictProbabilities(x);
                    return last;
                });
            }
            List<double[][]> got = runAll(jobs);
            for (int i = 0; i < small.length; i++) assertArrayEquals(expectSmall[i], got.get(0)[i], 0.0);
            for (int i = 0; i < large.length; i++) assertArrayEquals(expectLarge[i], got.get(1)[i], 0.0);
        }
    }

    /** Training one network from a second thread while it trains is an error at once, naming the thread. */
    @ParameterizedTest
    @MethodSource("dev.clayers.backend.TestDevices#ids")
    void aSecondFitOfOneNetworkFailsAtOnce(String id) throws Exception {
        Dataset train = data(200, 6, 3);
        java.util.concurrent.CountDownLatch started = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch tried = new java.util.concurrent.CountDownLatch(1);
        try (Backend be = TestDevices.open(id); Sequential net = Sequential.of(be, affine(6, 8), relu(), affine(8, 2))) {
            FitOptions first = FitOptions.builder().epochs(2).batch(50).listener(new dev.clayers.train.Trainer.Listener() {
                @Override public void epochStarted(int epoch, long samples) {
                    started.countDown();
                    try {
                        tried.await(1, TimeUnit.MINUTES);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
            }).build();
            List<Callable<Object>> jobs = List.of(() -> Training.fit(net, train, null, first), () -> {
                started.await(1, TimeUnit.MINUTES);
                try {
                    Training.fit(net, train, null, FitOptions.builder().epochs(1).batch(50).build());
                    return "no error";
                } catch (IllegalStateException e) {
                    return e.getMessage();
                } finally {
                    tried.countDown();
                }
            });
            List<Object> out = runAll(jobs);
            assertEquals(dev.clayers.train.History.Stop.COMPLETED, ((History) out.get(0)).stopped());
            String message = (String) out.get(1);
            org.junit.jupiter.api.Assertions.assertTrue(message.contains("already training"), message);
            // Once the first fit returned, the network trains again.
            Training.fit(net, train, null, FitOptions.builder().epochs(1).batch(50).build());
        }
    }

    /** A network whose backend was closed fails with a clear exception, never reaching freed device memory. */
    @ParameterizedTest
    @MethodSource("dev.clayers.backend.TestDevices#ids")
    void aNetworkAfterItsBackendClosedFailsClearly(String id) {
        Backend be = TestDevices.open(id);
        Sequential net = Sequential.of(be, affine(6, 8), relu(), affine(8, 2));
        float[][] x = rows(3, 6, 4);
        net.predictProbabilities(x);
        be.close();
        IllegalStateException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class,
                () -> net.predictProbabilities(x));
        org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().contains("is closed"), e.getMessage());
        org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class,
                () -> Training.fit(net, data(100, 6, 1), null, FitOptions.builder().epochs(1).batch(50).build()));
        net.close();   // releasing what is left of a closed backend is harmless
    }

    /** Fits of different networks on one backend take turns and train as they would alone. */
    @ParameterizedTest
    @MethodSource("dev.clayers.backend.TestDevices#ids")
    void fitsOnOneBackendTakeTurns(String id) throws Exception {
        Dataset train = data(400, 6, 3);
        FitOptions options = FitOptions.builder().epochs(2).batch(50).seed(7).build();
        List<LayerSpec> specs = List.of(affine(6, 16), relu(), affine(16, 2));
        Map<String, float[]> alone;
        try (Backend be = TestDevices.open(id); Sequential net = Sequential.of(be, WeightInit.HE, 9, specs)) {
            Training.fit(net, train, null, options);
            alone = net.weights();
        }
        try (Backend be = TestDevices.open(id);
             Sequential a = Sequential.of(be, WeightInit.HE, 9, specs);
             Sequential b = Sequential.of(be, WeightInit.HE, 9, specs);
             Sequential c = Sequential.of(be, WeightInit.HE, 9, specs)) {
            List<Callable<History>> jobs = List.of(() -> Training.fit(a, train, null, options),
                    () -> Training.fit(b, train, null, options), () -> Training.fit(c, train, null, options));
            List<History> hs = runAll(jobs);
            assertEquals(3, hs.size());
            for (Sequential n : List.of(a, b, c)) {
                for (Map.Entry<String, float[]> e : n.weights().entrySet()) {
                    assertArrayEquals(alone.get(e.getKey()), e.getValue(), 0f, e.getKey() + " trained beside another fit");
                }
            }
        }
    }
}
