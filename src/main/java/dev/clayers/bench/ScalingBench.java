package dev.clayers.bench;

import dev.clayers.backend.Backend;
import dev.clayers.data.Dataset;
import dev.clayers.net.Activation;
import dev.clayers.net.Architecture;
import dev.clayers.net.ImageShape;
import dev.clayers.net.LayerSpec;
import dev.clayers.net.NetSpec;
import dev.clayers.net.Sequential;
import dev.clayers.net.WeightInit;
import dev.clayers.train.FitOptions;
import dev.clayers.train.History;
import dev.clayers.train.Optimizer;
import dev.clayers.train.Schedule;
import dev.clayers.train.Training;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * {@code bench --data-parallel}: training on several devices at once against each device alone.
 * Every figure is a whole epoch of {@code Training.fit}'s steps (batch gathered on the device,
 * gradient, the sum across devices, the update; the evaluation after it is not timed) on random
 * 28x28 digits, so one device and several run exactly the code a training run does. Rounds
 * alternate: each device alone, then all together, then every device training a network of its
 * own at the same time (the machine's ceiling for several devices at once: on a busy or
 * CPU-limited machine it is well below the sum of each alone), round after round, so a machine
 * that gets busier for a while slows every configuration alike; min, median and max are over the rounds.
 */
public final class ScalingBench {
    private ScalingBench() {}

    /**
     * One net at one batch.
     *
     * @param alone    samples/s of each device by itself, in device order: {min, median, max}
     * @param together samples/s of all devices at once: {min, median, max}
     * @param ceiling  samples/s of every device training a network of its own at the same time,
     *                 with no synchronisation, added up: what the machine gives several devices
     *                 at once, which data parallelism cannot beat ({min, median, max})
     * @param steps    steps per timed epoch
     */
    public record Result(String net, int batch, List<String> devices, List<double[]> alone, double[] together, double[] ceiling,
                         int steps) {
        /** The median together over the median of the first device alone. */
        public double speedUp() { return together[1] / alone.get(0)[1]; }

        /** The median together over the sum of the devices' medians alone: 1 is perfect scaling. */
        public double efficiency() {
            double sum = 0;
            for (double[] a : alone) sum += a[1];
            return together[1] / sum;
        }

        /** The median together over the median {@link #ceiling}: what synchronisation costs, apart from the machine. */
        public double ofCeiling() { return together[1] / ceiling[1]; }
    }

    /** The layers of a bench {@code --net} spec: plain widths (a ReLU perceptron) or {@link NetSpec} notation on 28x28 images. */
    public static List<LayerSpec> layers(String spec) {
        BenchCases.trainStep(spec, 1);   // every check and message of the plain bench
        String net = spec.trim().toLowerCase(Locale.ROOT);
        if (net.matches("\\d+(\\s*-\\s*\\d+)*")) {
            int[] w = Arrays.stream(net.split("-")).map(String::trim).mapToInt(Integer::parseInt).toArray();
            return new Architecture(w[0], Arrays.copyOfRange(w, 1, w.length - 1), w[w.length - 1], Activation.RELU).layers(0f);
        }
        return NetSpec.parse(net, new ImageShape(1, 28, 28), 10, Activation.RELU, 0f);
    }

    /**
     * Measures {@code net} at {@code batch} on {@code devices} ({@code rounds} timed rounds after
     * one untimed): each alone, then together. An epoch lasts about {@code seconds}, judged from
     * the first device's untimed epoch.
     */
    public static Result run(List<Backend> devices, String net, int batch, int rounds, double seconds, PrintStream progress) {
        if (devices.size() < 2) throw new IllegalArgumentException("--data-parallel needs at least two devices, got " + devices.size());
        if (rounds < 1) throw new IllegalArgumentException("--reps must be positive, got " + rounds);
        List<LayerSpec> layers = layers(net);
        int features = Sequential.inputs(layers);
        if (features != 784) throw new IllegalArgumentException("--data-parallel times nets on 28x28 digits (784 inputs), got " + features);
        // One untimed epoch of a few steps on the first device says how many steps last about `seconds`.
        // (The first epoch pays for kernel builds and the JIT: the second is the one to judge by.)
        Dataset probe = data(batch * 3);
        epoch(List.of(devices.get(0)), layers, probe, batch);
        double rate = epoch(List.of(devices.get(0)), layers, probe, batch);
        int steps = (int) Math.max(10, Math.min(400, Math.ceil(seconds * rate / batch)));
        Dataset data = data(steps * batch);
        progress.printf("bench: data parallel %s batch %d, %d steps per epoch: warming up ...%n", net, batch, steps);
        for (Backend d : devices) epoch(List.of(d), layers, data, batch);
        epoch(devices, layers, data, batch);
        double[][] alone = new double[devices.size()][rounds];
        double[] together = new double[rounds];
        double[] ceiling = new double[rounds];
        for (int r = 0; r < rounds; r++) {
            for (int i = 0; i < devices.size(); i++) alone[i][r] = epoch(List.of(devices.get(i)), layers, data, batch);
            together[r] = epoch(devices, layers, data, batch);
            ceiling[r] = independent(devices, layers, data, batch);
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < devices.size(); i++) sb.append(devices.get(i).id()).append(' ').append(Bench.fmt(alone[i][r])).append(", ");
            progress.printf("bench: round %d/%d: %stogether %s, each on its own at once %s samples/s%n", r + 1, rounds, sb,
                    Bench.fmt(together[r]), Bench.fmt(ceiling[r]));
        }
        List<double[]> a = new ArrayList<>();
        for (double[] x : alone) a.add(spread(x));
        return new Result(net, batch, devices.stream().map(Backend::id).toList(), a, spread(together), spread(ceiling), steps);
    }

    /** Every device trains a network of its own at the same time (a thread each): their samples/s added up. */
    private static double independent(List<Backend> devices, List<LayerSpec> layers, Dataset data, int batch) {
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(devices.size());
        try {
            List<java.util.concurrent.Future<Double>> fs = new ArrayList<>();
            for (Backend d : devices) fs.add(pool.submit(() -> epoch(List.of(d), layers, data, batch)));
            double total = 0;
            for (java.util.concurrent.Future<Double> f : fs) total += f.get();
            return total;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while timing the devices on their own", e);
        } catch (java.util.concurrent.ExecutionException e) {
            throw e.getCause() instanceof RuntimeException re ? re : new IllegalStateException(e.getCause());
        } finally {
            pool.shutdown();
            try {
                pool.awaitTermination(1, java.util.concurrent.TimeUnit.MINUTES);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Samples per second of one epoch of Training.fit on these devices (one or several). */
    private static double epoch(List<Backend> devices, List<LayerSpec> layers, Dataset data, int batch) {
        FitOptions o = FitOptions.builder().epochs(1).batch(batch).augment(0).optimizer(Optimizer.Kind.SGD).learningRate(0.01f)
                .schedule(Schedule.CONSTANT).build();
        try (Sequential net = Sequential.of(devices.get(0), WeightInit.HE, 14, layers)) {
            History h = devices.size() == 1 ? Training.fit(net, data, null, o) : Training.fit(net, devices, data, null, o);
            return h.last().samplesPerSecond();
        }
    }

    /** Random 28x28 images, uniform in [0, 1), with uniform labels of 10 classes. */
    private static Dataset data(int n) {
        Random rnd = new Random(15);
        float[] x = new float[n * 784];
        for (int i = 0; i < x.length; i++) x[i] = rnd.nextFloat();
        int[] y = new int[n];
        for (int i = 0; i < n; i++) y[i] = rnd.nextInt(10);
        return new Dataset("random digits", x, y, 28, 28, 10);
    }

    private static double[] spread(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        int n = s.length;
        return new double[] {s[0], n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2, s[n - 1]};
    }

    /** The table of one result. */
    public static void print(Result r, PrintStream out) {
        out.printf("data parallel: %s batch %d, samples/s over %d steps per epoch (min / median / max of the rounds)%n", r.net(),
                r.batch(), r.steps());
        for (int i = 0; i < r.devices().size(); i++) row(out, r.devices().get(i) + " alone", r.alone().get(i));
        row(out, "together (" + r.devices().size() + " devices)", r.together());
        row(out, "each on its own at once", r.ceiling());
        out.printf(Locale.ROOT, "speed-up over %s alone %.2fx; scaling efficiency (together / sum alone) %.2f; together / each on"
                + " its own at once %.2f%n%n", r.devices().get(0), r.speedUp(), r.efficiency(), r.ofCeiling());
    }

    private static void row(PrintStream out, String label, double[] v) {
        out.printf("  %-24s %10s %10s %10s%n", label, Bench.fmt(v[0]), Bench.fmt(v[1]), Bench.fmt(v[2]));
    }
}
