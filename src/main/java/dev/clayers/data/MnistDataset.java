package dev.clayers.data;

import dev.clayers.io.InputFiles;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Set;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Loads MNIST-shaped datasets (MNIST, Fashion-MNIST, or anything in their four-file IDX
 * layout) from a folder, or the small real MNIST subset bundled in the jar.
 *
 * <p>A folder holds the four standard files, each either raw or gzipped:
 * {@value #TRAIN_IMAGES}, {@value #TRAIN_LABELS}, {@value #TEST_IMAGES} and
 * {@value #TEST_LABELS}, optionally with a {@code .gz} suffix. Missing pieces are reported
 * as {@link NoSuchFileException} naming the path and what was expected; broken files as
 * {@link IdxFormatException}.
 */
public final class MnistDataset {
    /** Digits or garment kinds: MNIST and Fashion-MNIST both have ten classes. */
    public static final int CLASSES = 10;
    /** File name of the 60,000 training images in the IDX distribution. */
    public static final String TRAIN_IMAGES = "train-images-idx3-ubyte";
    /** File name of the 60,000 training labels in the IDX distribution. */
    public static final String TRAIN_LABELS = "train-labels-idx1-ubyte";
    /** File name of the 10,000 test images in the IDX distribution. */
    public static final String TEST_IMAGES = "t10k-images-idx3-ubyte";
    /** File name of the 10,000 test labels in the IDX distribution. */
    public static final String TEST_LABELS = "t10k-labels-idx1-ubyte";
    /**
     * Classpath folder of the bundled set: 8,000 training and 2,000 test images of real
     * MNIST digits, stored as the four standard names with {@code .gz}; see PROVENANCE.md there.
     */
    public static final String BUNDLED_RESOURCE_DIR = "/dev/clayers/data/mnist-bundled/";

    private static final Logger log = LoggerFactory.getLogger(MnistDataset.class);
    private static final String EXPECTED = "expected a folder holding " + Stream.of(
            TRAIN_IMAGES, TRAIN_LABELS, TEST_IMAGES, TEST_LABELS).map(n -> n + "[.gz]").collect(Collectors.joining(", "));

    private MnistDataset() {}

    /**
     * Loads the four standard files from {@code dir}. For each, the plain name is used if it
     * exists, else the {@code .gz} name; either may hold raw or gzipped content.
     *
     * @throws NoSuchFileException   if the folder or one of the files is missing
     * @throws IdxFormatException    if a file is malformed, a label is out of range, or image
     *                               and label counts (or train and test image sizes) disagree
     */
    public static DataSplit load(Path dir) throws IOException {
        if (Files.exists(dir) && !Files.isDirectory(dir)) {
            throw new InputFiles.WrongFileKindException(dir + " is " + InputFiles.describe(dir) + ", not a folder; " + EXPECTED);
        }
        if (!Files.isDirectory(dir)) throw new NoSuchFileException(dir.toString(), null, "no such folder; " + EXPECTED);
        Path trainImages = find(dir, TRAIN_IMAGES);
        Path trainLabels = find(dir, TRAIN_LABELS);
        Path testImages = find(dir, TEST_IMAGES);
        Path testLabels = find(dir, TEST_LABELS);
        for (Path f : List.of(trainImages, trainLabels, testImages, testLabels)) {
            InputFiles.require(f, Set.of(InputFiles.Kind.IDX, InputFiles.Kind.GZIP), "an IDX file (MNIST format, raw or gzipped)");
        }
        Path folderName = dir.toAbsolutePath().normalize().getFileName();
        String base = folderName == null ? "dataset" : folderName.toString();  // null only for "/"
        Dataset train = pair(base + "/train", Idx.readImages(trainImages), trainImages.toString(),
                Idx.readLabels(trainLabels, CLASSES), trainLabels.toString());
        Dataset test = pair(base + "/test", Idx.readImages(testImages), testImages.toString(),
                Idx.readLabels(testLabels, CLASSES), testLabels.toString());
        return split(train, trainImages.toString(), test, testImages.toString(), dir.toString());
    }

    /**
     * Loads the bundled subset of real MNIST digits from the classpath: 8,000 training and
     * 2,000 test images of 28x28, stratified by class. Needs no files or network, so tests
     * and demos always have real data.
     *
     * @throws java.io.UncheckedIOException if the resources are missing or damaged (a jar built
     *         without them): nothing a caller can do but report it
     */
    public static DataSplit bundled() {
        try {
            Dataset train = bundledPair("mnist-bundled/train", TRAIN_IMAGES, TRAIN_LABELS);
            Dataset test = bundledPair("mnist-bundled/test", TEST_IMAGES, TEST_LABELS);
            return split(train, TRAIN_IMAGES, test, TEST_IMAGES, BUNDLED_RESOURCE_DIR);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("the bundled MNIST digits cannot be read from the classpath: " + e.getMessage(), e);
        }
    }

    /** Picks {@code name} or {@code name.gz} in {@code dir}; the plain file wins if both exist. */
    private static Path find(Path dir, String name) throws NoSuchFileException {
        Path plain = dir.resolve(name);
        if (Files.isRegularFile(plain)) {
            return plain;
        }
        Path gz = dir.resolve(name + ".gz");
        if (Files.isRegularFile(gz)) {
            return gz;
        }
        throw new NoSuchFileException(plain.toString(), null,
                "missing (neither " + name + " nor " + name + ".gz is in " + dir + "); " + EXPECTED);
    }

    private static Dataset bundledPair(String name, String imagesName, String labelsName) throws IOException {
        String imagesResource = BUNDLED_RESOURCE_DIR + imagesName + ".gz";
        String labelsResource = BUNDLED_RESOURCE_DIR + labelsName + ".gz";
        Idx.Images images;
        int[] labels;
        try (InputStream in = resource(imagesResource)) {
            images = Idx.readImages(in, "classpath:" + imagesResource);
        }
        try (InputStream in = resource(labelsResource)) {
            labels = Idx.readLabels(in, "classpath:" + labelsResource, CLASSES);
        }
        return pair(name, images, "classpath:" + imagesResource, labels, "classpath:" + labelsResource);
    }

    private static InputStream resource(String path) throws NoSuchFileException {
        InputStream in = MnistDataset.class.getResourceAsStream(path);
        if (in == null) {
            throw new NoSuchFileException("classpath:" + path, null,
                    "bundled MNIST resource missing; was the jar built without src/main/resources?");
        }
        return in;
    }

    private static Dataset pair(String name, Idx.Images images, String imagesSource, int[] labels, String labelsSource)
            throws IdxFormatException {
        if (images.count() != labels.length) {
            throw new IdxFormatException(imagesSource, "holds " + images.count() + " images but "
                    + labelsSource + " holds " + labels.length + " labels; they must match one to one");
        }
        return Dataset.fromIdx(name, images, labels, CLASSES);
    }

    private static DataSplit split(Dataset train, String trainSource, Dataset test, String testSource, String from)
            throws IdxFormatException {
        if (train.imageHeight() != test.imageHeight() || train.imageWidth() != test.imageWidth()) {
            throw new IdxFormatException(testSource, "images are " + test.imageHeight() + "x" + test.imageWidth()
                    + " but " + trainSource + " images are " + train.imageHeight() + "x" + train.imageWidth());
        }
        log.info("Loaded {} training and {} test images of {}x{} from {}",
                train.size(), test.size(), train.imageHeight(), train.imageWidth(), from);
        return new DataSplit(train, test);
    }
}
