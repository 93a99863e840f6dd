package dev.clayers.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MnistDatasetTest {
    /** Where Debian's dataset-fashion-mnist package installs the full set; an extra check when present. */
    private static final Path FASHION = Path.of("/usr/share/datasets/fashion-mnist");

    @TempDir
    Path dir;

    /** {@code count} 28x28 images where image {@code n} is filled with the byte {@code n * 51}. */
    private static Idx.Images images(int count) {
        byte[] pixels = new byte[count * 784];
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = (byte) (i / 784 * 51);
        }
        return new Idx.Images(count, 28, 28, pixels);
    }

    /** Writes a small dataset folder, mixing plain and .gz names and raw and gzip content. */
    private void writeFolder(int train, int trainLabels, int test) throws IOException {
        Idx.writeImages(dir.resolve(MnistDataset.TRAIN_IMAGES + ".gz"), images(train), true);
        Idx.writeLabels(dir.resolve(MnistDataset.TRAIN_LABELS), new int[trainLabels], false);
        Idx.writeImages(dir.resolve(MnistDataset.TEST_IMAGES), images(test), true);
        int[] testLabels = new int[test];
        testLabels[test - 1] = 9;
        Idx.writeLabels(dir.resolve(MnistDataset.TEST_LABELS + ".gz"), testLabels, false);
    }

    private static void assertContains(String message, String... parts) {
        for (String part : parts) {
            assertTrue(message.contains(part), "message should contain '" + part + "': " + message);
        }
    }

    @Test
    void loadsAFolderAndScalesPixelsToUnitRange() throws IOException {
        writeFolder(6, 6, 3);
        DataSplit data = MnistDataset.load(dir);

        Dataset train = data.train();
        assertEquals(6, train.size());
        assertEquals(28, train.rows());
        assertEquals(28, train.cols());
        assertEquals(784, train.features());
        assertEquals(10, train.classes());
        assertEquals(6 * 784, train.images().length);
        assertEquals(0f, train.images()[0]);
        assertEquals(0.2f, train.images()[784]);
        assertEquals(1f, train.images()[5 * 784 + 783]);
        assertEquals(dir.getFileName() + "/train", train.name());
        assertArrayEquals(new int[] {0, 0, 9}, data.test().labels());
    }

    @Test
    void imageLabelCountMismatchNamesBothFilesAndCounts() throws IOException {
        writeFolder(5, 4, 3);
        IdxFormatException e = assertThrows(IdxFormatException.class, () -> MnistDataset.load(dir));
        assertContains(e.getMessage(),
                dir.resolve(MnistDataset.TRAIN_IMAGES + ".gz").toString(), "5 images",
                dir.resolve(MnistDataset.TRAIN_LABELS).toString(), "4 labels");
    }

    @Test
    void missingFolderNamesItAndListsTheExpectedFiles() {
        Path absent = dir.resolve("no-such-dataset");
        NoSuchFileException e = assertThrows(NoSuchFileException.class, () -> MnistDataset.load(absent));
        assertContains(e.getMessage(), absent.toString(), "no such folder",
                "train-images-idx3-ubyte[.gz]", "train-labels-idx1-ubyte[.gz]",
                "t10k-images-idx3-ubyte[.gz]", "t10k-labels-idx1-ubyte[.gz]");
    }

    @Test
    void aFileInsteadOfAFolder() throws IOException {
        Path file = Files.writeString(dir.resolve("mnist.zip"), "x");
        // What the path is, not "no such file": it exists.
        assertContains(assertThrows(dev.clayers.io.InputFiles.WrongFileKindException.class, () -> MnistDataset.load(file))
                .getMessage(), file.toString(), "is a text file, not a folder", "t10k-labels-idx1-ubyte[.gz]");
    }

    @Test
    void missingFileNamesItsPathAndBothAcceptedNames() throws IOException {
        writeFolder(2, 2, 2);
        Files.delete(dir.resolve(MnistDataset.TEST_LABELS + ".gz"));
        NoSuchFileException e = assertThrows(NoSuchFileException.class, () -> MnistDataset.load(dir));
        assertContains(e.getMessage(), dir.resolve(MnistDataset.TEST_LABELS).toString(), "missing",
                "t10k-labels-idx1-ubyte.gz", "train-images-idx3-ubyte[.gz]");
    }

    @Test
    void brokenFileInAFolderIsReportedByItsPath() throws IOException {
        writeFolder(2, 2, 2);
        Path labels = dir.resolve(MnistDataset.TRAIN_LABELS);
        Idx.writeLabels(labels, new int[] {3, 12}, false);
        assertContains(assertThrows(IdxFormatException.class, () -> MnistDataset.load(dir)).getMessage(),
                labels.toString(), "label 12 at index 1 is outside 0..9");
    }

    @Test
    void trainAndTestImageSizesMustAgree() throws IOException {
        writeFolder(2, 2, 2);
        Idx.writeImages(dir.resolve(MnistDataset.TEST_IMAGES), new Idx.Images(2, 14, 14, new byte[2 * 196]), false);
        assertContains(assertThrows(IdxFormatException.class, () -> MnistDataset.load(dir)).getMessage(),
                MnistDataset.TEST_IMAGES, "14x14", "28x28");
    }

    @Test
    void realFashionMnistWhenInstalled() throws IOException {
        assumeTrue(Files.isDirectory(FASHION), FASHION + " is absent (Debian package dataset-fashion-mnist)");
        DataSplit data = MnistDataset.load(FASHION);
        assertEquals(60000, data.train().size());
        assertEquals(10000, data.test().size());
        assertEquals(784, data.train().features());
        // Fashion-MNIST is exactly balanced: 6,000 training and 1,000 test images per class.
        assertArrayEquals(filled(6000), BundledMnistTest.classCounts(data.train()));
        assertArrayEquals(filled(1000), BundledMnistTest.classCounts(data.test()));
        BundledMnistTest.assertPixelsArePlausible(data.train());
    }

    private static int[] filled(int value) {
        int[] a = new int[10];
        Arrays.fill(a, value);
        return a;
    }
}
