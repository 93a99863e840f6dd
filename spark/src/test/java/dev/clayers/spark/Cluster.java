package dev.clayers.spark;

import dev.clayers.data.Dataset;
import org.apache.spark.ml.linalg.VectorUDT;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * A real Spark cluster on this machine for the tests: {@code local-cluster[2,1,1024]} (memory per worker: system property {@code clayers.spark.workerMemory}), a master and
 * two workers inside this JVM, each worker launching its executor as a JVM of its own from
 * {@code $SPARK_HOME/jars} (the Spark home that the build assembles in {@code target/spark-home}).
 * The executors get this module's classes on their class path. One session per test JVM.
 */
final class Cluster {
    private static SparkSession session;

    private Cluster() {}

    static synchronized SparkSession session() {
        if (session != null) return session;
        String home = System.getenv("SPARK_HOME");
        if (home == null || !Files.isDirectory(Path.of(home, "jars"))) {
            fail("SPARK_HOME (" + home + ") has no jars folder; run the tests through Maven, which assembles target/spark-home");
        }
        String classes = System.getProperty("clayers.spark.classes", "target/classes");
        String testClasses = System.getProperty("clayers.spark.testClasses", "target/test-classes");
        Path jsig = Path.of(System.getProperty("java.home"), "lib", "libjsig.so");
        SparkSession.Builder b = SparkSession.builder()
                .master("local-cluster[2,1," + System.getProperty("clayers.spark.workerMemory", "1024") + "]").appName("clayers-spark tests")
                .config("spark.executor.memory", System.getProperty("clayers.spark.executorMemory", "768m"))
                .config("spark.executor.extraClassPath", classes + File.pathSeparator + testClasses)
                .config("spark.executor.extraJavaOptions", "--add-modules jdk.incubator.vector")
                .config("spark.ui.enabled", "false")
                .config("spark.driver.host", "127.0.0.1")
                .config("spark.sql.shuffle.partitions", "2")
                // Executors that never start make the test fail instead of waiting for ever.
                .config("spark.scheduler.barrier.maxConcurrentTasksCheck.maxFailures", "8")
                .config("spark.scheduler.barrier.maxConcurrentTasksCheck.interval", "5s");
        if (Files.exists(jsig)) b.config("spark.executorEnv.LD_PRELOAD", jsig.toString());
        // PoCL, where installed, shows each executor two devices of one thread each (opencl:0:0, opencl:0:1),
        // as the core's several-devices tests see them: an executor with several devices.
        b.config("spark.executorEnv.POCL_DEVICES", "pthread pthread").config("spark.executorEnv.POCL_MAX_PTHREAD_COUNT", "1");
        session = b.getOrCreate();
        waitForExecutors(2, 120);
        return session;
    }

    /** Waits until {@code n} executors are registered (they start as separate JVMs, which takes seconds). */
    static void waitForExecutors(int n, int seconds) {
        long end = System.nanoTime() + seconds * 1_000_000_000L;
        while (executors() < n) {
            if (System.nanoTime() > end) fail(n + " executors did not register within " + seconds + " s (" + executors() + " did)");
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                fail("interrupted");
            }
        }
    }

    /** Live executors (the driver not counted). */
    static int executors() {
        return session.sparkContext().statusTracker().getExecutorInfos().length - 1;
    }

    /** The JVM of executor {@code id}, among this JVM's descendants (local-cluster workers launch them). */
    static Optional<ProcessHandle> executorProcess(String id) {
        return ProcessHandle.current().descendants()
                .filter(p -> p.info().commandLine().map(c -> c.contains("CoarseGrainedExecutorBackend")
                        && c.matches(".*--executor-id " + id + "( .*|$)")).orElse(false))
                .findFirst();
    }

    /** Rows of (features: vector, label: double) from a clayers data set, first {@code n} rows. */
    static org.apache.spark.sql.Dataset<Row> frame(Dataset data, int n) {
        StructType schema = new StructType().add("features", new VectorUDT(), false).add("label", DataTypes.DoubleType, false);
        List<Row> rows = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            float[] f = data.row(i);
            double[] d = new double[f.length];
            for (int j = 0; j < f.length; j++) d[j] = f[j];
            rows.add(RowFactory.create(Vectors.dense(d), (double) data.label(i)));
        }
        return session().createDataFrame(rows, schema);
    }
}
