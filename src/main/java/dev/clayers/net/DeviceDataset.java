package dev.clayers.net;

import dev.clayers.backend.Backend;
import dev.clayers.backend.IntVector;
import dev.clayers.backend.Matrix;
import dev.clayers.data.Dataset;

/**
 * A dataset uploaded once to a device, so mini-batches are gathered there and a training step
 * moves no images between host and device. (It lives beside {@link Sequential} because
 * evaluating a network is running it over one.)
 */
public final class DeviceDataset implements AutoCloseable {
    private final Dataset host;
    private final Matrix images;
    private final IntVector labels;
    private IntVector identity;

    public DeviceDataset(Backend backend, Dataset host) {
        this.host = host;
        Matrix im = backend.upload(host.images(), host.size(), host.features());
        try {
            this.labels = backend.uploadInts(host.labels());
        } catch (RuntimeException e) {
            im.close();
            throw e;
        }
        this.images = im;
    }

    public Dataset host() { return host; }
    public Matrix images() { return images; }
    public IntVector labels() { return labels; }
    public int size() { return host.size(); }

    /**
     * Loss, accuracy and (optionally) the confusion matrix of a network on this whole dataset:
     * runs it over the dataset in chunks of {@code batch} rows (the last chunk may be smaller).
     *
     * @param confusion whether to build the confusion matrix (downloads one int per row)
     */
    public Evaluation evaluate(Sequential net, int batch, boolean confusion) {
        Backend be = net.backend();
        if (identity == null) {
            int[] idx = new int[size()];
            for (int i = 0; i < idx.length; i++) idx[i] = i;
            identity = be.uploadInts(idx);
        }
        // Sized by the network too: it may have more outputs than the data has classes.
        int classes = Math.max(host.classes(), net.outputs());
        long[][] cm = confusion ? new long[classes][classes] : null;
        double lossSum = 0;
        int correct = 0;
        Matrix x = null;
        IntVector t = null, pred = null;
        try {
            for (int start = 0; start < size(); start += batch) {
                int n = Math.min(batch, size() - start);
                if (x == null || x.rows() != n) {
                    closeAll(x, t, pred);
                    x = be.alloc(n, host.features());
                    t = be.allocInts(n);
                    pred = confusion ? be.allocInts(n) : null;
                }
                be.gatherRows(images, identity, start, x);
                be.gatherInts(labels, identity, start, t);
                lossSum += (double) net.loss(x, t) * n;
                correct += be.countCorrect(net.logits(), t);
                if (cm != null) {
                    be.argmaxRows(net.logits(), pred);
                    int[] p = be.downloadInts(pred);
                    for (int i = 0; i < n; i++) cm[host.labels()[start + i]][p[i]]++;
                }
            }
        } finally {
            closeAll(x, t, pred);
        }
        return new Evaluation(lossSum / size(), correct, size(), cm);
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
        images.close();
        labels.close();
        if (identity != null) identity.close();
    }
}
