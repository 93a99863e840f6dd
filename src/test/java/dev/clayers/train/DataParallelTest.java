package dev.clayers.train;

import dev.clayers.backend.Backend;
import dev.clayers.backend.Backends;
import dev.clayers.backend.IntVector;
import dev.clayers.backend.Matrix;
import dev.clayers.backend.TestDevices;
import dev.clayers.data.Dataset;
import dev.clayers.data.MnistDataset;
import dev.clayers.layer.Param;
import dev.clayers.net.DeviceDataset;
import dev.clayers.net.LayerSpec;
import dev.clayers.net.Sequential;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static dev.clayers.net.LayerSpec.affine;
import static dev.clayers.net.LayerSpec.dropout;
import static dev.clayers.net.LayerSpec.relu;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Synchronous data parallelism on two PoCL devices ({@code POCL_DEVICES="pthread pthread"}, set by
 * the surefire execution that runs the {@code several-devices} tag), on {@code cpu} beside PoCL,
 * and with Oclgrind as one of the devices: replicas stay identical bit for bit, runs repeat bit
 * for bit, and the result equals one device at the same global batch within float tolerance.
 */
@Tag("several-devices")
class DataParallelTest {
    /** The first {@code n} bundled training digits, the last 1,000 test digits. */
    private static Dataset digits(int n) {
        Dataset all = MnistDataset.bundled().train();
        return new Dataset("digits", Arrays.copyOf(all.images(), n * all.features()), Arrays.copyOf(all.labels(), n),
                all.rows(), all.cols(), all.classes());
    }

    private static final Dataset TRAIN = digits(2000);

    private static LayerSpec[] mlp() {
        return new LayerSpec[] {affine(784, 64), relu(), dropout(0.2f), affine(64, 10)};
    }

    private static List<Backend> open(List<String> ids) {
        return Backends.openEach(String.join(",", ids));
    }

    private static void closeAll(List<Backend> devices) {
        devices.forEach(Backend::close);
    }

    /** Trains with {@link DataParallel} directly and returns every replica's weights after the last epoch. */
    private static List<Map<String, float[]>> replicasAfter(List<Backend> devices, LayerSpec[] layers, Dataset train,
                                                            FitOptions o) {
        Backend be = devices.get(0);
        try (Sequential net = Sequential.of(be, layers);
             Optimizer opt = o.optimizer().create(be, o.learningRate());
             DeviceDataset tr = new DeviceDataset(be, train);
             Trainer trainer = new Trainer(net, opt, tr, null, o);
             DataParallel dp = new DataParallel(net, opt, tr, null, trainer, devices, o)) {
            for (int e = 1; e <= o.epochs(); e++) dp.runEpoch(e, new Trainer.Listener() {});
            return dp.replicaWeights();
        }
    }

    private static void assertSameWeights(Map<String, float[]> a, Map<String, float[]> b, String what) {
        assertEquals(a.keySet(), b.keySet());
        for (String k : a.keySet()) assertArrayEquals(a.get(k), b.get(k), what + ": " + k);
    }

    private static double maxDiff(Map<String, float[]> a, Map<String, float[]> b) {
        double d = 0;
        for (String k : a.keySet()) {
            float[] x = a.get(k), y = b.get(k);
            for (int i = 0; i < x.length; i++) d = Math.max(d, Math.abs(x[i] - y[i]));
        }
        return d;
    }

    /** Adam, dropout, shifts and a batch of 101 (shares of 51 and 50): the replicas end identical, and a second run equals the first. */
    @Test
    void replicasStayIdenticalAndRunsRepeatBitForBit() {
        List<Backend> devices = open(TestDevices.realOpenClIds(2));
        try {
            FitOptions o = FitOptions.builder().epochs(2).batch(101).augment(1).learningRate(0.002f).build();
            List<Map<String, float[]>> first = replicasAfter(devices, mlp(), TRAIN, o);
            assertEquals(2, first.size());
            assertSameWeights(first.get(0), first.get(1), "replica 1 against replica 0");
            List<Map<String, float[]>> again = replicasAfter(devices, mlp(), TRAIN, o);
            assertSameWeights(first.get(0), again.get(0), "second run against the first");
        } finally {
            closeAll(devices);
        }
    }

    /**
     * The same run on one device and on two at the same global batch: after an epoch of plain SGD
     * (dropout and shifts on, 20 steps) every weight agrees within 1e-6 (about 6e-8 here), the only difference being
     * the order of float additions in each weight gradient's sum over the batch.
     */
    @Test
    void equalsOneDeviceAtTheSameBatchWithinFloatTolerance() {
        List<String> ids = TestDevices.realOpenClIds(2);
        FitOptions o = FitOptions.builder().epochs(1).batch(100).augment(1).optimizer(Optimizer.Kind.SGD)
                .learningRate(0.1f).schedule(Schedule.CONSTANT).build();
        Map<String, float[]> one, two;
        History h1, h2;
        try (Backend be = Backends.open(ids.get(0)); Sequential net = Sequential.of(be, mlp())) {
            h1 = Training.fit(net, TRAIN, null, o);
            one = net.weights();
        }
        List<Backend> devices = open(ids);
        try (Sequential net = Sequential.of(devices.get(0), mlp())) {
            h2 = Training.fit(net, devices, TRAIN, null, o);
            two = net.weights();
        } finally {
            closeAll(devices);
        }
        double d = maxDiff(one, two);
        assertTrue(d < 1e-6, "largest weight difference " + d);
        assertEquals(h1.last().trainLoss(), h2.last().trainLoss(), 1e-5);
        assertEquals(h1.last().trainAccuracy(), h2.last().trainAccuracy(), 0.002);
    }

    /**
     * Batch normalisation normalises each device's share by its own statistics: one step on two
     * devices equals, on one device, the gradients of the two shares computed separately and added
     * (and differs from the whole batch normalised at once).
     */
    @Test
    void batchNormUsesEachSharesOwnStatistics() {
        List<String> ids = TestDevices.realOpenClIds(2);
        LayerSpec[] layers = {affine(784, 32), LayerSpec.batchNorm(32), relu(), affine(32, 10)};
        int batch = 200;
        Dataset data = digits(batch);
        float lr = 0.5f;
        FitOptions o = FitOptions.builder().epochs(1).batch(batch).augment(0).optimizer(Optimizer.Kind.SGD)
                .learningRate(lr).schedule(Schedule.CONSTANT).build();
        Map<String, float[]> parallel;
        List<Backend> devices = open(ids);
        try {
            List<Map<String, float[]>> rs = replicasAfter(devices, layers, data, o);
            assertSameWeights(rs.get(0), rs.get(1), "replica 1 against replica 0");
            parallel = rs.get(0);
        } finally {
            closeAll(devices);
        }
        int[] order = Trainer.permutation(batch, Trainer.epochRandom(o.seed(), 1));
        try (Backend be = Backends.open(ids.get(0)); Sequential net = Sequential.of(be, layers)) {
            Map<String, float[]> w0 = net.weights();
            float[][] shares = new float[net.params().size()][];
            float[][] whole = gradients(be, net, data, order, 0, batch, 1f, null);
            for (int s = 0; s < 2; s++) shares = gradients(be, net, data, order, s * 100, 100, 0.5f, shares);
            double sharesVsWhole = 0;
            for (int k = 0; k < shares.length; k++) {
                Param p = net.params().get(k);
                float[] w = w0.get(p.name());
                float[] expected = new float[w.length];
                for (int i = 0; i < w.length; i++) {
                    expected[i] = w[i] + -lr * shares[k][i];
                    sharesVsWhole = Math.max(sharesVsWhole, Math.abs(shares[k][i] - whole[k][i]));
                }
                float[] got = parallel.get(p.name());
                for (int i = 0; i < w.length; i++) {
                    assertEquals(expected[i], got[i], 1e-6, p.name() + "[" + i + "]");
                }
            }
            assertTrue(sharesVsWhole > 1e-4, "per-share statistics must differ from the whole batch's: " + sharesVsWhole);
        }
    }

    /** Gradients of rows {@code from ..} of {@code order} scaled by {@code scale}, added in double to {@code sum} when given. */
    private static float[][] gradients(Backend be, Sequential net, Dataset data, int[] order, int from, int rows, float scale,
                                       float[][] sum) {
        float[] x = new float[rows * data.features()];
        int[] t = new int[rows];
        for (int r = 0; r < rows; r++) {
            System.arraycopy(data.images(), order[from + r] * data.features(), x, r * data.features(), data.features());
            t[r] = data.labels()[order[from + r]];
        }
        List<Param> ps = net.params();
        float[][] out = new float[ps.size()][];
        try (Matrix xm = be.upload(x, rows, data.features()); IntVector tv = be.uploadInts(t)) {
            net.gradient(xm, tv, 0, from, scale);
            for (int k = 0; k < ps.size(); k++) {
                float[] g = be.download(ps.get(k).grad());
                if (sum != null && sum[k] != null) {
                    for (int i = 0; i < g.length; i++) g[i] = (float) ((double) sum[k][i] + g[i]);
                }
                out[k] = g;
            }
        }
        return out;
    }

    /**
     * Shares of 3:1 (75 and 25 rows of 100) and measured shares: replicas identical, the result
     * that of one device at the same batch within float tolerance (the split does not change the
     * arithmetic beyond the order of additions), and the measured rows add up to the batch.
     */
    @Test
    void unequalSharesEqualOneDevice() {
        List<String> ids = TestDevices.realOpenClIds(2);
        FitOptions o = FitOptions.builder().epochs(1).batch(100).augment(1).optimizer(Optimizer.Kind.SGD)
                .learningRate(0.1f).schedule(Schedule.CONSTANT).build();
        assertArrayEquals(new int[] {75, 25}, o.toBuilder().shares(3, 1).build().shareRows(2));
        assertArrayEquals(new int[] {34, 33, 33}, o.toBuilder().shares(1, 1, 1).build().shareRows(3));
        Map<String, float[]> one;
        try (Backend be = Backends.open(ids.get(0)); Sequential net = Sequential.of(be, mlp())) {
            Training.fit(net, TRAIN, null, o);
            one = net.weights();
        }
        List<Backend> devices = open(ids);
        try {
            List<Map<String, float[]>> rs = replicasAfter(devices, mlp(), TRAIN, o.toBuilder().shares(3, 1).build());
            assertSameWeights(rs.get(0), rs.get(1), "replica 1 against replica 0 at shares 3:1");
            double d = maxDiff(one, rs.get(0));
            assertTrue(d < 1e-6, "largest weight difference to one device " + d);
            try (Sequential net = Sequential.of(devices.get(0), mlp())) {
                Map<String, float[]> before = net.weights();
                List<Integer> rows = Training.measureShares(net, devices, TRAIN, o);
                assertEquals(2, rows.size());
                assertEquals(100, rows.get(0) + rows.get(1));
                assertTrue(rows.get(0) >= 1 && rows.get(1) >= 1, rows.toString());
                assertSameWeights(before, net.weights(), "the network after measuring");
            }
        } finally {
            closeAll(devices);
        }
        InvalidOptionException wrong = assertThrows(InvalidOptionException.class, () -> o.toBuilder().shares(1, 2, 3).build().shareRows(2));
        assertTrue(wrong.getMessage().contains("3 entries for 2 devices"), wrong.getMessage());
        InvalidOptionException none = assertThrows(InvalidOptionException.class,
                () -> o.toBuilder().batch(10).shares(999_999, 1).build().shareRows(2));
        assertTrue(none.getMessage().contains("no row"), none.getMessage());
        assertThrows(InvalidOptionException.class, () -> o.toBuilder().shares(1, 0).build());
        assertThrows(InvalidOptionException.class, () -> FitOptions.parseShares("3:-1"));
    }

    /**
     * One PoCL device split into sub-devices ({@code opencl:P:D/N}, clCreateSubDevices): they train
     * as several devices (identical replicas, one device's result within tolerance), close cleanly,
     * and a device listed whole and split at once, or split into a count it cannot take, is refused.
     */
    @Test
    void subDevicesTrainAsSeveralDevices() {
        String whole = TestDevices.realOpenClIds(1).get(0);
        int units;
        try (Backend be = Backends.open(whole)) {
            units = be.info().computeUnits();
        }
        if (units < 2) {
            String why = whole + " has " + units + " compute unit; sub-devices need two (the several-devices execution gives PoCL"
                    + " every core)";
            if ("true".equals(System.getenv("CI"))) throw new AssertionError(why);
            org.junit.jupiter.api.Assumptions.assumeTrue(false, why);
        }
        int parts = units % 2 == 0 ? 2 : units;
        FitOptions o = FitOptions.builder().epochs(1).batch(60).augment(1).optimizer(Optimizer.Kind.SGD)
                .learningRate(0.1f).schedule(Schedule.CONSTANT).build();
        List<Backend> devices = Backends.openEach(whole + "/" + parts);
        List<Map<String, float[]>> rs;
        try {
            assertEquals(parts, devices.size());
            assertEquals(whole + "/" + parts + ".0", devices.get(0).id());
            assertEquals(units / parts, devices.get(1).info().computeUnits());
            rs = replicasAfter(devices, mlp(), TRAIN, o);
        } finally {
            closeAll(devices);
        }
        for (int i = 1; i < parts; i++) assertSameWeights(rs.get(0), rs.get(i), "sub-device " + i + " against sub-device 0");
        try (Backend be = Backends.open(whole); Sequential net = Sequential.of(be, mlp())) {
            Training.fit(net, TRAIN, null, o);
            double d = maxDiff(net.weights(), rs.get(0));
            assertTrue(d < 1e-6, "largest weight difference to the whole device " + d);
        }
        IllegalArgumentException both = assertThrows(IllegalArgumentException.class,
                () -> Backends.openEach(whole + "," + whole + "/" + parts));
        assertTrue(both.getMessage().contains("listed twice"), both.getMessage());
        // The same device by another spelling (opencl:01:0 is opencl:1:0) before its split: found once opened.
        String respelled = whole.replace("opencl:", "opencl:0");
        IllegalArgumentException spelled = assertThrows(IllegalArgumentException.class,
                () -> Backends.openEach(respelled + "," + whole + "/" + parts));
        assertTrue(spelled.getMessage().contains("listed twice"), spelled.getMessage());
        IllegalArgumentException tooMany = assertThrows(IllegalArgumentException.class, () -> Backends.openEach(whole + "/" + (units + 1)));
        assertTrue(tooMany.getMessage().contains("compute units"), tooMany.getMessage());
        IllegalArgumentException single = assertThrows(IllegalArgumentException.class, () -> Backends.open(whole + "/" + parts));
        assertTrue(single.getMessage().contains("several devices"), single.getMessage());
    }

    /** The Java backend beside a PoCL device: identical replicas, and one device's result within tolerance. */
    @Test
    void mixedKindsCpuAndOpenCl() {
        String ocl = TestDevices.realOpenClIds(1).get(0);
        FitOptions o = FitOptions.builder().epochs(1).batch(100).augment(1).optimizer(Optimizer.Kind.MOMENTUM)
                .learningRate(0.05f).build();
        List<Backend> devices = open(List.of("cpu", ocl));
        List<Map<String, float[]>> rs;
        try {
            rs = replicasAfter(devices, mlp(), TRAIN, o);
        } finally {
            closeAll(devices);
        }
        assertSameWeights(rs.get(0), rs.get(1), "the PoCL replica against the cpu one");
        try (Backend be = Backends.open("cpu"); Sequential net = Sequential.of(be, mlp())) {
            Training.fit(net, TRAIN, null, o);
            double d = maxDiff(net.weights(), rs.get(0));
            assertTrue(d < 1e-6, "largest weight difference to cpu alone " + d);
        }
    }

    /** The contract at small shapes with Oclgrind (its race and bounds checks on) as the second device. */
    @Test
    void oclgrindAsOneOfTheDevices() {
        String ocl = TestDevices.realOpenClIds(1).get(0);
        String sim = TestDevices.simulatorId();
        Random rng = new Random(5);
        float[][] x = new float[60][6];
        int[] y = new int[60];
        for (int i = 0; i < 60; i++) {
            y[i] = i % 3;
            for (int j = 0; j < 6; j++) x[i][j] = (float) (rng.nextGaussian() * 0.5 + (j == y[i] ? 2 : 0));
        }
        Dataset blobs = Dataset.of(x, y);
        LayerSpec[] layers = {affine(6, 8), relu(), dropout(0.1f), affine(8, 3)};
        FitOptions o = FitOptions.builder().epochs(2).batch(15).augment(0).learningRate(0.01f).build();
        List<Backend> devices = open(List.of(ocl, sim));
        List<Map<String, float[]>> rs;
        try {
            rs = replicasAfter(devices, layers, blobs, o);
        } finally {
            closeAll(devices);
        }
        assertSameWeights(rs.get(0), rs.get(1), "the Oclgrind replica against the PoCL one");
        try (Backend be = Backends.open(ocl); Sequential net = Sequential.of(be, layers)) {
            Training.fit(net, blobs, null, o);
            double d = maxDiff(net.weights(), rs.get(0));
            assertTrue(d < 1e-6, "largest weight difference to one device " + d);
        }
    }

    /** A run checkpointed after epoch 1 and resumed on the same devices ends bit for bit as the uninterrupted run. */
    @Test
    void resumesExactlyFromACheckpoint(@TempDir Path dir) throws Exception {
        List<String> ids = TestDevices.realOpenClIds(2);
        FitOptions o = FitOptions.builder().epochs(2).batch(100).augment(1).learningRate(0.002f).build();
        Map<String, float[]> whole, resumed;
        List<Backend> devices = open(ids);
        try (Sequential net = Sequential.of(devices.get(0), mlp())) {
            Training.fit(net, devices, TRAIN, TRAIN, o);
            whole = net.weights();
        } finally {
            closeAll(devices);
        }
        devices = open(ids);
        try (Sequential net = Sequential.of(devices.get(0), mlp())) {
            History h = Training.fit(net, devices, TRAIN, TRAIN, o.toBuilder().checkpointDir(dir).stopAfterEpoch(1).build());
            assertEquals(History.Stop.STOP_AFTER, h.stopped());
        } finally {
            closeAll(devices);
        }
        Checkpoint.State state = Checkpoint.load(dir);
        devices = open(ids);
        try (Sequential net = Sequential.fromWeights(devices.get(0), state.model().layers(), state.model().weights())) {
            History h = Training.resume(net, devices, TRAIN, TRAIN, state.options().toBuilder().checkpointDir(dir).build(), state);
            assertEquals(2, h.epochs().size());
            resumed = net.weights();
        } finally {
            closeAll(devices);
        }
        assertSameWeights(whole, resumed, "resumed against uninterrupted");
    }

    /** Bad device lists fail in one line before any work, and a run leaves no buffer behind on any device. */
    @Test
    void refusesBadDeviceListsAndLeaksNothing() {
        List<String> ids = TestDevices.realOpenClIds(2);
        IllegalArgumentException dup = assertThrows(IllegalArgumentException.class,
                () -> Backends.openEach(ids.get(0) + "," + ids.get(0)));
        assertTrue(dup.getMessage().contains("listed twice"), dup.getMessage());
        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class, () -> Backends.openEach(ids.get(0) + ",opencl:7:7"));
        assertTrue(unknown.getMessage().contains("opencl:7:7"), unknown.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Backends.openEach(ids.get(0) + ","));
        List<Backend> devices = open(ids);
        try {
            try (Sequential net = Sequential.of(devices.get(0), mlp())) {
                fitBadlyThenWell(net, devices);
            }
            assertEquals(0, devices.get(0).liveBuffers(), "buffers left on the first device once the network is closed");
            assertEquals(0, devices.get(1).liveBuffers(), "buffers left on the second device");
            assertTrue(Thread.getAllStackTraces().keySet().stream().noneMatch(t -> t.getName().startsWith("clayers-replica")),
                    "a replica's host thread is still running");
        } finally {
            closeAll(devices);
        }
    }

    private static void fitBadlyThenWell(Sequential net, List<Backend> devices) {
        {
            InvalidOptionException small = assertThrows(InvalidOptionException.class,
                    () -> Training.fit(net, devices, TRAIN, null, FitOptions.builder().batch(1).epochs(1).build()));
            assertTrue(small.getMessage().contains("smaller than the 2 devices"), small.getMessage());
            IllegalArgumentException order = assertThrows(IllegalArgumentException.class,
                    () -> Training.fit(net, List.of(devices.get(1), devices.get(0)), TRAIN, null, FitOptions.builder().build()));
            assertTrue(order.getMessage().contains("first device must be the network's"), order.getMessage());
            Training.fit(net, devices, TRAIN, TRAIN, FitOptions.builder().batch(200).epochs(1).build());
        }
    }
}
