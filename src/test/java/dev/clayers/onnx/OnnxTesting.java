package dev.clayers.onnx;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.clayers.backend.Backend;
import dev.clayers.backend.Matrix;
import dev.clayers.data.Dataset;
import dev.clayers.data.MnistDataset;
import dev.clayers.net.Sequential;

import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.Map;

/** What the ONNX tests share: a batch of real digits, clayers' logits, ONNX Runtime's logits. */
final class OnnxTesting {
    private OnnxTesting() {}

    /** The first {@code n} test digits of the bundled MNIST, as rows of 784 values in [0, 1]. */
    static synchronized float[] digits(int n) {
        if (test == null) test = MnistDataset.bundled().test();
        return Arrays.copyOf(test.images(), n * test.features());
    }

    private static Dataset test;

    /** {@code net}'s logits for {@code rows} rows of {@code x}, predicting (dropout off, running averages). */
    static float[] logits(Sequential net, float[] x, int rows) {
        Backend be = net.backend();
        try (Matrix in = be.upload(x, rows, net.inputs())) {
            return be.download(net.predict(in));
        }
    }

    /** ONNX Runtime's first output for {@code x} shaped {@code shape}, flattened row-major. */
    static float[] runtime(byte[] model, float[] x, long[] shape) throws OrtException {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setIntraOpNumThreads(1);   // the tests share few cores
            try (OrtSession session = env.createSession(model, options);
                 OnnxTensor input = OnnxTensor.createTensor(env, FloatBuffer.wrap(x), shape);
                 OrtSession.Result result = session.run(Map.of(session.getInputNames().iterator().next(), input))) {
                float[][] y = (float[][]) result.get(0).getValue();
                float[] flat = new float[y.length * y[0].length];
                for (int r = 0; r < y.length; r++) System.arraycopy(y[r], 0, flat, r * y[0].length, y[0].length);
                return flat;
            }
        }
    }

    static double maxAbsDiff(float[] a, float[] b) {
        if (a.length != b.length) throw new AssertionError("lengths " + a.length + " and " + b.length);
        double m = 0;
        for (int i = 0; i < a.length; i++) m = Math.max(m, Math.abs((double) a[i] - b[i]));
        return m;
    }
}
