package dev.clayers.data;

import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.Raster;

/**
 * A picture's values as stored, in [0, 1], with no colour-space conversion: a grey picture's
 * sample, or a colour picture's stored (sRGB-encoded) R, G and B, and their ITU-R BT.601 luma
 * {@code 0.299 R + 0.587 G + 0.114 B} for grey. The colour model only scales the samples
 * ({@code getNormalizedComponents}). {@link BufferedImage#getRGB} is avoided on purpose: it treats
 * an 8-bit grey picture as linear light and converts it to sRGB (a stored 29 reads as 95). A
 * transparent pixel is composited over black (value times alpha), as {@code DigitImage} counts it
 * background. {@code DigitImage} and {@code ImageFolder} both read pictures through it.
 *
 * <p>Thread rule: not thread-safe (it reuses its buffers); one per thread.
 */
final class StoredPixels {
    private final Raster raster;
    private final ColorModel model;
    private final int colours;
    private final boolean premultiplied;
    private Object data;
    private float[] components;

    StoredPixels(BufferedImage img) {
        raster = img.getRaster();
        model = img.getColorModel();
        colours = model.getNumColorComponents();
        premultiplied = model.isAlphaPremultiplied();
    }

    /** Reads pixel (x, y); then {@link #channel} and {@link #luma} give its values. */
    void read(int x, int y) {
        data = raster.getDataElements(x, y, data);
        components = model.getNormalizedComponents(data, components, 0);
    }

    /** Channel {@code c} (0 R, 1 G, 2 B; a grey picture gives its grey for each), over black by alpha. */
    float channel(int c) {
        return (float) (straight(colours >= 3 ? components[c] : components[0]) * alpha());
    }

    /** The grey level, over black by alpha. */
    float luma() {
        double l = colours >= 3 ? 0.299 * straight(components[0]) + 0.587 * straight(components[1])
                + 0.114 * straight(components[2]) : straight(components[0]);
        return (float) (l * alpha());
    }

    /** The grey level not composited (as stored, for a picture whose alpha marks background). */
    float straightLuma() {
        return (float) (colours >= 3 ? 0.299 * straight(components[0]) + 0.587 * straight(components[1])
                + 0.114 * straight(components[2]) : straight(components[0]));
    }

    /** The pixel's alpha, 1 without an alpha channel. */
    double alpha() {
        return model.hasAlpha() ? components[colours] : 1;
    }

    private double straight(float v) {
        double a = alpha();
        return premultiplied && a > 0 ? v / a : v;
    }

}
