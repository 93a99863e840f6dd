package dev.clayers.data;

import dev.clayers.Limits;
import dev.clayers.io.InputFiles;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Loads a folder of pictures with one sub-folder per class, as Keras's
 * {@code image_dataset_from_directory} and torchvision's {@code ImageFolder} read it:
 * <pre>
 * flowers/
 *   daisy/   001.jpg 002.png ...
 *   rose/    a.jpeg ...
 * </pre>
 * The classes are the sub-folders sorted by name (class 0 is the first); the pictures of a class
 * are its {@code .png}, {@code .jpg} and {@code .jpeg} files (any case), sorted by name; other
 * files, hidden entries (a leading dot) and files directly in the top folder are skipped. Each
 * picture is resized to {@code height x width} by area averaging (each output pixel is the mean
 * of the source area it covers, so a picture of the asked size keeps its values exactly) and
 * read as {@link Colour#GREY} (one channel, the BT.601 luma) or {@link Colour#RGB} (three
 * channels, one plane after another: the C x H x W layout a conv layer reads), values in [0, 1]
 * as stored ({@link StoredPixels}); transparent pixels count as black.
 *
 * <p>Caps from {@link Limits}: at most {@link Limits#MAX_DATASET_FILES} pictures, each at most
 * {@link Limits#MAX_IMAGE_PIXELS} pixels (read from its header before decoding),
 * {@code channels x height x width} at most {@link Limits#MAX_IMAGE_VALUES}, and the whole set
 * within one array ({@link Limits#MAX_MATRIX_ELEMENTS}); all but the pixel cap are checked before
 * any picture is decoded.
 *
 * <p>Thread rule: stateless; any number of threads may load at once.
 */
public final class ImageFolder {
    private ImageFolder() {}

    /** How pictures are read. */
    public enum Colour {
        /** One channel: the luma {@code 0.299 R + 0.587 G + 0.114 B} (a grey picture's own level). */
        GREY(1),
        /** Three channels, R, G and B (a grey picture gives its level in each). */
        RGB(3);

        private final int channels;

        Colour(int channels) {
            this.channels = channels;
        }

        /** Values per pixel. */
        public int channels() { return channels; }
    }

    /**
     * Reads every picture under {@code root}.
     *
     * @param height the height in pixels every picture is resized to
     * @param width  the width in pixels every picture is resized to
     * @throws IOException naming the folder or the file at fault: {@code root} missing or not a
     *         folder, no class sub-folder, a class without pictures, a picture that cannot be
     *         decoded or is over the pixel cap
     * @throws IllegalArgumentException for a size out of range or a folder over a cap
     */
    public static NamedDataset load(Path root, int height, int width, Colour colour) throws IOException {
        if (colour == null) throw new IllegalArgumentException("colour must be GREY or RGB");
        if (height <= 0 || width <= 0) {
            throw new IllegalArgumentException("pictures must be resized to a positive size, got " + height + "x" + width);
        }
        long features = (long) colour.channels() * height * width;
        if (features > Limits.MAX_IMAGE_VALUES) {
            throw new IllegalArgumentException(colour.channels() + "x" + height + "x" + width + " is " + Limits.format(features)
                    + " values per picture, more than the limit of " + Limits.format(Limits.MAX_IMAGE_VALUES) + "; "
                    + Limits.howToRaise("clayers.maxImageValues"));
        }
        requireFolder(root);
        List<Path> classDirs = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(root)) {
            for (Path p : ds) if (!hidden(p) && Files.isDirectory(p)) classDirs.add(p);
        }
        if (classDirs.isEmpty()) {
            throw new IOException(root + ": no class sub-folders; put each class's pictures in a folder of its own"
                    + " (" + root.resolve("cat") + ", " + root.resolve("dog") + ", ...)");
        }
        classDirs.sort((a, b) -> a.getFileName().toString().compareTo(b.getFileName().toString()));
        List<String> names = new ArrayList<>();
        List<Path> files = new ArrayList<>();
        List<Integer> labels = new ArrayList<>();
        for (int c = 0; c < classDirs.size(); c++) {
            Path dir = classDirs.get(c);
            names.add(dir.getFileName().toString());
            List<Path> pictures = new ArrayList<>();
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
                for (Path p : ds) {
                    if (hidden(p) || !picture(p)) continue;
                    if (files.size() + pictures.size() >= Limits.MAX_DATASET_FILES) {
                        throw new IllegalArgumentException(root + " holds more than " + Limits.format(Limits.MAX_DATASET_FILES)
                                + " pictures, the limit; " + Limits.howToRaise("clayers.maxDatasetFiles"));
                    }
                    pictures.add(p);
                }
            }
            if (pictures.isEmpty()) throw new IOException(dir + ": no .png, .jpg or .jpeg picture in this class folder");
            pictures.sort((a, b) -> a.getFileName().toString().compareTo(b.getFileName().toString()));
            for (Path p : pictures) {
                files.add(p);
                labels.add(c);
            }
        }
        float[] x = new float[Dataset.checkedValues(root.toString(), files.size(), features)];
        int[] y = new int[files.size()];
        for (int i = 0; i < files.size(); i++) {
            Path file = files.get(i);
            BufferedImage img;
            try {
                img = DigitImage.read(file);   // the header's size is checked against the pixel cap before decoding
            } catch (OutOfMemoryError e) {
                throw new IOException(file + ": too large to decode in this heap", e);
            }
            float[] planes = planes(img, colour);
            int f = (int) features;
            for (int c = 0; c < colour.channels(); c++) {
                float[] plane = java.util.Arrays.copyOfRange(planes, c * img.getWidth() * img.getHeight(),
                        (c + 1) * img.getWidth() * img.getHeight());
                float[] r = resize(plane, img.getWidth(), img.getHeight(), width, height);
                System.arraycopy(r, 0, x, i * f + c * height * width, height * width);
            }
            y[i] = labels.get(i);
        }
        String name = root.getFileName() == null ? root.toString() : root.getFileName().toString();
        return new NamedDataset(new Dataset(name, x, y, colour.channels(), height, width, names.size()), names);
    }

    /** The picture's channels as planes of its own size, values as stored in [0, 1]. */
    static float[] planes(BufferedImage img, Colour colour) {
        int w = img.getWidth(), h = img.getHeight(), n = w * h;   // n <= MAX_IMAGE_PIXELS when read from a file
        float[] out = new float[colour.channels() * n];
        StoredPixels px = new StoredPixels(img);
        for (int yy = 0; yy < h; yy++) {
            for (int xx = 0; xx < w; xx++) {
                px.read(xx, yy);
                if (colour == Colour.GREY) {
                    out[yy * w + xx] = px.luma();
                } else {
                    for (int c = 0; c < 3; c++) out[c * n + yy * w + xx] = px.channel(c);
                }
            }
        }
        return out;
    }

    /**
     * Area averaging from {@code sw x sh} to {@code tw x th}, one axis after the other: output
     * pixel t covers the source interval {@code [t * s / T, (t + 1) * s / T)} and is the mean of
     * the source pixels over it, each weighted by how much of it is covered. Equal sizes copy.
     */
    static float[] resize(float[] src, int sw, int sh, int tw, int th) {
        double[] rows = new double[sh * tw];
        for (int y = 0; y < sh; y++) {
            for (int t = 0; t < tw; t++) rows[y * tw + t] = average(src, y * sw, 1, sw, tw, t);
        }
        float[] out = new float[th * tw];
        for (int x = 0; x < tw; x++) {
            for (int t = 0; t < th; t++) out[t * tw + x] = (float) average(rows, x, tw, sh, th, t);
        }
        return out;
    }

    private static double average(float[] v, int offset, int stride, int s, int target, int t) {
        double a = (double) t * s / target, b = (double) (t + 1) * s / target, sum = 0;
        for (int i = (int) Math.floor(a); i < Math.min(s, (int) Math.ceil(b)); i++) {
            sum += v[offset + i * stride] * (Math.min(b, i + 1) - Math.max(a, i));
        }
        return sum / (b - a);
    }

    private static double average(double[] v, int offset, int stride, int s, int target, int t) {
        double a = (double) t * s / target, b = (double) (t + 1) * s / target, sum = 0;
        for (int i = (int) Math.floor(a); i < Math.min(s, (int) Math.ceil(b)); i++) {
            sum += v[offset + i * stride] * (Math.min(b, i + 1) - Math.max(a, i));
        }
        return sum / (b - a);
    }

    private static boolean hidden(Path p) {
        return p.getFileName().toString().startsWith(".");
    }

    private static boolean picture(Path p) {
        String n = p.getFileName().toString().toLowerCase(Locale.ROOT);
        return (n.endsWith(".png") || n.endsWith(".jpg") || n.endsWith(".jpeg")) && Files.isRegularFile(p);
    }

    private static void requireFolder(Path root) throws IOException {
        if (Files.isDirectory(root)) return;
        if (!Files.exists(root)) {
            throw new NoSuchFileException(root.toString(), null, "expected a folder with one sub-folder of pictures per class");
        }
        throw new InputFiles.WrongFileKindException(root + " is " + InputFiles.kind(root)
                + ", not a folder with one sub-folder of pictures per class");
    }
}
