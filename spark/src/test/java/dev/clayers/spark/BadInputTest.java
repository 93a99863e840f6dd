package dev.clayers.spark;

import dev.clayers.data.MnistDataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;
import org.junit.jupiter.api.Test;

import java.util.function.UnaryOperator;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Bad columns, notation and options end in an {@link IllegalArgumentException} that names what to fix. */
class BadInputTest {
    private static org.apache.spark.sql.Dataset<Row> data;

    private static synchronized org.apache.spark.sql.Dataset<Row> data() {
        if (data == null) data = Cluster.frame(MnistDataset.bundled().train(), 200).cache();
        return data;
    }

    private static void refused(UnaryOperator<ClayersClassifier> setup, String... words) {
        refused(setup, data(), words);
    }

    private static void refused(UnaryOperator<ClayersClassifier> setup, org.apache.spark.sql.Dataset<Row> df, String... words) {
        ClayersClassifier c = setup.apply(new ClayersClassifier().setDevice("cpu").setEpochs(1).setNumWorkers(2));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> c.fit(df));
        for (String w : words) assertTrue(e.getMessage().contains(w), "'" + e.getMessage() + "' lacks '" + w + "'");
    }

    @Test
    void columns() {
        refused(c -> c.setFeaturesCol("pixels"), "features column 'pixels' is not in the data", "[features, label]");
        refused(c -> c.setLabelCol("digit"), "label column 'digit'");
        refused(c -> c, data().withColumn("label", functions.lit("seven")), "label column 'label' is string", "StringIndexer");
        refused(c -> c.setPredictionCol("label"), "output column 'label' is already in the data");
        refused(c -> c, data().withColumn("label", functions.lit(-1.0)), "labels must be class numbers");
    }

    @Test
    void notationAndShapes() {
        refused(c -> c.setNet("conv30x5-100"), "net 'conv30x5-100'");
        refused(c -> c.setNet("conv8k5-100").setInputShape("1x20x20"), "inputShape 1x20x20 holds 400 values", "784");
        refused(c -> c.setActivation("swish"), "activation");
        refused(c -> c.setDropout(1.5), "dropout");
        refused(c -> c, data().limit(0), "no rows");
    }

    @Test
    void options() {
        refused(c -> c.setBatch(0), "batch");
        refused(c -> c.setBatch(500), "batch 500 is larger than the 200 training rows");
        refused(c -> c.setOptimizer("adamw"), "optimizer");
        refused(c -> c.setSchedule("sometimes"), "schedule");
        refused(c -> c.setLearningRate(-1), "learningRate");
        refused(c -> c.setAugment(20), "augment");
        refused(c -> c.setAugment(1).setInputShape("1x1x784"), "augment shifts one-channel images", "1x1x784");
        refused(c -> c.setDevice(" "), "device is empty");
        refused(c -> c.setDevice("cpu,,opencl:0:0"), "empty entry");
        refused(c -> c.setNumWorkers(-1), "numWorkers");
        refused(c -> c.setNumClasses(1), "numClasses");
    }
}
