package dev.clayers.spark;

import dev.clayers.data.DataSplit;
import dev.clayers.data.Dataset;
import dev.clayers.data.MnistDataset;
import org.apache.spark.ml.classification.MultilayerPerceptronClassifier;
import org.apache.spark.ml.evaluation.MulticlassClassificationEvaluator;
import org.apache.spark.ml.linalg.VectorUDT;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Supplier;

/**
 * clayers-spark beside Spark ML's {@code MultilayerPerceptronClassifier} on the same two-executor
 * cluster, the same data and the same layer sizes (784-100-10): test accuracy and wall time of
 * {@code fit}, repeated, printed as the rows of docs/spark.md's table. Not part of {@code verify}
 * (tag {@code comparison}, which the pom's {@code spark.excludedGroups} excludes); run it from
 * {@code spark/}, as docs/spark.md gives it, with
 * {@code mvn -B -o -q -s ../target/spark-settings.xml -Dmaven.repo.local=$PWD/../target/spark-repo test
 * -Dtest=MlpComparisonTest -Dspark.excludedGroups=none -Dcompare.repeats=3} (see docs/spark.md for the
 * memory settings of larger data). System properties: {@code compare.data} ({@code bundled}, or an
 * MNIST-format folder such as {@code /usr/share/datasets/fashion-mnist}), {@code compare.repeats} (3),
 * {@code compare.epochs} (clayers' epochs, 10), {@code compare.augment} (clayers' random shifts, 1 pixel), {@code compare.averageEvery} (1: synchronous), {@code compare.maxIter} (the MLP's L-BFGS iterations, 100).
 */
@Tag("comparison")
class MlpComparisonTest {
    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    private static String stats(double[] v, String format) {
        double[] s = v.clone();
        Arrays.sort(s);
        if (s.length == 1) return String.format(format, s[0]);
        return String.format(format + " (" + format + " / " + format + ")", median(s), s[0], s[s.length - 1]);
    }

    /** The rows {@code from..to-1} of {@code data}, made on the executors (each reads the files itself). */
    private static org.apache.spark.sql.Dataset<Row> frame(SparkSession spark, String source, boolean train, int parts) {
        StructType schema = new StructType().add("features", new VectorUDT(), false).add("label", DataTypes.DoubleType, false);
        List<Integer> ids = new ArrayList<>();
        for (int i = 0; i < parts; i++) ids.add(i);
        org.apache.spark.api.java.JavaRDD<Row> rows = org.apache.spark.api.java.JavaSparkContext.fromSparkContext(spark.sparkContext())
                .parallelize(ids, parts).flatMap(part -> {
                    Dataset d = load(source, train);
                    int n = d.size(), from = (int) ((long) n * part / parts), to = (int) ((long) n * (part + 1) / parts);
                    List<Row> out = new ArrayList<>(to - from);
                    for (int i = from; i < to; i++) {
                        float[] f = d.row(i);
                        double[] x = new double[f.length];
                        for (int j = 0; j < f.length; j++) x[j] = f[j];
                        out.add(RowFactory.create(Vectors.dense(x), (double) d.label(i)));
                    }
                    return out.iterator();
                });
        return spark.createDataFrame(rows, schema);
    }

    private static Dataset load(String source, boolean train) throws java.io.IOException {
        DataSplit s = source.equals("bundled") ? MnistDataset.bundled() : MnistDataset.load(Path.of(source));
        return train ? s.train() : s.test();
    }

    private record Result(double accuracy, double seconds) {}

    private static Result time(Supplier<org.apache.spark.ml.Model<?>> fit, org.apache.spark.sql.Dataset<Row> test) {
        long t0 = System.nanoTime();
        org.apache.spark.ml.Model<?> m = fit.get();
        double s = (System.nanoTime() - t0) / 1e9;
        double acc = new MulticlassClassificationEvaluator().setMetricName("accuracy").evaluate(m.transform(test));
        return new Result(acc, s);
    }

    @Test
    void compareWithMultilayerPerceptronClassifier() {
        String source = System.getProperty("compare.data", "bundled");
        int repeats = Integer.getInteger("compare.repeats", 3);
        int epochs = Integer.getInteger("compare.epochs", 10);
        int augment = Integer.getInteger("compare.augment", 1);
        int every = Integer.getInteger("compare.averageEvery", 1);
        int maxIter = Integer.getInteger("compare.maxIter", 100);
        SparkSession spark = Cluster.session();
        org.apache.spark.sql.Dataset<Row> train = frame(spark, source, true, 2).cache();
        org.apache.spark.sql.Dataset<Row> test = frame(spark, source, false, 2).cache();
        long n = train.count(), m = test.count();
        double[] ca = new double[repeats], cs = new double[repeats], ma = new double[repeats], ms = new double[repeats];
        for (int r = 0; r < repeats; r++) {
            long seed = 42 + r;
            Result c = time(() -> new ClayersClassifier().setNet("100").setEpochs(epochs).setBatch(100).setAugment(augment).setAverageEvery(every).setDevice("cpu")
                    .setNumWorkers(2).setSeed(seed).fit(train), test);
            Result p = time(() -> new MultilayerPerceptronClassifier().setLayers(new int[] {784, 100, 10}).setMaxIter(maxIter)
                    .setSeed(seed).fit(train), test);
            System.out.printf("repeat %d: clayers %.4f in %.1f s, MultilayerPerceptronClassifier %.4f in %.1f s%n", r + 1,
                    c.accuracy, c.seconds, p.accuracy, p.seconds);
            ca[r] = c.accuracy;
            cs[r] = c.seconds;
            ma[r] = p.accuracy;
            ms[r] = p.seconds;
        }
        double[] load = new double[1];
        load[0] = java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
        System.out.printf("data %s: %d train / %d test rows, %d repeat(s), load average at the end %.2f%n", source, n, m, repeats, load[0]);
        System.out.println("| classifier | settings | test accuracy | fit wall time, s |");
        System.out.printf("| clayers-spark | net 100, Adam lr 0.002 cosine, batch 100, %d epochs, shifts %d px, device cpu%s | %s | %s |%n", epochs, augment,
                every > 1 ? ", averaging every " + every + " steps" : "",
                stats(ca, "%.4f"), stats(cs, "%.1f"));
        System.out.printf("| MultilayerPerceptronClassifier | layers 784-100-10, L-BFGS, maxIter %d, blockSize 128 | %s | %s |%n",
                maxIter, stats(ma, "%.4f"), stats(ms, "%.1f"));
    }
}
