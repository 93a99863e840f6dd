package dev.clayers.net;

import dev.clayers.backend.Backend;
import dev.clayers.backend.DeviceInfo;
import dev.clayers.backend.IntVector;
import dev.clayers.backend.Matrix;
import dev.clayers.data.Dataset;
import dev.clayers.data.Normaliser;

/**
 * A dataset made ready for a device, in one of two ways:
 * <ul>
 *   <li><b>resident</b> ({@link #DeviceDataset(Backend, Dataset)}): uploaded once, so mini-batches
 *       are gathered on the device and a training step moves no images between host and device;</li>
 *   <li><b>streamed</b> ({@link #streamed}): for a set larger than the device's data budget
 *       ({@link #budgetBytes}); it stays on the host and each chunk of rows is copied up when it
 *       is needed ({@link #hostRows}), in the same order and with the same values, so training and
 *       evaluation give the same numbers as the resident path.</li>
 * </ul>
 * With a {@link Normaliser} the rows reach the device normalised (the host set is not changed).
 * (It lives beside {@link Sequential} because evaluating a network is running it over one.)
 *
 * <p>Thread rule: used by one thread at a time, under the network's lock.
 */
public final class DeviceDataset implements AutoCloseable {
    /**
     * System property: the device memory, in bytes, that training data may take before it is
     * streamed from the host (default: half the device's memory; a quarter of the Java heap on
     * {@code cpu}). Tests set it small to force streaming.
     */
    public static final String BUDGET_PROPERTY = "clayers.deviceDataBytes";

    private final Dataset host;
    private final Normaliser normaliser;
    private final Matrix images;
    private final IntVector labels;
    private IntVector identity;

    /** Uploads the whole set (resident), as it is. */
    public DeviceDataset(Backend backend, Dataset host) {
        this(backend, host, null, false);
    }

    private DeviceDataset(Backend backend, Dataset host, Normaliser normaliser, boolean streamed) {
        if (normaliser != null && normaliser.features() != host.features()) {
            throw new IllegalArgumentException(host.name() + " has " + host.features() + " features per row but the"
                    + " normaliser takes " + normaliser.features());
        }
        this.host = host;
        this.normaliser = normaliser;
        if (streamed) {
            this.images = null;
            this.labels = null;
            return;
        }
        float[] values = host.images();
        if (normaliser != null) {
            values = values.clone();   // a transient host copy; only the device keeps the normalised set
            normaliser.applyInPlace(values, host.name());
        }
        Matrix im = backend.upload(values, host.size(), host.features());
        try {
            this.labels = backend.uploadInts(host.labels());
        } catch (RuntimeException e) {
            im.close();
            throw e;
        }
        this.images = im;
    }

    /** The whole set uploaded, normalised by {@code normaliser} (null for none). */
    public static DeviceDataset resident(Backend backend, Dataset host, Normaliser normaliser) {
        return new DeviceDataset(backend, host, normaliser, false);
    }

    /** The set left on the host, copied up chunk by chunk, normalised by {@code normaliser} (null for none). */
    public static DeviceDataset streamed(Dataset host, Normaliser normaliser) {
        return new DeviceDataset(null, host, normaliser, true);
    }

    /** Resident when {@link #bytes} of {@code host} is within {@code budgetBytes}, else streamed. */
    public static DeviceDataset within(Backend backend, Dataset host, Normaliser normaliser, long budgetBytes) {
        return bytes(host) <= budgetBytes ? resident(backend, host, normaliser) : streamed(host, normaliser);
    }

    /** Device bytes of a resident copy: the rows and one int label per row. */
    public static long bytes(Dataset data) {
        return (long) data.size() * (data.features() + 1L) * Float.BYTES;
    }

    /**
     * The device memory training data may take before it streams: the {@value #BUDGET_PROPERTY}
     * property when set to a positive number, else half the device's memory (a quarter of the
     * maximum Java heap for an on-heap device, whose buffers are Java arrays beside the host set).
     */
    public static long budgetBytes(DeviceInfo device) {
        String v = System.getProperty(BUDGET_PROPERTY);
        if (v != null) {
            try {
                long n = Long.parseLong(v.trim().replace("_", ""));
                if (n > 0) return n;
            } catch (NumberFormatException ignored) {
                // fall through to the message
            }
            throw new IllegalArgumentException("-D" + BUDGET_PROPERTY + "=" + v + " is not a positive number of bytes");
        }
        if (device.kind().onHeap() || device.globalMemBytes() <= 0) return Runtime.getRuntime().maxMemory() / 4;
        return device.globalMemBytes() / 2;
    }

    /** The host dataset the rows come from. */
    public Dataset host() { return host; }

    /** Whether the rows stay on the host ({@link #hostRows}) instead of on the device ({@link #images}). */
    public boolean streamed() { return images == null; }

    /** The normaliser the rows go through on their way up, or null. */
    public Normaliser normaliser() { return normaliser; }

    /** The uploaded rows, normalised. @throws IllegalStateException when streamed */
    public Matrix images() {
        if (images == null) throw new IllegalStateException(host.name() + " is streamed from the host; it has no device copy");
        return images;
    }

    /** The uploaded labels. @throws IllegalStateException when streamed */
    public IntVector labels() {
        if (labels == null) throw new IllegalStateException(host.name() + " is streamed from the host; it has no device copy");
        return labels;
    }

    /** Number of rows. */
    public int size() { return host.size(); }

    /**
     * The rows {@code order[from .. from + n)} of the host set, normalised, row after row, padded
     * with zero rows up to {@code capacity} rows (a chunk buffer's size): what a streamed chunk uploads.
     */
    public float[] hostRows(int[] order, int from, int n, int capacity) {
        int f = host.features();
        float[] out = new float[Math.multiplyExact(capacity, f)];
        float[] x = host.images();
        for (int k = 0; k < n; k++) System.arraycopy(x, order[from + k] * f, out, k * f, f);
        if (normaliser != null) {
            float[] part = java.util.Arrays.copyOf(out, n * f);
            normaliser.applyInPlace(part, host.name());
            System.arraycopy(part, 0, out, 0, part.length);
        }
        return out;
    }

    /** The labels {@code order[from .. from + n)}, padded with zeros up to {@code capacity}. */
    public int[] hostLabels(int[] order, int from, int n, int capacity) {
        int[] out = new int[capacity];
        for (int k = 0; k < n; k++) out[k] = host.labels()[order[from + k]];
        return out;
    }

    /**
     * Loss, accuracy and (optionally) the confusion matrix of a network on this whole dataset:
     * runs it over the dataset in chunks of {@code batch} rows (the last chunk may be smaller).
     * A streamed set uploads each chunk; the numbers are the same as resident.
     *
     * @param confusion whether to build the confusion matrix and the label ranks (top-k accuracy;
     *                  downloads the predictions and the scores of each row)
     */
    public Evaluation evaluate(Sequential net, int batch, boolean confusion) {
        Backend be = net.backend();
        if (identity == null && !streamed()) {
            int[] idx = new int[size()];
            for (int i = 0; i < idx.length; i++) idx[i] = i;
            identity = be.uploadInts(idx);
        }
        // Sized by the network too: it may have more outputs than the data has classes.
        int classes = Math.max(host.classes(), net.outputs());
        long[][] cm = confusion ? new long[classes][classes] : null;
        long[] ranks = confusion ? new long[net.outputs()] : null;
        double lossSum = 0;
        int correct = 0;
        Matrix x = null;
        IntVector t = null, pred = null;
        int[] all = streamed() ? identityOrder() : null;
        try {
            for (int start = 0; start < size(); start += batch) {
                int n = Math.min(batch, size() - start);
                if (x == null || x.rows() != n) {
                    closeAll(x, t, pred);
                    x = be.alloc(n, host.features());
                    t = be.allocInts(n);
                    pred = confusion ? be.allocInts(n) : null;
                }
                if (streamed()) {
                    be.write(x, hostRows(all, start, n, n));
                    be.writeInts(t, hostLabels(all, start, n, n));
                } else {
                    be.gatherRows(images, identity, start, x);
                    be.gatherInts(labels, identity, start, t);
                }
                lossSum += (double) net.loss(x, t) * n;
                correct += be.countCorrect(net.logits(), t);
                if (cm != null) {
                    be.argmaxRows(net.logits(), pred);
                    int[] p = be.downloadInts(pred);
                    for (int i = 0; i < n; i++) cm[host.labels()[start + i]][p[i]]++;
                    countRanks(be.download(net.logits()), n, net.outputs(), start, ranks);
                }
            }
        } finally {
            closeAll(x, t, pred);
        }
        return new Evaluation(lossSum / size(), correct, size(), cm, ranks);
    }

    /**
     * The rank of each row's label among its scores: how many classes score higher, plus those
     * that score the same at a lower index (the argmax takes the first of equal scores, so rank 0
     * is exactly a correct prediction).
     */
    private void countRanks(float[] scores, int n, int outputs, int start, long[] ranks) {
        for (int i = 0; i < n; i++) {
            int y = host.labels()[start + i];
            float s = scores[i * outputs + y];
            int rank = 0;
            for (int j = 0; j < outputs; j++) {
                float v = scores[i * outputs + j];
                if (v > s || (v == s && j < y)) rank++;
            }
            ranks[rank]++;
        }
    }

    private int[] identityOrder() {
        int[] all = new int[size()];
        for (int i = 0; i < all.length; i++) all[i] = i;
        return all;
    }

    private static void closeAll(AutoCloseable... cs) {
        for (AutoCloseable c : cs) {
            try {
                if (c != null) c.close();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
    }

    @Override
    public void close() {
        if (images != null) images.close();
        if (labels != null) labels.close();
        if (identity != null) identity.close();
    }
}
