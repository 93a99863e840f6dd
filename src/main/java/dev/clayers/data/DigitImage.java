package dev.clayers.data;

import dev.clayers.Limits;
import dev.clayers.io.InputFiles;

import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import java.awt.Graphics2D;
import java.awt.Image;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.util.Iterator;
import java.nio.file.Path;

/**
 * Turns a picture (PNG, JPEG; grayscale or colour; any size) into a 28x28 input the way the
 * MNIST digits were made: light digit on a dark background, the digit's bounding box scaled to
 * fit 20x20 keeping its aspect ratio (with anti-aliasing), then placed in a 28x28 field so its
 * centre of mass sits at the centre.
 */
public final class DigitImage {
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

    /** A loaded picture: the 784 model inputs and whether they were inverted (given or detected). */
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
        double sum = 0;
        long n = 0;
        for (int y = 0; y < h; y++) {
            boolean edgeRow = y < band || y >= h - band;
            for (int x = 0; x < w; x++) {
                if (!edgeRow && x >= band && x < w - band) {
                    x = w - band - 1;   // skip the inside of the row
                    continue;
                }
                sum += brightness(img.getRGB(x, y));
                n++;
            }
        }
        return n > 0 && sum / n > 0.5;
    }

    /** Alpha-weighted luma in [0, 1] (ITU-R BT.601); transparent is 0. */
    private static double brightness(int argb) {
        double a = ((argb >>> 24) & 0xff) / 255.0;
        double l = (0.299 * ((argb >> 16) & 0xff) + 0.587 * ((argb >> 8) & 0xff) + 0.114 * (argb & 0xff)) / 255.0;
        return l * a;
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
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int argb = img.getRGB(x, y);
                double a = ((argb >>> 24) & 0xff) / 255.0;
                // ITU-R BT.601 luma; transparent pixels count as background.
                double l = (0.299 * ((argb >> 16) & 0xff) + 0.587 * ((argb >> 8) & 0xff) + 0.114 * (argb & 0xff)) / 255.0;
                double v = invert ? 1 - l : l;
                gray[y * w + x] = (float) (v * a);
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
        BufferedImage crop = new BufferedImage(bw, bh, BufferedImage.TYPE_BYTE_GRAY);
        for (int y = 0; y < bh; y++) {
            for (int x = 0; x < bw; x++) {
                int g = (int) Math.round(255 * gray[(y0 + y) * w + x0 + x] / max);
                crop.getRaster().setSample(x, y, 0, g);
            }
        }
        double scale = (double) BOX / Math.max(bw, bh);
        int sw = Math.max(1, (int) Math.round(bw * scale)), sh = Math.max(1, (int) Math.round(bh * scale));
        Image scaled = crop.getScaledInstance(sw, sh, Image.SCALE_AREA_AVERAGING);
        BufferedImage small = new BufferedImage(sw, sh, BufferedImage.TYPE_BYTE_GRAY);
        Graphics2D g = small.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
        g.drawImage(scaled, 0, 0, null);
        g.dispose();
        // Centre of mass of the scaled digit, moved to the field's centre.
        double mass = 0, cx = 0, cy = 0;
        for (int y = 0; y < sh; y++) {
            for (int x = 0; x < sw; x++) {
                int v = small.getRaster().getSample(x, y, 0);
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
                if (tx >= 0 && tx < SIZE && ty >= 0 && ty < SIZE) {
                    out[ty * SIZE + tx] = small.getRaster().getSample(x, y, 0) / 255f;
                }
            }
        }
        return out;
    }
}
