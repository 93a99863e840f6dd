package dev.clayers.spark;

import dev.clayers.data.Dataset;
import dev.clayers.net.Activation;
import dev.clayers.net.ImageShape;
import dev.clayers.net.LayerSpec;
import dev.clayers.net.NetSpec;
import dev.clayers.net.Sequential;
import dev.clayers.net.WeightInit;
import dev.clayers.train.BatchShare;
import dev.clayers.train.FitOptions;
import dev.clayers.train.Optimizer;
import dev.clayers.train.Schedule;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.ml.Estimator;
import org.apache.spark.ml.param.DoubleParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.LongParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.DefaultParamsWritable;
import org.apache.spark.ml.util.Identifiable$;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.StructType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.IntStream;

/**
 * A clayers network as a Spark ML {@link Estimator}: {@link #fit} trains it on every executor's
 * devices at once and returns a {@link ClayersModel}, whose {@code transform} adds prediction
 * and probability columns. It fits in a {@code Pipeline} and saves with ML persistence.
 *
 * <pre>{@code
 * ClayersClassifier clf = new ClayersClassifier().setNet("conv30k5-pool2-100").setInputShape("1x28x28")
 *         .setEpochs(5).setBatch(100).setDevice("auto");
 * ClayersModel model = clf.fit(train);             // features: a vector column; label: 0, 1, 2, ...
 * Dataset<Row> scored = model.transform(test);     // + prediction, probability
 * model.write().overwrite().save("hdfs:///models/digits");   // .../model.safetensors is a clayers model file
 * }</pre>
 *
 * <p><b>Training.</b> Synchronous data parallelism through Spark alone: the training set goes to every
 * executor as a broadcast; each epoch is one barrier stage of {@link #setNumWorkers numWorkers}
 * tasks, all started together; every step each task computes its devices' shares of the batch, the
 * tasks exchange them with {@code BarrierTaskContext.allGather}, and every task adds them in the
 * same order and applies the same update. The result is single-process {@code Training.fit} over
 * all those devices, hence one device at the same batch within float tolerance (docs/spark.md). The
 * driver keeps the weights and optimizer state after each epoch: when a task or an executor fails,
 * Spark runs the epoch's stage again and it starts from them, so the run ends as if nothing had failed.
 * {@link #setAverageEvery averageEvery} K &gt; 1 trains a copy per executor instead and averages the
 * copies every K steps (parameter averaging: another algorithm, with fewer exchanges).
 *
 * <p>Bad settings fail in {@link #fit} with an {@link IllegalArgumentException} naming what to fix,
 * before any Spark job starts.
 */
public final class ClayersClassifier extends Estimator<ClayersModel> implements DefaultParamsWritable {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(ClayersClassifier.class);

    private final String uid;
    private transient Consumer<EpochReport> listener = r -> { };

    private final Param<String> featuresCol;
    private final Param<String> labelCol;
    private final Param<String> predictionCol;
    private final Param<String> probabilityCol;
    private final Param<String> net;
    private final Param<String> activation;
    private final DoubleParam dropout;
    private final Param<String> inputShape;
    private final IntParam numClasses;
    private final IntParam epochs;
    private final IntParam batch;
    private final Param<String> optimizer;
    private final DoubleParam learningRate;
    private final Param<String> schedule;
    private final DoubleParam weightDecay;
    private final IntParam augment;
    private final LongParam seed;
    private final Param<String> device;
    private final IntParam numWorkers;
    private final IntParam averageEvery;

    /** A classifier with a fresh uid and the defaults (784-100-10-style: net "100", Adam lr 0.002, batch 100, 10 epochs, device auto). */
    public ClayersClassifier() {
        this(Identifiable$.MODULE$.randomUID("clayers"));
    }

    /** A classifier with the given uid (ML persistence makes them so). */
    public ClayersClassifier(String uid) {
        this.uid = uid;
        // After the uid: a Param takes its parent's uid when made.
        this.featuresCol = new Param<>(this, "featuresCol", "features column: a vector, or an array of numbers");
        this.labelCol = new Param<>(this, "labelCol", "label column: class numbers 0, 1, 2, ...");
        this.predictionCol = new Param<>(this, "predictionCol", "prediction column the model adds");
        this.probabilityCol = new Param<>(this, "probabilityCol", "class-probability column the model adds");
        this.net = new Param<>(this, "net", "the network in clayers' notation: " + NetSpec.SYNTAX);
        this.activation = new Param<>(this, "activation", "activation after every hidden layer: "
                + Activation.ids());
        this.dropout = new DoubleParam(this, "dropout", "dropout after hidden affine layers, 0 for none");
        this.inputShape = new Param<>(this, "inputShape", "CxHxW of the features (auto: 1xSxS when"
                + " the count is a square S*S, else rows)");
        this.numClasses = new IntParam(this, "numClasses", "classes (0: the largest label + 1)");
        this.epochs = new IntParam(this, "epochs", "passes over the training set");
        this.batch = new IntParam(this, "batch", "global mini-batch size, shared by every device");
        this.optimizer = new Param<>(this, "optimizer", "update rule: " + Optimizer.KINDS);
        this.learningRate = new DoubleParam(this, "learningRate", "step size at the start of the schedule");
        this.schedule = new Param<>(this, "schedule", "learning-rate schedule: " + Schedule.SYNTAX);
        this.weightDecay = new DoubleParam(this, "weightDecay", "L2 penalty on the weights, 0 for none");
        this.augment = new IntParam(this, "augment", "random shifts of up to this many pixels (images)");
        this.seed = new LongParam(this, "seed", "seeds the weights, the batch order, dropout and shifts");
        this.device = new Param<>(this, "device", "each executor's devices: auto, cpu, all, an id or"
                + " name, or a comma-separated list (an executor with several uses them all)");
        this.numWorkers = new IntParam(this, "numWorkers", "training tasks, one per executor (0: as many as"
                + " the cluster has executors)");
        this.averageEvery = new IntParam(this, "averageEvery", "1: synchronous steps; K > 1: parameter averaging, each"
                + " executor's copy trained on its rows and the copies averaged every K steps");
        setDefault(featuresCol, "features");
        setDefault(labelCol, "label");
        setDefault(predictionCol, "prediction");
        setDefault(probabilityCol, "probability");
        setDefault(net, "100");
        setDefault(activation, "relu");
        setDefault(dropout, 0.0);
        setDefault(inputShape, "auto");
        setDefault(numClasses, 0);
        setDefault(epochs, 10);
        setDefault(batch, 100);
        setDefault(optimizer, "adam");
        setDefault(learningRate, 0.002);
        setDefault(schedule, "cosine");
        setDefault(weightDecay, 0.0);
        setDefault(augment, 0);
        setDefault(seed, 42L);
        setDefault(device, "auto");
        setDefault(numWorkers, 0);
        setDefault(averageEvery, 1);
    }

    @Override public String uid() { return uid; }

    /** The features column (default {@code features}). */
    public Param<String> featuresCol() { return featuresCol; }
    /** The label column (default {@code label}). */
    public Param<String> labelCol() { return labelCol; }
    /** The prediction column the model adds (default {@code prediction}). */
    public Param<String> predictionCol() { return predictionCol; }
    /** The probability column the model adds (default {@code probability}). */
    public Param<String> probabilityCol() { return probabilityCol; }
    /** The network in clayers' notation (default {@code 100}: one hidden layer of 100). */
    public Param<String> net() { return net; }
    /** The hidden layers' activation (default relu). */
    public Param<String> activation() { return activation; }
    /** Dropout after hidden affine layers (default 0). */
    public DoubleParam dropout() { return dropout; }
    /** The features' image shape (default auto). */
    public Param<String> inputShape() { return inputShape; }
    /** The number of classes (default 0: from the labels). */
    public IntParam numClasses() { return numClasses; }
    /** Epochs (default 10). */
    public IntParam epochs() { return epochs; }
    /** The global batch (default 100). */
    public IntParam batch() { return batch; }
    /** The optimizer (default adam). */
    public Param<String> optimizer() { return optimizer; }
    /** The learning rate (default 0.002). */
    public DoubleParam learningRate() { return learningRate; }
    /** The schedule (default cosine). */
    public Param<String> schedule() { return schedule; }
    /** Weight decay (default 0). */
    public DoubleParam weightDecay() { return weightDecay; }
    /** Random shifts in pixels (default 0). */
    public IntParam augment() { return augment; }
    /** The seed (default 42). */
    public LongParam seed() { return seed; }
    /** The executors' devices (default auto). */
    public Param<String> device() { return device; }
    /** Training tasks (default 0: one per executor). */
    public IntParam numWorkers() { return numWorkers; }
    /** 1 (default): synchronous; K > 1: each executor trains its own copy and the copies are averaged every K steps. */
    public IntParam averageEvery() { return averageEvery; }

    /** Sets {@link #featuresCol()}. */
    public ClayersClassifier setFeaturesCol(String v) { set(featuresCol, v); return this; }
    /** Sets {@link #labelCol()}. */
    public ClayersClassifier setLabelCol(String v) { set(labelCol, v); return this; }
    /** Sets {@link #predictionCol()}. */
    public ClayersClassifier setPredictionCol(String v) { set(predictionCol, v); return this; }
    /** Sets {@link #probabilityCol()}. */
    public ClayersClassifier setProbabilityCol(String v) { set(probabilityCol, v); return this; }
    /** Sets {@link #net()}: {@code 100}, {@code 512-256}, {@code conv30k5-pool2-100}, ... */
    public ClayersClassifier setNet(String v) { set(net, v); return this; }
    /** Sets {@link #activation()}. */
    public ClayersClassifier setActivation(String v) { set(activation, v); return this; }
    /** Sets {@link #dropout()}. */
    public ClayersClassifier setDropout(double v) { set(dropout, v); return this; }
    /** Sets {@link #inputShape()}: {@code CxHxW} or {@code auto}. */
    public ClayersClassifier setInputShape(String v) { set(inputShape, v); return this; }
    /** Sets {@link #numClasses()}. */
    public ClayersClassifier setNumClasses(int v) { set(numClasses, v); return this; }
    /** Sets {@link #epochs()}. */
    public ClayersClassifier setEpochs(int v) { set(epochs, v); return this; }
    /** Sets {@link #batch()}. */
    public ClayersClassifier setBatch(int v) { set(batch, v); return this; }
    /** Sets {@link #optimizer()}: sgd, momentum, adagrad, rmsprop, adam. */
    public ClayersClassifier setOptimizer(String v) { set(optimizer, v); return this; }
    /** Sets {@link #learningRate()}. */
    public ClayersClassifier setLearningRate(double v) { set(learningRate, v); return this; }
    /** Sets {@link #schedule()}. */
    public ClayersClassifier setSchedule(String v) { set(schedule, v); return this; }
    /** Sets {@link #weightDecay()}. */
    public ClayersClassifier setWeightDecay(double v) { set(weightDecay, v); return this; }
    /** Sets {@link #augment()}. */
    public ClayersClassifier setAugment(int v) { set(augment, v); return this; }
    /** Sets {@link #seed()}. */
    public ClayersClassifier setSeed(long v) { set(seed, v); return this; }
    /** Sets {@link #device()}. */
    public ClayersClassifier setDevice(String v) { set(device, v); return this; }
    /** Sets {@link #numWorkers()}. */
    public ClayersClassifier setNumWorkers(int v) { set(numWorkers, v); return this; }
    /** Sets {@link #averageEvery()}. */
    public ClayersClassifier setAverageEvery(int v) { set(averageEvery, v); return this; }

    /** Told of every epoch on the driver, as it ends (not saved with the estimator). */
    public ClayersClassifier setEpochListener(Consumer<EpochReport> l) {
        this.listener = l == null ? r -> { } : l;
        return this;
    }

    private String str(Param<String> p) { return getOrDefault(p); }
    private int integer(IntParam p) { return (Integer) getOrDefault(p); }
    private double dbl(DoubleParam p) { return (Double) getOrDefault(p); }

    /** The fit options these params give (checked: an {@link IllegalArgumentException} names a bad one). */
    public FitOptions fitOptions() {
        Optimizer.Kind kind;
        try {
            kind = Optimizer.Kind.parse(str(optimizer));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("optimizer: " + e.getMessage(), e);
        }
        Schedule s;
        try {
            s = Schedule.parse(str(schedule));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("schedule: " + e.getMessage(), e);
        }
        return FitOptions.builder().epochs(integer(epochs)).batch(integer(batch)).optimizer(kind)
                .learningRate((float) dbl(learningRate)).schedule(s).weightDecay((float) dbl(weightDecay))
                .augment(integer(augment)).seed((Long) getOrDefault(seed)).build();
    }

    /**
     * The layers of {@link #net()} for {@code features} inputs and {@code classes} outputs.
     *
     * @throws IllegalArgumentException for bad notation, or a shape that does not hold the features
     */
    public List<LayerSpec> layers(int features, int classes) {
        ImageShape shape = shape(features);
        Activation act;
        try {
            act = Activation.parse(str(activation));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("activation: " + e.getMessage(), e);
        }
        double d = dbl(dropout);
        if (!(d >= 0 && d < 1)) throw new IllegalArgumentException("dropout must be in [0, 1), got " + d);
        try {
            return NetSpec.parse(str(net), shape, classes, act, (float) d);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("net '" + str(net) + "': " + e.getMessage(), e);
        }
    }

    private ImageShape shape(int features) {
        String s = str(inputShape).trim();
        if (s.equalsIgnoreCase("auto")) {
            int side = (int) Math.round(Math.sqrt(features));
            return side > 1 && side * side == features ? new ImageShape(1, side, side) : new ImageShape(1, 1, features);
        }
        ImageShape shape;
        try {
            shape = ImageShape.parse(s);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("inputShape '" + s + "': " + e.getMessage() + "; write CxHxW such as 1x28x28, or auto", e);
        }
        if (shape.size() != features) {
            throw new IllegalArgumentException("inputShape " + shape.id() + " holds " + shape.size() + " values but column "
                    + str(featuresCol) + " has " + features + " per row");
        }
        return shape;
    }

    @Override
    public StructType transformSchema(StructType schema) {
        Columns.requireFeatures(schema, str(featuresCol));
        Columns.requireLabel(schema, str(labelCol));
        return Columns.withOutputs(schema, str(predictionCol), str(probabilityCol));
    }

    @Override
    public ClayersModel fit(org.apache.spark.sql.Dataset<?> dataset) {
        transformSchema(dataset.schema());
        FitOptions options = fitOptions();
        String dev = Devices.check(str(device));
        int workers = integer(numWorkers);
        if (workers < 0) throw new IllegalArgumentException("numWorkers must be >= 0 (0: one per executor), got " + workers);
        org.apache.spark.sql.SparkSession spark = dataset.sparkSession();
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        if (workers == 0) workers = Math.max(1, jsc.sc().statusTracker().getExecutorInfos().length - 1);
        int every = integer(averageEvery);
        if (every < 1) throw new IllegalArgumentException("averageEvery must be >= 1 (1: synchronous), got " + every);
        int given = integer(numClasses);
        if (given < 0 || given == 1) throw new IllegalArgumentException("numClasses must be 0 (from the labels) or >= 2, got " + given);
        // The network's notation and shape are checked on the first row, before the whole set is read.
        List<Row> head = dataset.toDF().select(str(featuresCol)).takeAsList(1);
        if (head.isEmpty()) throw new IllegalArgumentException("the training data has no rows");
        layers(Columns.features(head.get(0), 0).length, Math.max(given, 2));

        long t0 = System.nanoTime();
        TrainingData data = Columns.collect(dataset.toDF(), str(featuresCol), str(labelCol), integer(numClasses));
        int features = data.features.length / data.labels.length;
        List<LayerSpec> specs = layers(features, data.classes);
        ImageShape shape = shape(features);   // images even for affine nets, so that augment can shift them
        data = new TrainingData(data.features, data.labels, shape.channels(), shape.height(), shape.width(), data.classes);
        Dataset local = data.dataset();   // checks the values (finite) and labels on the driver, before training
        // What the executors' BatchShare.open would refuse, refused here: there it would fail every attempt of a stage.
        BatchShare.check(local, options);
        Map<String, float[]> weights = Sequential.initialWeights(specs, WeightInit.HE, (Long) getOrDefault(seed));
        byte[] netBytes = NetBytes.of(specs, weights, Map.of());
        LOG.info("training {} on {} rows of {} ({} classes) with {} tasks, device '{}' on each: {}",
                Sequential.describe(specs), local.size(), shape.id(), data.classes, workers, dev, options.settings());

        Broadcast<TrainingData> shared = jsc.broadcast(data);
        RunState state = new RunState(weights, Map.of(), 0, Double.NaN, 0, 0);
        List<EpochReport> history = new ArrayList<>();
        List<Integer> tasks = IntStream.range(0, workers).boxed().toList();
        try {
            for (int epoch = 1; epoch <= options.epochs(); epoch++) {
                long e0 = System.nanoTime();
                Broadcast<RunState> start = jsc.broadcast(state);
                jsc.setJobDescription("clayers " + uid + ": epoch " + epoch + "/" + options.epochs());
                List<RunState> out = jsc.parallelize(tasks, workers).rdd().barrier()
                        .mapPartitions(new SyncEpoch(netBytes, options.settings(), shared, start, dev, epoch, every), false,
                                scala.reflect.ClassTag$.MODULE$.apply(RunState.class))
                        // A shuffle after the barrier stage makes it a shuffle-map stage, which Spark runs again
                        // when a task or an executor fails (a failed barrier result stage is not retried).
                        .toJavaRDD().repartition(1).collect();
                start.destroy();
                if (out.size() != 1) throw new IllegalStateException("epoch " + epoch + " returned " + out.size() + " states, not 1");
                state = out.get(0);
                EpochReport r = new EpochReport(epoch, state.loss(), (System.nanoTime() - e0) / 1e9, state.attempt() + 1, state.shares());
                history.add(r);
                LOG.info("epoch {}/{}: loss {} in {} s on {} devices{}", epoch, options.epochs(), String.format("%.4f", r.loss()),
                        String.format("%.2f", r.seconds()), r.devices(), r.attempts() > 1 ? " (stage attempts: " + r.attempts() + ")" : "");
                if (!Double.isFinite(state.loss())) {
                    throw new IllegalStateException("training diverged in epoch " + epoch + ": the loss is " + state.loss()
                            + "; lower the learning rate (now " + options.learningRate() + ")");
                }
                listener.accept(r);
            }
        } finally {
            jsc.setJobDescription(null);
            shared.destroy();
        }
        LOG.info("trained in {} s", String.format("%.1f", (System.nanoTime() - t0) / 1e9));
        ClayersModel model = new ClayersModel(uid, NetBytes.of(specs, state.weights(), options.settings()),
                Collections.unmodifiableList(history));
        copyValues(model, ParamMap.empty());
        return model.setParent(this);
    }

    @Override
    public ClayersClassifier copy(ParamMap extra) {
        ClayersClassifier c = (ClayersClassifier) defaultCopy(extra);
        c.listener = listener;
        return c;
    }

    /** Reads a classifier saved with {@code write().save(path)}. */
    public static MLReader<ClayersClassifier> read() { return new DefaultParamsReader<>(); }

    /** {@code read().load(path)}. */
    public static ClayersClassifier load(String path) { return read().load(path); }
}
