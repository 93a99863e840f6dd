package dev.clayers.data;

import org.junit.jupiter.api.Test;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Polarity from the border: paper (dark on light) is inverted, MNIST-like and transparent pictures are not. */
class DigitPolarityTest {
    private static BufferedImage digit(Color background, Color ink, int type) {
        BufferedImage img = new BufferedImage(60, 40, type);
        Graphics2D g = img.createGraphics();
        g.setColor(background);
        g.fillRect(0, 0, 60, 40);
        g.setColor(ink);
        g.fillRect(25, 8, 10, 24);   // a "1" in the middle
        g.dispose();
        return img;
    }

    @Test
    void lightBorderMeansDarkInkOnPaper() {
        assertTrue(DigitImage.looksDarkOnLight(digit(Color.WHITE, Color.BLACK, BufferedImage.TYPE_INT_RGB)));
        assertTrue(DigitImage.looksDarkOnLight(digit(new Color(200, 190, 170), new Color(30, 30, 60), BufferedImage.TYPE_INT_RGB)));
    }

    @Test
    void darkOrTransparentBorderIsLeftAsItIs() {
        assertFalse(DigitImage.looksDarkOnLight(digit(Color.BLACK, Color.WHITE, BufferedImage.TYPE_INT_RGB)));
        assertFalse(DigitImage.looksDarkOnLight(digit(new Color(0, 0, 0, 0), Color.BLACK, BufferedImage.TYPE_INT_ARGB)));
    }

    @Test
    void aPaperDigitInvertedByDetectionEqualsTheMnistStyleOne() {
        float[] paper = DigitImage.fromImage(digit(Color.WHITE, Color.BLACK, BufferedImage.TYPE_INT_RGB), true);
        float[] mnist = DigitImage.fromImage(digit(Color.BLACK, Color.WHITE, BufferedImage.TYPE_INT_RGB), false);
        assertArrayEquals(mnist, paper, 1e-6f);
    }

    @Test
    void aOnePixelPictureDoesNotBreakIt() {
        assertFalse(DigitImage.looksDarkOnLight(new BufferedImage(1, 1, BufferedImage.TYPE_INT_RGB)));
    }
}
