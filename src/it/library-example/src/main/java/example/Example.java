package example;

import dev.clayers.backend.Backend;
import dev.clayers.backend.Backends;
import dev.clayers.data.Dataset;
import dev.clayers.net.ModelFile;
import dev.clayers.net.Sequential;
import dev.clayers.train.FitOptions;
import dev.clayers.train.Training;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.Random;

import static dev.clayers.net.LayerSpec.affine;
import static dev.clayers.net.LayerSpec.dropout;
import static dev.clayers.net.LayerSpec.relu;

public class Example {
    public static void main(String[] args) throws Exception {
        // Points in the unit square; class 1 inside the circle of radius 0.35 around the centre.
        Random rng = new Random(1);
        float[][] x = new float[3000][];
        int[] y = new int[x.length];
        for (int i = 0; i < x.length; i++) {
            x[i] = new float[] {rng.nextFloat(), rng.nextFloat()};
            y[i] = Math.hypot(x[i][0] - 0.5, x[i][1] - 0.5) < 0.35 ? 1 : 0;
        }
        Dataset train = Dataset.of(Arrays.copyOf(x, 2500), Arrays.copyOf(y, 2500));
        Dataset test = Dataset.of(Arrays.copyOfRange(x, 2500, 3000), Arrays.copyOfRange(y, 2500, 3000));
        Path file = Files.createTempFile("circle", ".safetensors");

        try (Backend backend = Backends.open(args.length > 0 ? args[0] : "auto");
             Sequential net = Sequential.of(backend, affine(2, 64), relu(), dropout(0.1f), affine(64, 2))) {
            System.out.print(net.summary());
            Training.fit(net, train, test, FitOptions.builder().epochs(40).batch(50).learningRate(0.01f).build());
            System.out.printf("test accuracy %.3f%n", net.evaluate(test).accuracy());
            ModelFile.save(file, net, Map.of("note", "circle example"));

            try (Sequential loaded = ModelFile.load(file).build(backend)) {
                int[] classes = loaded.predictClasses(new float[][] {{0.5f, 0.5f}, {0.02f, 0.98f}});
                System.out.println("predicted " + Arrays.toString(classes));   // [1, 0]
            }
        }
    }
}
