package dev.clayers.spark;

import dev.clayers.backend.Backend;
import dev.clayers.net.ModelFile;
import dev.clayers.net.Sequential;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.ml.Model;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.DefaultParamsWriter;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.ml.util.MLWritable;
import org.apache.spark.ml.util.MLWriter;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructType;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * A trained clayers network as a Spark ML {@link Model}: {@link #transform} adds the predicted class
 * (a double, as Spark's classifiers give it) and the class probabilities (a vector) to every row,
 * computed on the executors' devices ({@link #setDevice}) in chunks of rows.
 *
 * <p>{@code write().save(path)} writes Spark's metadata and {@code path/model.safetensors}, a clayers
 * model file that the core library ({@code ModelFile.load}) and the CLI ({@code clayers eval --model})
 * read as they read any other; {@link #load} reads the directory back.
 */
public final class ClayersModel extends Model<ClayersModel> implements MLWritable {
    private static final long serialVersionUID = 1L;
    /** The model file's name inside a saved model's directory. */
    public static final String MODEL_FILE = "model.safetensors";
    /** Rows per device call in {@link #transform}. */
    private static final int CHUNK = 1024;

    private final String uid;
    private final byte[] file;
    private final transient List<EpochReport> history;
    private transient ModelFile.Model parsed;

    private final Param<String> featuresCol;
    private final Param<String> labelCol;
    private final Param<String> predictionCol;
    private final Param<String> probabilityCol;
    private final Param<String> device;

    ClayersModel(String uid, byte[] file, List<EpochReport> history) {
        this.uid = uid;
        // After the uid: a Param takes its parent's uid when made.
        this.featuresCol = new Param<>(this, "featuresCol", "features column: a vector, or an array of numbers");
        this.labelCol = new Param<>(this, "labelCol", "label column (not read by transform)");
        this.predictionCol = new Param<>(this, "predictionCol", "prediction column transform adds");
        this.probabilityCol = new Param<>(this, "probabilityCol", "class-probability column transform adds");
        this.device = new Param<>(this, "device", "each executor's device for predictions: auto, cpu,"
                + " an id or name (the first of a list)");
        this.file = file;
        this.history = history == null ? List.of() : history;
        setDefault(featuresCol, "features");
        setDefault(labelCol, "label");
        setDefault(predictionCol, "prediction");
        setDefault(probabilityCol, "probability");
        setDefault(device, "auto");
    }

    /**
     * A model of a clayers model file's bytes (a {@code .safetensors} from {@code clayers train --save},
     * {@code ModelFile.save} or another model's {@link #MODEL_FILE}), to score rows with Spark.
     *
     * @throws IllegalArgumentException when the bytes are not a clayers model file
     */
    public static ClayersModel fromModelFile(byte[] bytes) {
        ClayersModel m = new ClayersModel(org.apache.spark.ml.util.Identifiable$.MODULE$.randomUID("clayers"), bytes, List.of());
        m.network();
        return m;
    }

    @Override public String uid() { return uid; }

    /** The features column (default {@code features}). */
    public Param<String> featuresCol() { return featuresCol; }
    /** The label column, kept from the estimator (default {@code label}). */
    public Param<String> labelCol() { return labelCol; }
    /** The prediction column (default {@code prediction}). */
    public Param<String> predictionCol() { return predictionCol; }
    /** The probability column (default {@code probability}). */
    public Param<String> probabilityCol() { return probabilityCol; }
    /** The executors' device for predictions (default auto). */
    public Param<String> device() { return device; }

    /** Sets {@link #featuresCol()}. */
    public ClayersModel setFeaturesCol(String v) { set(featuresCol, v); return this; }
    /** Sets {@link #predictionCol()}. */
    public ClayersModel setPredictionCol(String v) { set(predictionCol, v); return this; }
    /** Sets {@link #probabilityCol()}. */
    public ClayersModel setProbabilityCol(String v) { set(probabilityCol, v); return this; }
    /** Sets {@link #device()}. */
    public ClayersModel setDevice(String v) { set(device, v); return this; }

    /** The epochs of the {@code fit} that made this model (empty for a loaded one). */
    public List<EpochReport> history() { return history; }

    /** The network: layers, weights and metadata, as the core library reads them. */
    public synchronized ModelFile.Model network() {
        if (parsed == null) {
            try {
                parsed = NetBytes.read(file);
            } catch (UncheckedIOException e) {
                throw new IllegalArgumentException("not a clayers model file: " + e.getCause().getMessage(), e);
            }
        }
        return parsed;
    }

    /** The model file's bytes (what {@code save} writes as {@link #MODEL_FILE}). */
    public byte[] modelFileBytes() { return file.clone(); }

    @Override
    public StructType transformSchema(StructType schema) {
        Columns.requireFeatures(schema, getOrDefault(featuresCol));
        return Columns.withOutputs(schema, getOrDefault(predictionCol), getOrDefault(probabilityCol));
    }

    @Override
    public org.apache.spark.sql.Dataset<Row> transform(org.apache.spark.sql.Dataset<?> dataset) {
        StructType out = transformSchema(dataset.schema());
        String dev = Devices.check(getOrDefault(device));
        SparkSession spark = dataset.sparkSession();
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        Broadcast<byte[]> shared = jsc.broadcast(file);
        int features = dataset.schema().fieldIndex(getOrDefault(featuresCol));
        int inputs = network().inputs();
        JavaRDD<Row> scored = dataset.toDF().javaRDD().mapPartitions(new Predict(shared, dev, features, inputs));
        return spark.createDataFrame(scored, out);
    }

    /** Scores one partition in chunks on this executor's device. */
    private static final class Predict implements FlatMapFunction<Iterator<Row>, Row> {
        private static final long serialVersionUID = 1L;
        private final Broadcast<byte[]> file;
        private final String device;
        private final int column;
        private final int inputs;

        Predict(Broadcast<byte[]> file, String device, int column, int inputs) {
            this.file = file;
            this.device = device;
            this.column = column;
            this.inputs = inputs;
        }

        @Override
        public Iterator<Row> call(Iterator<Row> rows) {
            if (!rows.hasNext()) return java.util.Collections.emptyIterator();
            ModelFile.Model m = NetBytes.read(file.value());
            Backend be = Devices.of(device).get(0);
            List<Row> out = new ArrayList<>();
            try (Sequential net = m.build(be)) {
                List<Row> chunk = new ArrayList<>(CHUNK);
                while (rows.hasNext()) {
                    chunk.add(rows.next());
                    if (chunk.size() == CHUNK || !rows.hasNext()) {
                        float[] x = new float[chunk.size() * inputs];
                        for (int i = 0; i < chunk.size(); i++) {
                            float[] f = Columns.features(chunk.get(i), column);
                            if (f.length != inputs) {
                                throw new IllegalArgumentException("a row has " + f.length + " features; the network takes " + inputs);
                            }
                            System.arraycopy(f, 0, x, i * inputs, inputs);
                        }
                        double[][] p = net.predictProbabilities(x, chunk.size());
                        for (int i = 0; i < chunk.size(); i++) {
                            Row r = chunk.get(i);
                            Object[] values = new Object[r.length() + 2];
                            for (int c = 0; c < r.length(); c++) values[c] = r.get(c);
                            int best = 0;
                            for (int k = 1; k < p[i].length; k++) if (p[i][k] > p[i][best]) best = k;
                            values[r.length()] = (double) best;
                            values[r.length() + 1] = Vectors.dense(p[i]);
                            out.add(RowFactory.create(values));
                        }
                        chunk.clear();
                    }
                }
            }
            return out.iterator();
        }
    }

    @Override
    public ClayersModel copy(ParamMap extra) {
        ClayersModel m = new ClayersModel(uid, file, history);
        return copyValues(m, extra).setParent(parent());
    }

    @Override
    public MLWriter write() {
        return new Writer(this);
    }

    /** Spark's metadata (the params) and the clayers model file. */
    private static final class Writer extends MLWriter {
        private final ClayersModel model;

        Writer(ClayersModel model) {
            this.model = model;
        }

        @Override
        public void saveImpl(String path) {
            DefaultParamsWriter.saveMetadata(model, path, sc(), scala.Option.empty(), scala.Option.empty());
            Path p = new Path(path, MODEL_FILE);
            try {
                FileSystem fs = p.getFileSystem(sc().hadoopConfiguration());
                try (FSDataOutputStream o = fs.create(p, true)) {
                    o.write(model.file);
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write " + p + ": " + e.getMessage(), e);
            }
        }
    }

    /** Reads a model saved with {@code write().save(path)}. */
    public static MLReader<ClayersModel> read() { return new Reader(); }

    /** {@code read().load(path)}. */
    public static ClayersModel load(String path) { return read().load(path); }

    private static final class Reader extends MLReader<ClayersModel> {
        @Override
        public ClayersModel load(String path) {
            DefaultParamsReader.Metadata meta = DefaultParamsReader.loadMetadata(path, sc(), ClayersModel.class.getName());
            Path p = new Path(path, MODEL_FILE);
            byte[] bytes;
            try {
                FileSystem fs = p.getFileSystem(sc().hadoopConfiguration());
                try (FSDataInputStream in = fs.open(p)) {
                    bytes = in.readAllBytes();
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + p + ": " + e.getMessage(), e);
            }
            ClayersModel m = new ClayersModel(meta.uid(), bytes, List.of());
            m.network();
            meta.getAndSetParams(m, scala.Option.empty());
            return m;
        }
    }
}
