package example;

import dev.clayers.backend.Backend;
import dev.clayers.backend.Backends;
import dev.clayers.data.DataSplit;
import dev.clayers.data.Dataset;
import dev.clayers.data.MnistDataset;
import dev.clayers.data.Normaliser;
import dev.clayers.net.Evaluation;
import dev.clayers.net.Layers;
import dev.clayers.net.ModelFile;
import dev.clayers.net.Sequential;
import dev.clayers.train.EarlyStopping;
import dev.clayers.train.FitOptions;
import dev.clayers.train.History;
import dev.clayers.train.Schedule;
import dev.clayers.train.Training;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

public class Example {
    public static void main(String[] args) throws Exception {
        // 3,000 of the bundled MNIST digits: 90 % to train on, 10 % (stratified) to validate on; a test set apart.
        DataSplit mnist = MnistDataset.bundled();
        DataSplit split = mnist.train().subset(0, 3000).stratifiedSplit(0.9, 7);
        Dataset train = split.train(), validation = split.test(), test = mnist.test();
        Normaliser normaliser = Normaliser.standardise(train);   // fitted on the training rows only
        Path file = Files.createTempFile("digits", ".safetensors");

        // A CNN declared from its input shape: every size comes from the layer before.
        Layers cnn = Layers.input(1, 28, 28).conv(8, 5).batchNorm().relu().maxPool(2).dense(32).relu().dense(10);
        try (Backend backend = Backends.open(args.length > 0 ? args[0] : "auto");
             Sequential net = Sequential.of(backend, cnn)) {
            net.setNormaliser(normaliser);   // predict, evaluate and fit apply it to raw rows
            System.out.print(net.summary());
            FitOptions options = FitOptions.builder().epochs(12).batch(50).learningRate(0.003f)
                    .schedule(Schedule.step(4, 0.5f))   // halve the rate every 4 epochs
                    .earlyStopping(EarlyStopping.on(EarlyStopping.Monitor.VALIDATION_ACCURACY, 3).minDelta(0.001).restoringBest())
                    .build();
            History history = Training.fit(net, train, validation, options);
            System.out.printf("trained %d epochs (%s), best epoch %d%n", history.epochs().size(), history.stopped(),
                    history.bestEpoch());
            Evaluation eval = net.evaluate(test);
            System.out.print(eval.report());
            System.out.printf("test accuracy %.3f%n", eval.accuracy());
            ModelFile.save(file, net, Map.of("note", "digits example"));   // the normaliser is saved with it
        }

        // Load it again and serve predictions from 8 threads at once: each gets what one thread gets.
        try (Backend backend = Backends.open(args.length > 0 ? args[0] : "auto");
             Sequential loaded = ModelFile.load(file).build(backend)) {
            float[][] rows = test.subset(0, 200).toRows();
            int[] alone = loaded.predictClasses(rows);
            ExecutorService pool = Executors.newFixedThreadPool(8);
            List<Future<int[]>> answers = new ArrayList<>();
            for (int t = 0; t < 8; t++) answers.add(pool.submit(() -> loaded.predictClasses(rows)));
            boolean same = true;
            for (Future<int[]> f : answers) same &= Arrays.equals(alone, f.get());
            pool.shutdown();
            System.out.println("8 threads agree with one: " + same + "; first predictions "
                    + Arrays.toString(Arrays.copyOf(alone, 5)) + ", labels " + Arrays.toString(Arrays.copyOf(test.labels(), 5)));
        }
    }
}
