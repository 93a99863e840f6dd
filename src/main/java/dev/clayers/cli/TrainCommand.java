package dev.clayers.cli;

import com.google.gson.Gson;
import dev.clayers.backend.Backend;
import dev.clayers.backend.Backends;
import dev.clayers.data.DataSplit;
import dev.clayers.io.AtomicFiles;
import dev.clayers.io.ModelFile;
import dev.clayers.net.Activation;
import dev.clayers.net.Architecture;
import dev.clayers.net.Sequential;
import dev.clayers.net.WeightInit;
import dev.clayers.train.Checkpoint;
import dev.clayers.train.DeviceDataset;
import dev.clayers.train.EpochMetrics;
import dev.clayers.train.Optimizer;
import dev.clayers.train.TrainConfig;
import dev.clayers.train.Trainer;
import dev.clayers.train.TrainingPlot;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** The main job: train a network on digits and report how well it learned. */
@Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Trains a multi-layer perceptron on MNIST-format digits on the chosen device.",
                "With no options: the bundled 10,000 real MNIST digits (8,000 train / 2,000 test), best device.",
                "Progress goes to stderr; one line per epoch (train loss, train and test accuracy) to stdout."})
final class TrainCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--device", defaultValue = "auto", paramLabel = "D",
            description = "auto, cpu, opencl:P:D or a device-name substring (default: ${DEFAULT-VALUE}).")
    String device;

    @Option(names = "--data", paramLabel = "bundled|DIR",
            description = "'bundled' (default) or a folder with train-images-idx3-ubyte[.gz], train-labels-idx1-ubyte[.gz],"
                    + " t10k-images-idx3-ubyte[.gz], t10k-labels-idx1-ubyte[.gz].")
    String data;

    @Option(names = "--hidden", defaultValue = "512", description = "Hidden layer sizes, e.g. 100 or 256,128 (default: ${DEFAULT-VALUE}).")
    String hidden;

    @Option(names = "--activation", defaultValue = "relu", description = "relu or sigmoid (default: ${DEFAULT-VALUE}).")
    String activation;

    @Option(names = "--init", defaultValue = "he", description = "Weight init: he, xavier, or a std such as 0.01 (default: ${DEFAULT-VALUE}).")
    String init;

    @Option(names = "--optimizer", defaultValue = "adam", description = "sgd, momentum, adagrad or adam (default: ${DEFAULT-VALUE}).")
    String optimizer;

    @Option(names = "--lr", defaultValue = "0.002", description = "Learning rate (default: ${DEFAULT-VALUE}).")
    float lr;

    @Option(names = "--schedule", defaultValue = "cosine", paramLabel = "constant|cosine",
            description = "Learning-rate schedule over the epochs: constant, or cosine decay to 0 (default: ${DEFAULT-VALUE}).")
    String schedule;

    @Option(names = "--weight-decay", defaultValue = "0", paramLabel = "LAMBDA",
            description = "L2 weight decay on the weights (default: ${DEFAULT-VALUE}).")
    float weightDecay;

    @Option(names = "--dropout", defaultValue = "0", paramLabel = "RATIO",
            description = "Inverted dropout after each hidden activation while training (default: ${DEFAULT-VALUE}).")
    float dropout;

    @Option(names = "--augment", defaultValue = "1", paramLabel = "PIXELS",
            description = "Shift each training image by up to this many pixels at random (default: ${DEFAULT-VALUE}).")
    int augment;

    @Option(names = "--batch", defaultValue = "100", description = "Mini-batch size (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--epochs", defaultValue = "20", description = "Epochs (default: ${DEFAULT-VALUE}).")
    int epochs;

    @Option(names = "--seed", defaultValue = "42", description = "Seed for weights and batch order (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--book", description = {"The book's exact recipe: 784-50-10 ReLU, std 0.01, SGD lr 0.1, batch 100,",
            "10,000 iterations of batches sampled with replacement, accuracy every epoch-equivalent."})
    boolean book;

    @Option(names = "--metrics", paramLabel = "FILE", description = "Write one JSON object per epoch (JSON lines).")
    Path metrics;

    @Option(names = "--plot", paramLabel = "FILE.png", description = "Draw loss and accuracy curves.")
    Path plot;

    @Option(names = "--save", paramLabel = "FILE.safetensors", description = "Save the trained model (written atomically).")
    Path save;

    @Option(names = "--checkpoint-dir", paramLabel = "DIR", description = "Keep the latest checkpoint here after every epoch.")
    Path checkpointDir;

    @Option(names = "--resume", paramLabel = "DIR",
            description = {"Continue the run checkpointed in DIR (its settings and data). --epochs may extend it;",
                    "under the cosine schedule that stretches the decay over the new total."})
    Path resume;

    @Option(names = "--stop-after", paramLabel = "EPOCH",
            description = "Stop after this epoch, leaving the checkpoint for --resume (time-limited jobs; needs --checkpoint-dir).")
    Integer stopAfter;

    @Option(names = "--no-progress", description = "No progress bar or progress lines on stderr.")
    boolean noProgress;


    private static final List<String> FIXED_BY_CHECKPOINT = List.of("--hidden", "--activation", "--init", "--optimizer",
            "--lr", "--batch", "--seed", "--book", "--weight-decay", "--dropout", "--augment", "--schedule");

    @Override
    public Integer call() throws Exception {
        CommandLine.ParseResult pr = spec.commandLine().getParseResult();
        Checkpoint.State resumed = null;
        TrainConfig config;
        String dataSpec = data == null ? "bundled" : data;
        if (resume != null) {
            for (String o : FIXED_BY_CHECKPOINT) {
                if (pr.hasMatchedOption(o)) {
                    throw new IllegalArgumentException(o + " cannot be combined with --resume: the checkpoint fixes the settings");
                }
            }
            resumed = Checkpoint.load(resume);
            config = resumed.config();
            if (pr.hasMatchedOption("--epochs")) {
                config = config.withEpochs(epochs);
            }
            if (data == null) dataSpec = resumed.data();
            if (checkpointDir == null) checkpointDir = resume;
        } else {
            config = null;
        }

        DataSplit split = Cli.loadData(dataSpec);
        int input = split.train().features();
        int classes = split.train().classes();
        if (config == null) {
            if (book) {
                for (String o : List.of("--hidden", "--activation", "--init", "--optimizer", "--lr", "--batch", "--epochs",
                        "--weight-decay", "--dropout", "--augment", "--schedule")) {
                    if (pr.hasMatchedOption(o)) throw new IllegalArgumentException(o + " cannot be combined with --book");
                }
                config = TrainConfig.book(input, classes, split.train().size(), seed);
            } else {
                Optimizer.checkKind(optimizer);   // before any device work
                config = new TrainConfig(new Architecture(input, Architecture.parseHidden(hidden), classes,
                        Activation.parse(activation)), WeightInit.parse(init), optimizer, lr, batch, epochs, seed, 0, weightDecay, dropout, augment, schedule);
            }
        }
        if (resumed != null && resumed.epoch() >= config.epochs()) {
            throw new IllegalArgumentException("the checkpoint in " + resume + " already finished epoch " + resumed.epoch()
                    + " of " + config.epochs() + "; pass --epochs N with N > " + resumed.epoch() + " to train further");
        }

        if (stopAfter != null && (checkpointDir == null || stopAfter < 1)) {
            throw new IllegalArgumentException("--stop-after needs --checkpoint-dir and an epoch >= 1");
        }
        List<EpochMetrics> history = new ArrayList<>(resumed == null ? List.of() : resumed.metrics());
        try (Backend be = Backends.open(device);
             Sequential net = resumed == null
                     ? Sequential.create(be, config.architecture(), config.init(), config.seed(), config.dropout())
                     : Sequential.fromWeights(be, config.architecture(), resumed.model().weights(), config.dropout());
             Optimizer opt = Optimizer.create(config.optimizer(), be, config.learningRate());
             DeviceDataset train = new DeviceDataset(be, split.train());
             DeviceDataset test = new DeviceDataset(be, split.test());
             Trainer trainer = new Trainer(net, opt, train, test, config)) {
            if (resumed != null) Checkpoint.restore(resumed, net, opt);
            int first = resumed == null ? 1 : resumed.epoch() + 1;
            System.out.printf("training %s (init %s%s%s%s) with %s lr %s%s, batch %d, %s, seed %d%n", config.architecture(),
                    config.init(), config.dropout() > 0 ? ", dropout " + config.dropout() : "",
                    config.weightDecay() > 0 ? ", weight decay " + config.weightDecay() : "",
                    config.augment() > 0 ? ", shifts up to " + config.augment() + " px" : "",
                    config.optimizer(), config.learningRate(), config.schedule().equals("cosine") ? " (cosine decay)" : "",
                    config.batch(),
                    config.book() ? config.bookIterations() + " iterations sampled with replacement ("
                            + trainer.iterationsPerEpoch() + " per epoch)" : config.epochs() + " epochs", config.seed());
            System.out.printf("device %s (%s); data %s: %,d train / %,d test images%s%n", be.id(), be.info().name(), dataSpec,
                    train.size(), test.size(), resumed == null ? "" : "; resuming after epoch " + resumed.epoch());
            ProgressReporter progress = new ProgressReporter(System.err, !noProgress, config.epochs());
            for (int epoch = first; epoch <= config.epochs(); epoch++) {
                EpochMetrics m = trainer.runEpoch(epoch, progress);
                history.add(m);
                System.out.printf("epoch %3d/%d  iter %6d  loss %.4f  train acc %.4f  test acc %.4f  %,9.0f img/s  %6.2f s%n",
                        m.epoch(), config.epochs(), m.iterations(), m.trainLoss(), m.trainAccuracy(), m.testAccuracy(),
                        m.samplesPerSecond(), m.seconds());
                if (metrics != null) writeMetrics(metrics, history);
                if (checkpointDir != null) Checkpoint.save(checkpointDir, net, opt, config, dataSpec, epoch, history);
                if (plot != null) TrainingPlot.write(plot, config.architecture().describe() + " " + config.optimizer(), history);
                if (stopAfter != null && epoch >= stopAfter && epoch < config.epochs()) {
                    System.out.printf("stopped after epoch %d as asked; continue with: clayers train --resume %s%n", epoch,
                            checkpointDir);
                    return 0;
                }
            }
            EpochMetrics last = history.get(history.size() - 1);
            if (save != null) {
                Map<String, String> meta = Checkpoint.settingsMetadata(config, dataSpec);
                meta.put("epochs_trained", Integer.toString(last.epoch()));
                meta.put("train_accuracy", Double.toString(last.trainAccuracy()));
                meta.put("test_accuracy", Double.toString(last.testAccuracy()));
                meta.put("test_loss", Double.toString(last.testLoss()));
                meta.put("device", be.id() + " " + be.info().name());
                ModelFile.save(save, net, meta);
            }
            double seconds = history.stream().mapToDouble(EpochMetrics::seconds).sum();
            System.out.printf("final test accuracy %.4f (%d/%d), train accuracy %.4f, training time %.1f s%s%n",
                    last.testAccuracy(), Math.round(last.testAccuracy() * test.size()), test.size(), last.trainAccuracy(),
                    seconds, save == null ? "" : "; model saved to " + save);
        }
        return 0;
    }

    private static void writeMetrics(Path file, List<EpochMetrics> history) throws java.io.IOException {
        Gson gson = new com.google.gson.GsonBuilder().serializeSpecialFloatingPointValues().create();
        StringBuilder sb = new StringBuilder();
        for (EpochMetrics m : history) {
            Map<String, Object> o = new LinkedHashMap<>();
            o.put("epoch", m.epoch());
            o.put("iterations", m.iterations());
            o.put("train_loss", m.trainLoss());
            o.put("train_accuracy", m.trainAccuracy());
            o.put("test_loss", m.testLoss());
            o.put("test_accuracy", m.testAccuracy());
            o.put("samples_per_second", m.samplesPerSecond());
            o.put("seconds", m.seconds());
            o.put("eval_seconds", m.evalSeconds());
            sb.append(gson.toJson(o)).append('\n');
        }
        AtomicFiles.writeString(file, sb.toString());
    }
}
