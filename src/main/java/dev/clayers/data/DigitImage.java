package dev.clayers.data;

import dev.clayers.Limits;
import dev.clayers.io.InputFiles;

import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.util.Iterator;
import java.nio.file.Path;

/**
 * Turns a picture (PNG, JPEG; grayscale or colour; any size) into a 28x28 input the way the
 * MNIST digits were made: light digit on a dark background, the digit's bounding box scaled to
 * fit 20x20 keeping its aspect ratio (with anti-aliasing), then placed in a 28x28 field so its
 * centre of mass sits at the centre.
 *
 * <p>Grey levels are read as stored, with no colour-space conversion: a grey picture's sample
 * value, or for colour the ITU-R BT.601 luma {@code 0.299 R + 0.587 G + 0.114 B} of the stored
 * (sRGB-encoded) values, the way MNIST's grey levels were stored. {@link BufferedImage#getRGB}
 * is not used: it treats an 8-bit grey image as linear light and converts it to sRGB, which
 * turned a stored 29 into 95 (and 164 after a second trip through a grey image), distorting every
 * anti-aliased drawing before the network saw it. The scaling is plain area averaging in floating
 * point for the same reason, so a picture that needs no scaling keeps its levels exactly.
 */
public final class DigitImage {
    /** Side of the square image a picture becomes: 28 pixels, as in MNIST. */
    public static final int SIZE = 28;
    private static final int BOX = 20;

    private DigitImage() {}

    /**
     * @param invert true for dark ink on a light background (a scan or photo of paper)
     * @return 784 floats in [0, 1], row-major
     * @throws IOException when the file is missing or not a readable image, naming the file
     */
    public static float[] load(Path file, boolean invert) throws IOException {
        return fromImage(read(file), invert);
    }

    /**
     * A loaded picture: the 784 model inputs and whether they were inverted (given or detected).
     *
     * @param pixels   784 floats in [0, 1], row-major
     * @param inverted whether the grey levels were inverted (light ink was asked for or detected)
     */
    public record Loaded(float[] pixels, boolean inverted) {}

    /**
     * As {@link #load(Path, boolean)}, with {@code invert} null meaning: decide from the picture
     * ({@link #looksDarkOnLight}).
     */
    public static Loaded load(Path file, Boolean invert) throws IOException {
        BufferedImage img = read(file);
        boolean inv = invert != null ? invert : looksDarkOnLight(img);
        return new Loaded(fromImage(img, inv), inv);
    }

    /**
     * Whether the picture shows dark ink on a light background (paper), judged from its border:
     * a digit is drawn in the middle, so the outer twentieth on each side (at least one pixel) is
     * background; if its mean brightness is above one half the background is light. MNIST, which
     * the models learn from, is light on dark. Transparent pixels count as dark background.
     */
    public static boolean looksDarkOnLight(BufferedImage img) {
        int w = img.getWidth(), h = img.getHeight();
        int band = Math.max(1, Math.min(w, h) / 20);
        StoredPixels px = new StoredPixels(img);
        double sum = 0;
        long n = 0;
        for (int y = 0; y < h; y++) {
            boolean edgeRow = y < band || y >= h - band;
            for (int x = 0; x < w; x++) {
                if (!edgeRow && x >= band && x < w - band) {
                    x = w - band - 1;   // skip the inside of the row
                    continue;
                }
                px.read(x, y);
                sum += px.luma();
                n++;
            }
        }
        return n > 0 && sum / n > 0.5;
    }

    static BufferedImage read(Path file) throws IOException {
        InputFiles.requireRegularFile(file, "an image file (PNG, JPEG, GIF or BMP)");
        BufferedImage img;
        try (ImageInputStream in = ImageIO.createImageInputStream(file.toFile())) {
            Iterator<ImageReader> readers = in == null ? null : ImageIO.getImageReaders(in);
            if (readers == null || !readers.hasNext()) throw new IOException(file + ": not a PNG, JPEG, GIF or BMP image");
            ImageReader reader = readers.next();
            try {
                reader.setInput(in, true, true);
                // The header's size, checked before decoding: a few hundred bytes of PNG can claim
                // 40000x40000 pixels, which would take gigabytes of heap and minutes to decode.
                checkSize(file, reader.getWidth(0), reader.getHeight(0));
                img = reader.read(0);
            } finally {
                reader.dispose();
            }
        } catch (ImageTooLargeException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            // ImageIO's PNG reader wraps an OutOfMemoryError; it is not a broken file.
            if (e.getCause() instanceof OutOfMemoryError oom) throw oom;
            String why = e.getMessage();
            if (why != null && why.startsWith(file.toString())) throw e;
            throw new IOException(file + ": not a readable image (" + why + ")");
        }
        return img;
    }

    /** A picture larger than {@link Limits#MAX_IMAGE_PIXELS}. */
    public static final class ImageTooLargeException extends IOException {
        private static final long serialVersionUID = 1L;

        ImageTooLargeException(String message) {
            super(message);
        }
    }

    static void checkSize(Path file, int width, int height) throws ImageTooLargeException {
        long pixels = (long) width * height;
        if (width <= 0 || height <= 0 || pixels > Limits.MAX_IMAGE_PIXELS) {
            throw new ImageTooLargeException(file + " is " + width + "x" + height + " pixels, more than the limit of "
                    + Limits.format(Limits.MAX_IMAGE_PIXELS) + " pixels; scale it down (a digit needs no more than a few"
                    + " hundred pixels a side) or " + Limits.howToRaise("clayers.maxImagePixels"));
        }
    }

    /** See {@link #load}; {@code img} is not modified. */
    public static float[] fromImage(BufferedImage img, boolean invert) {
        int w = img.getWidth(), h = img.getHeight();
        float[] gray = new float[w * h];   // checked: w * h <= Limits.MAX_IMAGE_PIXELS when loaded from a file
        StoredPixels px = new StoredPixels(img);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                px.read(x, y);
                double l = px.straightLuma();
                double v = invert ? 1 - l : l;
                // Transparent pixels count as background.
                gray[y * w + x] = (float) (v * px.alpha());
            }
        }
        double max = 0;
        for (float v : gray) max = Math.max(max, v);
        if (max <= 0) return new float[SIZE * SIZE];
        // Bounding box of the ink: pixels above a tenth of the brightest one.
        int x0 = w, y0 = h, x1 = -1, y1 = -1;
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                if (gray[y * w + x] > 0.1 * max) {
                    x0 = Math.min(x0, x);
                    x1 = Math.max(x1, x);
                    y0 = Math.min(y0, y);
                    y1 = Math.max(y1, y);
                }
            }
        }
        int bw = x1 - x0 + 1, bh = y1 - y0 + 1;
        float[] crop = new float[bw * bh];
        for (int y = 0; y < bh; y++) {
            for (int x = 0; x < bw; x++) crop[y * bw + x] = (float) (gray[(y0 + y) * w + x0 + x] / max);
        }
        double scale = (double) BOX / Math.max(bw, bh);
        int sw = Math.max(1, (int) Math.round(bw * scale)), sh = Math.max(1, (int) Math.round(bh * scale));
        float[] small = areaAverage(crop, bw, bh, sw, sh);
        // Centre of mass of the scaled digit, moved to the field's centre.
        double mass = 0, cx = 0, cy = 0;
        for (int y = 0; y < sh; y++) {
            for (int x = 0; x < sw; x++) {
                double v = small[y * sw + x];
                mass += v;
                cx += v * x;
                cy += v * y;
            }
        }
        int offX = (int) Math.round(SIZE / 2.0 - (mass > 0 ? cx / mass : sw / 2.0) - 0.5);
        int offY = (int) Math.round(SIZE / 2.0 - (mass > 0 ? cy / mass : sh / 2.0) - 0.5);
        float[] out = new float[SIZE * SIZE];
        for (int y = 0; y < sh; y++) {
            for (int x = 0; x < sw; x++) {
                int tx = x + offX, ty = y + offY;
                if (tx >= 0 && tx < SIZE && ty >= 0 && ty < SIZE) out[ty * SIZE + tx] = small[y * sw + x];
            }
        }
        return out;
    }

    /**
     * Resamples a {@code w x h} picture to {@code nw x nh} by area averaging: each output pixel is
     * the mean of the source area it covers, pixels cut by its edge weighted by the part inside
     * (what {@code Image.SCALE_AREA_AVERAGING} does, without its colour models). Rows first, then
     * columns. An unchanged size returns the values exactly.
     */
    static float[] areaAverage(float[] src, int w, int h, int nw, int nh) {
        float[] rows = new float[nw * h];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < nw; x++) rows[y * nw + x] = (float) mean(src, y * w, 1, (double) x * w / nw, (double) (x + 1) * w / nw);
        }
        float[] out = new float[nw * nh];
        for (int x = 0; x < nw; x++) {
            for (int y = 0; y < nh; y++) out[y * nw + x] = (float) mean(rows, x, nw, (double) y * h / nh, (double) (y + 1) * h / nh);
        }
        return out;
    }

    /** Mean of {@code a[offset + i * stride]} over the real interval [from, to) of i. */
    private static double mean(float[] a, int offset, int stride, double from, double to) {
        double sum = 0;
        for (int i = (int) Math.floor(from); i < to; i++) {
            double overlap = Math.min(to, i + 1) - Math.max(from, i);
            sum += a[offset + i * stride] * overlap;
        }
        return sum / (to - from);
    }
}
