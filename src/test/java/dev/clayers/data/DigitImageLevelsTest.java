package dev.clayers.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * {@code predict} sees the grey levels as stored: a grey PNG's samples, an RGB PNG's BT.601 luma
 * of the stored values. The old reading treated 8-bit grey as linear light and converted it to
 * sRGB (grey 29 became 164, RGB 29 became 95). The pictures are 20x20 with ink in every corner, so
 * the digit box needs no scaling, and symmetric under a half turn, so its centre of mass is the
 * middle (9.5, 9.5) and it lands at offset 4, 4 of the 28x28 field.
 */
class DigitImageLevelsTest {
    private static final int[] LEVELS = {29, 64, 128, 200, 255, 1, 17, 90};
    private static final int OFFSET = 4;

    /** The stored level at (x, y): a row of {@link #LEVELS} and its half-turn image, 255 in two corners, 0 elsewhere. */
    private static int level(int x, int y) {
        if ((x == 0 && y == 0) || (x == 19 && y == 19)) return 255;
        if ((x == 19 && y == 0) || (x == 0 && y == 19)) return 128;
        if (y == 10 && x >= 2 && x < 2 + LEVELS.length) return LEVELS[x - 2];
        if (y == 9 && x <= 17 && x > 17 - LEVELS.length) return LEVELS[17 - x];
        return 0;
    }

    private static float[] expected() {
        float[] out = new float[28 * 28];
        for (int y = 0; y < 20; y++) for (int x = 0; x < 20; x++) out[(y + OFFSET) * 28 + x + OFFSET] = level(x, y) / 255f;
        return out;
    }

    @Test
    void greyPngLevelsAreTheStoredSamples(@TempDir Path dir) throws Exception {
        BufferedImage img = new BufferedImage(20, 20, BufferedImage.TYPE_BYTE_GRAY);
        for (int y = 0; y < 20; y++) for (int x = 0; x < 20; x++) img.getRaster().setSample(x, y, 0, level(x, y));
        Path png = dir.resolve("grey.png");
        ImageIO.write(img, "png", png.toFile());
        assertEquals(1, ImageIO.read(png.toFile()).getColorModel().getNumColorComponents(), "a grey PNG");
        float[] got = DigitImage.load(png, false);
        assertEquals(29 / 255f, got[(10 + OFFSET) * 28 + 2 + OFFSET], "29 stays 29, not 164");
        assertEquals(64 / 255f, got[(10 + OFFSET) * 28 + 3 + OFFSET], "64 stays 64, not 194");
        assertEquals(128 / 255f, got[(10 + OFFSET) * 28 + 4 + OFFSET], "128 stays 128, not 223");
        assertArrayEquals(expected(), got);
    }

    @Test
    void rgbPngLevelsAreTheLumaOfTheStoredValues(@TempDir Path dir) throws Exception {
        BufferedImage img = new BufferedImage(20, 20, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 20; y++) {
            for (int x = 0; x < 20; x++) {
                int v = level(x, y);
                img.setRGB(x, y, v << 16 | v << 8 | v);
            }
        }
        Path png = dir.resolve("rgb.png");
        ImageIO.write(img, "png", png.toFile());
        assertEquals(3, ImageIO.read(png.toFile()).getColorModel().getNumColorComponents(), "an RGB PNG");
        float[] got = DigitImage.load(png, false);
        assertEquals(29 / 255f, got[(10 + OFFSET) * 28 + 2 + OFFSET], 1e-6f, "29 stays 29, not 95");
        assertEquals(64 / 255f, got[(10 + OFFSET) * 28 + 3 + OFFSET], 1e-6f, "64 stays 64, not 137");
        assertArrayEquals(expected(), got, 1e-6f);
    }

    @Test
    void colourIsTheBt601LumaOfTheStoredValues(@TempDir Path dir) throws Exception {
        BufferedImage img = new BufferedImage(20, 20, BufferedImage.TYPE_3BYTE_BGR);
        for (int y = 0; y < 20; y++) for (int x = 0; x < 20; x++) if (level(x, y) == 255) img.setRGB(x, y, 0xffffff);
        img.setRGB(5, 10, 200 << 16 | 50 << 8 | 10);
        img.setRGB(14, 9, 200 << 16 | 50 << 8 | 10);   // its half-turn image
        Path png = dir.resolve("colour.png");
        ImageIO.write(img, "png", png.toFile());
        float[] got = DigitImage.load(png, false);
        assertEquals((0.299 * 200 + 0.587 * 50 + 0.114 * 10) / 255, got[(10 + OFFSET) * 28 + 5 + OFFSET], 1e-6);
    }

    @Test
    void areaAveragingOfAnUnchangedSizeIsExactAndOfAHalfIsTheMean() {
        float[] src = {0.1f, 0.2f, 0.3f, 0.4f};
        assertArrayEquals(src, DigitImage.areaAverage(src, 2, 2, 2, 2));
        assertArrayEquals(new float[] {0.25f}, DigitImage.areaAverage(src, 2, 2, 1, 1), 1e-7f);
        // 3 -> 2: each output covers one and a half inputs.
        assertArrayEquals(new float[] {(1 + 0.5f * 2) / 1.5f, (0.5f * 2 + 3) / 1.5f}, DigitImage.areaAverage(new float[] {1, 2, 3}, 3, 1, 2, 1),
                1e-6f);
    }
}
