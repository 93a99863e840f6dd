package dev.clayers.cli;

import com.google.gson.Gson;
import dev.clayers.backend.Backend;
import dev.clayers.backend.Backends;
import dev.clayers.data.DataSplit;
import dev.clayers.io.AtomicFiles;
import dev.clayers.net.ModelFile;
import dev.clayers.io.OutputFiles;
import dev.clayers.net.Activation;
import dev.clayers.net.Architecture;
import dev.clayers.net.ImageShape;
import dev.clayers.net.NetSpec;
import dev.clayers.net.Sequential;
import dev.clayers.net.WeightInit;
import dev.clayers.net.LayerSpec;
import dev.clayers.train.Checkpoint;
import dev.clayers.train.DeviceChoice;
import dev.clayers.train.EpochMetrics;
import dev.clayers.train.EarlyStopping;
import dev.clayers.train.FitOptions;
import dev.clayers.train.History;
import dev.clayers.train.InvalidOptionException;
import dev.clayers.train.Optimizer;
import dev.clayers.train.Schedule;
import dev.clayers.train.Trainer;
import dev.clayers.train.Training;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** The main job: train a network on digits and report how well it learned. */
@Command(name = "train",
        footer = {"", "Examples:", "  clayers train                                  784-512-10 on the bundled digits, 20 epochs, best device", "  clayers train --net conv30k5-pool2-100 --epochs 5 --save conv.safetensors", "  clayers train --book --epochs 17               the book's recipe for 17 epoch-equivalents"}, mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Trains a multi-layer perceptron (--hidden) or a conv net (--net) on MNIST-format digits on the chosen device.",
                "With no options: the bundled 10,000 real MNIST digits (8,000 train / 2,000 test), best device.",
                "Progress goes to stderr; one line per epoch (train loss, train and test accuracy) to stdout."})
final class TrainCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--device", defaultValue = "auto", paramLabel = "DEVICE",
            description = {"auto, cpu, opencl:P:D or a device-name substring (default: ${DEFAULT-VALUE}).",
                    "auto picks the device that would finish this run first: OpenCL devices by a probe of at most",
                    "0.25 s of this network's steps, the Java backend by an estimate, both replaced by the speed of",
                    "real runs (kept in auto.json beside the tuning cache); never a simulator.",
                    "Several devices, comma-separated (opencl:0:0,opencl:0:1 or cpu,opencl:0:0), or all (every OpenCL",
                    "device but simulators) train one network on all of them at once: each batch split in equal shares",
                    "(see --shares). opencl:P:D/N is that device split into N sub-devices of equal compute units."})
    String device;

    @Option(names = "--shares", paramLabel = "SHARES",
            description = {"With several devices: each device's share of every batch, in --device order: equal (the default),",
                    "A:B[:C...] (3:1 gives the first device three rows in four), or auto: measured before training from",
                    "each device's speed on its share (printed, so --shares with the rows printed repeats the run bit for",
                    "bit). A resumed run keeps the checkpoint's shares."})
    String shares;

    @Option(names = "--data", paramLabel = "DATA",
            description = "'bundled' (default) or a folder with train-images-idx3-ubyte[.gz], train-labels-idx1-ubyte[.gz],"
                    + " t10k-images-idx3-ubyte[.gz], t10k-labels-idx1-ubyte[.gz].")
    String data;

    @Option(names = "--hidden", defaultValue = "512", description = "Hidden layer sizes, e.g. 100 or 256,128 (default: ${DEFAULT-VALUE}).", paramLabel = "HIDDEN")
    String hidden;

    @Option(names = "--net", paramLabel = "SPEC",
            description = {"A network in short notation instead of --hidden: steps joined by '-', e.g. conv30k5-pool2-100",
                    "(the book's simple conv net: conv 30 filters 5x5, ReLU, max-pool 2x2, affine 100, ReLU, affine to the classes).",
                    "convFkK[sS][pP]: F filters KxK, stride S, padding P; poolW[sS]: WxW max pooling (stride W unless S);",
                    "N: affine layer of N units. The activation follows every conv and hidden affine layer;",
                    "a 'bn' suffix (conv30k5bn, 100bn) puts batch normalization before it."})
    String net;

    @Option(names = "--activation", defaultValue = "relu", completionCandidates = Choices.Activations.class,
            description = "${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).", paramLabel = "ACTIVATION")
    String activation;

    @Option(names = "--init", defaultValue = "he", description = "Weight init: he, xavier, or a std such as 0.01 (default: ${DEFAULT-VALUE}).", paramLabel = "INIT")
    String init;

    @Option(names = "--optimizer", defaultValue = "adam", completionCandidates = Choices.Optimizers.class,
            description = "${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).", paramLabel = "OPTIMIZER")
    String optimizer;

    @Option(names = "--lr", defaultValue = "0.002", description = "Learning rate (default: ${DEFAULT-VALUE}).", paramLabel = "LR")
    float lr;

    @Option(names = "--schedule", defaultValue = "cosine", paramLabel = "SCHEDULE",
            description = {"Learning-rate schedule over the epochs (default: ${DEFAULT-VALUE}): constant, cosine (decay to 0),",
                    "step:EVERY:FACTOR (times FACTOR every EVERY epochs), exp:GAMMA (times GAMMA each epoch),",
                    "warmup:EPOCHS+SCHEDULE (linear warm-up, then SCHEDULE)."})
    String schedule;

    @Option(names = "--early-stop", paramLabel = "PATIENCE",
            description = "Stop when --monitor has not improved for PATIENCE epochs (default: never).")
    Integer earlyStop;

    @Option(names = "--monitor", defaultValue = "loss", paramLabel = "METRIC",
            description = "What --early-stop and --keep-best watch: loss (test loss), accuracy (test accuracy), train-loss or"
                    + " train-accuracy (default: ${DEFAULT-VALUE}).")
    String monitor;

    @Option(names = "--min-delta", defaultValue = "0", paramLabel = "DELTA",
            description = "The smallest change of --monitor that counts as an improvement (default: ${DEFAULT-VALUE}).")
    double minDelta;

    @Option(names = "--restore-best", description = "With --early-stop: end with the best epoch's weights, not the last.")
    boolean restoreBest;

    @Option(names = "--keep-best", description = "With --checkpoint-dir: also save the best epoch's network there as best.safetensors.")
    boolean keepBest;

    @Option(names = "--weight-decay", defaultValue = "0", paramLabel = "LAMBDA",
            description = "L2 weight decay on the weights (default: ${DEFAULT-VALUE}).")
    float weightDecay;

    @Option(names = "--dropout", defaultValue = "0", paramLabel = "RATIO",
            description = "Inverted dropout after each hidden activation while training (default: ${DEFAULT-VALUE}).")
    float dropout;

    @Option(names = "--augment", defaultValue = "1", paramLabel = "PIXELS",
            description = "Shift each training image by up to this many pixels at random (default: ${DEFAULT-VALUE}).")
    int augment;

    @Option(names = "--batch", defaultValue = "100", description = "Mini-batch size (default: ${DEFAULT-VALUE}).", paramLabel = "BATCH")
    int batch;

    @Option(names = "--epochs", defaultValue = "20", description = "Epochs (default: ${DEFAULT-VALUE}).", paramLabel = "EPOCHS")
    int epochs;

    @Option(names = "--seed", defaultValue = "42", description = "Seed for weights and batch order (default: ${DEFAULT-VALUE}).", paramLabel = "SEED")
    long seed;

    @Option(names = "--book", description = {"The book's exact recipe: 784-50-10 ReLU, std 0.01, SGD lr 0.1, batch 100,",
            "10,000 iterations of batches sampled with replacement (17 epoch-equivalents of the book's 60,000 digits,",
            "125 of the bundled 8,000), accuracy every epoch-equivalent; --epochs N runs N epoch-equivalents instead."})
    boolean book;

    @Option(names = "--metrics", paramLabel = "FILE", description = "Write one JSON object per epoch (JSON lines).")
    Path metrics;

    @Option(names = "--plot", paramLabel = "FILE.png", description = "Draw loss and accuracy curves.")
    Path plot;

    @Option(names = "--save", paramLabel = "FILE.safetensors", description = "Save the trained model (written atomically).")
    Path save;

    @Option(names = "--checkpoint-dir", paramLabel = "DIR", description = "Keep the latest checkpoint here after every epoch.")
    Path checkpointDir;

    @Option(names = "--from", paramLabel = "FILE.safetensors|FILE.onnx",
            description = {"Start from this model's layers and weights (fine-tuning): a file of train --save or import,",
                    "or an ONNX model read as by import. Replaces --hidden, --net, --activation, --init and --dropout."})
    Path from;

    @Option(names = "--resume", paramLabel = "DIR",
            description = {"Continue the run checkpointed in DIR (its settings and data). --epochs may extend it;",
                    "under the cosine schedule that stretches the decay over the new total."})
    Path resume;

    @Option(names = "--stop-after", paramLabel = "EPOCH",
            description = "Stop after this epoch, leaving the checkpoint for --resume (time-limited jobs; needs --checkpoint-dir).")
    Integer stopAfter;

    @Option(names = "--no-progress", description = "No progress bar or progress lines on stderr.")
    boolean noProgress;


    private static final List<String> FIXED_BY_CHECKPOINT = List.of("--from", "--hidden", "--net", "--activation", "--init", "--optimizer",
            "--lr", "--batch", "--seed", "--book", "--weight-decay", "--dropout", "--augment", "--schedule", "--shares");

    /** The flag of each {@link FitOptions} setting, so library messages come out in the CLI's words. */
    private static final Map<String, String> FLAGS = Map.ofEntries(Map.entry("epochs", "--epochs"), Map.entry("batch", "--batch"),
            Map.entry("optimizer", "--optimizer"), Map.entry("learningRate", "--lr"), Map.entry("schedule", "--schedule"),
            Map.entry("weightDecay", "--weight-decay"), Map.entry("augment", "--augment"), Map.entry("seed", "--seed"),
            Map.entry("stopAfterEpoch", "--stop-after"), Map.entry("checkpointDir", "--checkpoint-dir"), Map.entry("shares", "--shares"));

    /** --early-stop, --monitor, --min-delta and --restore-best as the library's early stopping, or null for none. */
    private EarlyStopping earlyStopping() {
        EarlyStopping.Monitor m = switch (monitor.trim().toLowerCase(java.util.Locale.ROOT)) {
            case "loss" -> EarlyStopping.Monitor.LOSS;
            case "accuracy" -> EarlyStopping.Monitor.VALIDATION_ACCURACY;
            case "train-loss" -> EarlyStopping.Monitor.TRAIN_LOSS;
            case "train-accuracy" -> EarlyStopping.Monitor.TRAIN_ACCURACY;
            default -> throw new IllegalArgumentException("--monitor must be loss, accuracy, train-loss or train-accuracy, got '"
                    + monitor + "'");
        };
        if (!(minDelta >= 0) || !Double.isFinite(minDelta)) {
            throw new IllegalArgumentException("--min-delta must be a number >= 0, got " + minDelta);
        }
        // --keep-best alone watches --monitor too: an early stopping that never stops.
        if (earlyStop == null) return keepBest && m != EarlyStopping.Monitor.LOSS ? EarlyStopping.on(m, Integer.MAX_VALUE) : null;
        if (earlyStop < 1) throw new IllegalArgumentException("--early-stop must be at least 1 epoch, got " + earlyStop);
        EarlyStopping e = EarlyStopping.on(m, earlyStop).minDelta(minDelta);
        return restoreBest ? e.restoringBest() : e;
    }

    @Override
    public Integer call() throws Exception {
        try {
            return train();
        } catch (InvalidOptionException e) {
            String flag = FLAGS.get(e.option());
            if (flag == null) throw e;
            throw new IllegalArgumentException(flag + " " + e.problem(), e);
        }
    }

    /** How the network was made: the settings a saved model and a checkpoint record besides the fit options. */
    private record NetSettings(List<LayerSpec> layers, String init, float dropout) {
        /** {@code 784-512-10 relu} for a perceptron (a checkpoint written by the library may hold any layer list). */
        String describe() {
            return Architecture.of(layers).map(Architecture::toString).orElse(LayerSpec.describe(layers));
        }

        /** {@code 784-512-10}, for the plot's title. */
        String widths() {
            return Architecture.of(layers).map(Architecture::describe).orElse(LayerSpec.describe(layers));
        }
    }

    private int train() throws Exception {
        CommandLine.ParseResult pr = spec.commandLine().getParseResult();
        Checkpoint.State resumed = null;
        FitOptions options;
        NetSettings netSettings;
        String dataSpec = data == null ? "bundled" : data;
        if (resume != null) {
            for (String o : FIXED_BY_CHECKPOINT) {
                if (pr.hasMatchedOption(o)) {
                    throw new IllegalArgumentException(o + " cannot be combined with --resume: the checkpoint fixes the settings");
                }
            }
            resumed = Checkpoint.load(resume);
            options = resumed.options();
            if (pr.hasMatchedOption("--epochs")) {
                options = options.toBuilder().epochs(epochs).build();
            }
            if (data == null) dataSpec = resumed.data("bundled");
            if (checkpointDir == null) checkpointDir = resume;
            float drop = Float.parseFloat(resumed.settings().getOrDefault("dropout", "0"));
            ModelFile.Model model = resumed.model();
            // Checkpoints written before model files recorded the layer list hold the dropout ratio only in the settings.
            List<LayerSpec> layers = model.metadata().containsKey("layers") ? model.layers() : model.architecture().layers(drop);
            netSettings = new NetSettings(layers, resumed.settings().getOrDefault("init", "not recorded"), drop);
        } else {
            options = null;
            netSettings = null;
        }

        checkOutputs();
        // Options that need no data are checked before the data is read.
        Schedule.parse(schedule);
        earlyStopping();
        if (keepBest && checkpointDir == null) throw new IllegalArgumentException("--keep-best needs --checkpoint-dir");
        if (restoreBest && earlyStop == null) throw new IllegalArgumentException("--restore-best needs --early-stop");
        DataSplit split = Cli.loadData(dataSpec);
        int input = split.train().features();
        int classes = split.train().classes();
        ModelFile.Model start = null;
        if (from != null) {
            for (String o : List.of("--hidden", "--net", "--activation", "--init", "--dropout", "--book")) {
                if (pr.hasMatchedOption(o)) throw new IllegalArgumentException(o + " cannot be combined with --from: the model fixes the network");
            }
            start = Cli.loadModel(from);
            if (start.inputs() != input || start.outputs() < classes) {
                throw new IllegalArgumentException("--from " + from + " takes " + start.inputs() + " inputs and gives " + start.outputs()
                        + " classes, but " + dataSpec + " has " + input + " features and " + classes + " classes");
            }
        }
        if (options == null) {
            if (book) {
                for (String o : List.of("--hidden", "--net", "--activation", "--init", "--optimizer", "--lr", "--batch",
                        "--weight-decay", "--dropout", "--augment", "--schedule")) {
                    if (pr.hasMatchedOption(o)) throw new IllegalArgumentException(o + " cannot be combined with --book");
                }
                Architecture arch = new Architecture(input, new int[] {50}, classes, Activation.RELU);
                netSettings = new NetSettings(arch.layers(0f), WeightInit.BOOK.toString(), 0f);
                FitOptions.Builder recipe = FitOptions.book(split.train().size()).seed(seed);
                if (pr.hasMatchedOption("--epochs")) {
                    // N epoch-equivalents of this training set instead of the book's 10,000 iterations.
                    if (epochs < 1) throw new IllegalArgumentException("--epochs must be at least 1, got " + epochs);
                    long iterations = (long) epochs * Math.max(split.train().size() / 100, 1);
                    if (iterations > Integer.MAX_VALUE) throw new IllegalArgumentException("--epochs " + epochs + " is too many for --book");
                    recipe.epochs(epochs).sampledIterations((int) iterations);
                }
                options = recipe.build();
            } else {
                Optimizer.Kind kind = Optimizer.Kind.parse(optimizer);   // before any device work
                if (net != null && pr.hasMatchedOption("--hidden")) {
                    throw new IllegalArgumentException("--net and --hidden both describe the network; give one");
                }
                WeightInit wi = WeightInit.parse(init);
                options = FitOptions.builder().optimizer(kind).learningRate(lr).batch(batch).epochs(epochs).seed(seed)
                        .weightDecay(weightDecay).augment(augment).schedule(Schedule.parse(schedule)).build();
                if (!(dropout >= 0 && dropout < 1)) throw new IllegalArgumentException("--dropout must be in [0, 1), got " + dropout);
                List<LayerSpec> layers;
                if (start != null) {
                    layers = start.layers();
                } else if (net != null) {
                    if (!split.train().isImage()) {
                        throw new IllegalArgumentException("--net needs images, but " + dataSpec + " is rows of " + input + " features");
                    }
                    ImageShape image = new ImageShape(split.train().channels(), split.train().imageHeight(), split.train().imageWidth());
                    layers = NetSpec.parse(net, image, classes, Activation.parse(activation), dropout);
                } else {
                    layers = new Architecture(input, Architecture.parseHidden(hidden), classes, Activation.parse(activation))
                            .layers(dropout);
                }
                netSettings = new NetSettings(layers, start != null ? "from " + from.getFileName() : wi.toString(), dropout);
            }
        }
        if (resumed != null && resumed.epoch() >= options.epochs()) {
            throw new IllegalArgumentException("the checkpoint in " + resume + " already finished epoch " + resumed.epoch()
                    + " of " + options.epochs() + "; pass --epochs N with N > " + resumed.epoch() + " to train further");
        }

        if (stopAfter != null && (checkpointDir == null || stopAfter < 1)) {
            throw new IllegalArgumentException("--stop-after needs --checkpoint-dir and an epoch >= 1");
        }
        if (keepBest && checkpointDir == null) throw new IllegalArgumentException("--keep-best needs --checkpoint-dir");
        if (restoreBest && earlyStop == null) throw new IllegalArgumentException("--restore-best needs --early-stop");
        EarlyStopping stopping = earlyStopping();
        Map<String, String> runSettings = new LinkedHashMap<>();
        runSettings.put("init", netSettings.init());
        runSettings.put("dropout", Float.toString(netSettings.dropout()));
        Map<String, String> checkpointMeta = new LinkedHashMap<>(runSettings);
        checkpointMeta.put("data", dataSpec);
        long runSamples = (long) (options.epochs() - (resumed == null ? 0 : resumed.epoch())) * split.train().size();
        boolean several = Backends.namesSeveral(device);
        boolean measureShares = shares != null && shares.trim().equalsIgnoreCase("auto");
        if (shares != null && !several) {
            throw new IllegalArgumentException("--shares splits a batch between several devices; --device " + device + " names one");
        }
        if (shares != null && !measureShares && !shares.trim().equalsIgnoreCase("equal")) {
            options = options.toBuilder().shares(FitOptions.parseShares(shares)).build();
        }
        List<Backend> devices = several ? Backends.openEach(device) : null;
        if (devices != null) {
            try {
                options.shareRows(devices.size());   // a batch or shares that do not fit the devices fail before any work
            } catch (RuntimeException e) {
                devices.forEach(Backend::close);
                throw e;
            }
        }
        try (Backend be = devices != null ? devices.get(0)
                : "auto".equalsIgnoreCase(device.trim()) ? DeviceChoice.fastest(netSettings.layers(), options, runSamples)
                : Backends.open(device);
             AutoCloseable others = () -> { if (devices != null) devices.subList(1, devices.size()).forEach(Backend::close); };
             Sequential net = resumed != null ? Sequential.fromWeights(be, netSettings.layers(), resumed.model().weights())
                     : start != null ? Sequential.fromWeights(be, netSettings.layers(), start.weights())
                     : Sequential.of(be, WeightInit.parse(netSettings.init()), options.seed(), netSettings.layers())) {
            List<Backend> all = devices != null ? devices : List.of(be);
            if (measureShares) {
                System.err.println("measuring each device's speed on its share of a batch ...");
                List<Integer> rows = Training.measureShares(net, all, split.train(), options);
                System.err.println("shares measured: " + FitOptions.sharesText(rows) + " rows of each batch of " + options.batch()
                        + " (--shares " + FitOptions.sharesText(rows) + " repeats this run bit for bit)");
                options = options.toBuilder().shares(rows).build();
            }
            EpochPrinter printer = new EpochPrinter(all, options, netSettings, dataSpec, split, resumed);
            FitOptions run = options.toBuilder().listener(printer).checkpointDir(checkpointDir)
                    .checkpointMetadata(checkpointMeta).stopAfterEpoch(stopAfter == null ? 0 : stopAfter)
                    .earlyStopping(stopping).keepBest(keepBest).build();
            History history = resumed == null ? Training.fit(net, all, split.train(), split.test(), run)
                    : Training.resume(net, all, split.train(), split.test(), run, resumed);
            if (history.stopped() == History.Stop.STOP_AFTER) {
                System.out.printf("stopped after epoch %d as asked; continue with: clayers train --resume %s%n",
                        history.last().epoch(), checkpointDir);
                return 0;
            }
            EpochMetrics last = history.last();
            if (!device.contains("@")) recordSpeed(netSettings.layers(), options, be, history);   // a forced kernel shape is not the device's speed
            if (save != null) {
                Map<String, String> meta = new LinkedHashMap<>(runSettings);
                meta.putAll(options.settings());
                meta.put("data", dataSpec);
                meta.put("epochs_trained", Integer.toString(last.epoch()));
                meta.put("train_accuracy", Double.toString(last.trainAccuracy()));
                meta.put("test_accuracy", Double.toString(last.validationAccuracy()));
                meta.put("test_loss", Double.toString(last.validationLoss()));
                meta.put("device", String.join(", ", all.stream().map(d -> d.id() + " " + d.info().name()).toList()));
                ModelFile.save(save, net, meta);
            }
            double seconds = history.epochs().stream().mapToDouble(EpochMetrics::seconds).sum();
            int testSize = split.test().size();
            System.out.printf("final test accuracy %.4f (%d/%d), train accuracy %.4f, training time %.1f s%s%n",
                    last.validationAccuracy(), Math.round(last.validationAccuracy() * testSize), testSize, last.trainAccuracy(),
                    seconds, save == null ? "" : "; model saved to " + save);
        }
        return 0;
    }

    /**
     * The run's real speed for auto's next choice: the median of its epochs after the first (the
     * first carries the warm-up: kernel set-up, the JIT), so it needs at least two more epochs;
     * the warm-up is what the first epoch took beyond that speed.
     */
    private static void recordSpeed(List<LayerSpec> layers, FitOptions options, Backend be, History history) {
        List<EpochMetrics> epochs = history.epochs();
        if (epochs.size() < 3 || options.sampled()) return;
        double[] speeds = epochs.subList(1, epochs.size()).stream().mapToDouble(EpochMetrics::samplesPerSecond).sorted().toArray();
        double speed = speeds[speeds.length / 2];
        EpochMetrics first = epochs.get(0);
        DeviceChoice.record(layers, options, be.info(), speed, first.seconds() - first.samplesPerSecond() * first.seconds() / speed);
    }

    /**
     * Every output path, before any work: a run that trains for an hour and then cannot write its
     * model (or its first metrics line) has lost the hour. A model saved over the checkpoint would
     * replace it, and --resume would then find a model file without optimizer state.
     */
    private void checkOutputs() throws java.io.IOException {
        if (checkpointDir != null) {
            OutputFiles.checkFolder(checkpointDir, resume != null && checkpointDir.equals(resume) ? "--resume" : "--checkpoint-dir");
        }
        Map<String, Path> outputs = new LinkedHashMap<>();
        outputs.put("--save", save);
        outputs.put("--metrics", metrics);
        outputs.put("--plot", plot);
        outputs.put("the checkpoint of --checkpoint-dir", checkpointDir == null ? null : Checkpoint.file(checkpointDir));
        OutputFiles.check(outputs);
    }

    /**
     * The CLI's view of a run: the two header lines when the first epoch starts (so that settings
     * the data rejects fail before any output), the progress bar, one line per epoch, and the
     * metrics file and plot after each.
     */
    private final class EpochPrinter implements Trainer.Listener {
        private final List<Backend> devices;
        private final FitOptions options;
        private final NetSettings settings;
        private final String dataSpec;
        private final DataSplit split;
        private final Checkpoint.State resumed;
        private final ProgressReporter progress;
        private boolean started;

        EpochPrinter(List<Backend> devices, FitOptions options, NetSettings settings, String dataSpec, DataSplit split,
                     Checkpoint.State resumed) {
            this.devices = devices;
            this.options = options;
            this.settings = settings;
            this.dataSpec = dataSpec;
            this.split = split;
            this.resumed = resumed;
            this.progress = new ProgressReporter(System.err, !noProgress, options.epochs());
        }

        @Override
        public void epochStarted(int epoch, long samples) {
            if (!started) {
                started = true;
                int iterationsPerEpoch = Math.max(split.train().size() / options.batch(), 1);
                System.out.printf("training %s (init %s%s%s%s) with %s lr %s%s, batch %d, %s, seed %d%n",
                        settings.describe(), settings.init(), settings.dropout() > 0 ? ", dropout " + settings.dropout() : "",
                        options.weightDecay() > 0 ? ", weight decay " + options.weightDecay() : "",
                        options.augment() > 0 ? ", shifts up to " + options.augment() + " px" : "",
                        options.optimizer().id(), options.learningRate(),
                        options.schedule() == Schedule.COSINE ? " (cosine decay)" : "", options.batch(),
                        options.sampled() ? options.sampledIterations() + " iterations sampled with replacement ("
                                + iterationsPerEpoch + " per epoch)" : options.epochs() + " epochs", options.seed());
                System.out.printf("%s; data %s: %,d train / %,d test images%s%n", describeDevices(), dataSpec, split.train().size(), split.test().size(),
                        resumed == null ? "" : "; resuming after epoch " + resumed.epoch());
            }
            progress.epochStarted(epoch, samples);
        }

        @Override public void progress(long samplesDone) { progress.progress(samplesDone); }

        /** {@code device opencl:0:0 (name)}, or for several the devices and each one's share of a batch. */
        private String describeDevices() {
            if (devices.size() == 1) return "device " + devices.get(0).id() + " (" + devices.get(0).info().name() + ")";
            int n = devices.size();
            int[] rows = options.shareRows(n);
            List<String> each = new java.util.ArrayList<>();
            for (int i = 0; i < n; i++) {
                each.add(devices.get(i).id() + " (" + devices.get(i).info().name() + ", " + rows[i] + " rows)");
            }
            return n + " devices, data parallel, each batch split into " + String.join(", ", each);
        }

        @Override
        public void epochEnded(EpochMetrics m) {
            progress.epochEnded(m);
            System.out.printf("epoch %3d/%d  iter %6d  loss %.4f  train acc %.4f  test acc %.4f  %,9.0f img/s  %6.2f s%n",
                    m.epoch(), options.epochs(), m.iterations(), m.trainLoss(), m.trainAccuracy(), m.validationAccuracy(),
                    m.samplesPerSecond(), m.seconds());
        }

        /** Two lines under the plot: the machine and device, then the command that made it. */
        private String caption() {
            String host;
            try {
                host = java.net.InetAddress.getLocalHost().getHostName();
            } catch (java.io.IOException e) {
                host = "this machine";
            }
            return String.format("%s, %d cores; %s; data %s", host, Runtime.getRuntime().availableProcessors(), describeDevices(),
                    dataSpec) + "\n" + "clayers " + String.join(" ", spec.commandLine().getParseResult().originalArgs());
        }

        @Override
        public void epochFinished(EpochMetrics m, List<EpochMetrics> history) {
            try {
                if (metrics != null) writeMetrics(metrics, history);
                if (plot != null) TrainingPlot.write(plot, settings.widths() + " " + options.optimizer().id(), caption(), history);
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
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
            o.put("test_loss", m.validationLoss());
            o.put("test_accuracy", m.validationAccuracy());
            o.put("samples_per_second", m.samplesPerSecond());
            o.put("seconds", m.seconds());
            o.put("eval_seconds", m.evalSeconds());
            sb.append(gson.toJson(o)).append('\n');
        }
        AtomicFiles.writeString(file, sb.toString());
    }
}
