package dev.clayers.bench;

import dev.clayers.backend.IntVector;
import dev.clayers.backend.Matrix;
import dev.clayers.backend.Verifier;
import dev.clayers.net.Activation;
import dev.clayers.net.ImageShape;
import dev.clayers.net.LayerSpec;
import dev.clayers.net.NetSpec;
import dev.clayers.net.Sequential;
import dev.clayers.net.WeightInit;
import dev.clayers.train.Optimizer;

import java.util.List;
import java.util.Random;

/** Bench cases of conv nets, kept apart from the perceptron cases of {@link BenchCases}. */
public final class ConvBenchCases {
    private ConvBenchCases() {}

    /** The book's simple conv net, as {@code peers/cnn_numpy.py} times it. */
    public static final String BOOK_NET = "conv30k5-pool2-100";

    /**
     * One training step of a conv net in {@link NetSpec} notation on 28x28 images: gradient then
     * an SGD step (lr 0.1), He init; inputs uniform in [0, 1) and labels uniform (as the NumPy
     * peer draws them), both uploaded once.
     */
    public static BenchCase trainStep(String net, int batch) {
        List<LayerSpec> layers = NetSpec.parse(net, new ImageShape(1, 28, 28), 10, Activation.RELU, 0f);
        return new BenchCase(Workload.TRAIN, net + " batch " + batch, batch, b -> {
            Random rnd = new Random(14);
            float[] xs = new float[batch * 784];
            for (int i = 0; i < xs.length; i++) xs[i] = rnd.nextFloat();
            Sequential s = Sequential.of(b, WeightInit.HE, 14, layers);
            Optimizer opt = Optimizer.create("sgd", b, 0.1f);
            Matrix x = b.upload(xs, batch, 784);
            IntVector t = b.uploadInts(Verifier.randomInts(rnd, batch, 10));
            return new BenchCase.Run() {
                @Override public void call() {
                    s.gradient(x, t);
                    opt.step(s.params());
                }

                @Override public void close() {
                    t.close();
                    x.close();
                    opt.close();
                    s.close();
                }
            };
        });
    }
}
