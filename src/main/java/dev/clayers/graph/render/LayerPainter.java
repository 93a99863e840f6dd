package dev.clayers.graph.render;

import javax.imageio.ImageIO;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.Path2D;
import java.awt.geom.RoundRectangle2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.List;

/**
 * A network drawn as Keras' {@code plot_model} and Netron draw one: its layers as boxes in a
 * column, top to bottom, each with its kind and parameters, and beside it what it puts out and how
 * many trainable values it has; the input above, the loss below, the total in the title. Boxes of
 * one kind share a colour (a layer kind picks it by its name, so a new kind needs no entry here).
 * The chapter's graph figures keep {@link GraphPainter}.
 */
public final class LayerPainter {
    private static final Font TITLE = new Font(Font.SANS_SERIF, Font.BOLD, 16);
    private static final Font NAME = new Font(Font.SANS_SERIF, Font.BOLD, 15);
    private static final Font SMALL = new Font(Font.SANS_SERIF, Font.PLAIN, 13);
    private static final Color INK = new Color(0x22, 0x22, 0x22);
    private static final Color MUTED = new Color(0x55, 0x5f, 0x6d);
    /** Pastel fills with a darker edge of the same hue: one per layer kind. */
    private static final Color[] FILLS = {new Color(0xDD, 0xEB, 0xF7), new Color(0xFB, 0xE3, 0xD6), new Color(0xE2, 0xF0, 0xD9),
            new Color(0xEE, 0xE3, 0xF3), new Color(0xFF, 0xF2, 0xCC), new Color(0xDE, 0xF3, 0xF1), new Color(0xF2, 0xE0, 0xE6)};
    private static final double MARGIN = 24, BOX_PAD = 12, GAP = 34, SIDE_GAP = 18, ROW = 20;

    private LayerPainter() {}

    /** The picture's size in pixels: {width, height}. */
    public static double[] size(LayerDiagram.Stack s) {
        double boxW = boxWidth(s), sideW = sideWidth(s);
        double w = Math.max(MARGIN * 2 + boxW + SIDE_GAP + sideW, MARGIN * 2 + Layout.textWidth(TITLE, List.of(s.title())));
        double h = MARGIN + ROW + 10 + ROW + GAP + s.layers().size() * (boxHeight() + GAP) + ROW + MARGIN;
        return new double[] {Math.ceil(w), Math.ceil(h)};
    }

    private static double boxHeight() { return BOX_PAD * 2 + ROW * 2; }

    private static double boxWidth(LayerDiagram.Stack s) {
        double w = 220;
        for (LayerDiagram.Layer l : s.layers()) {
            w = Math.max(w, Layout.textWidth(NAME, List.of(l.name() + "  " + l.kind())) + 2 * BOX_PAD);
            w = Math.max(w, Layout.textWidth(SMALL, List.of(l.detail())) + 2 * BOX_PAD);
        }
        return w;
    }

    private static double sideWidth(LayerDiagram.Stack s) {
        double w = Layout.textWidth(SMALL, List.of(s.input()));
        for (LayerDiagram.Layer l : s.layers()) w = Math.max(w, Layout.textWidth(SMALL, List.of(l.output(), l.params())));
        return w;
    }

    public static void paint(Graphics2D g, LayerDiagram.Stack s) {
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_FRACTIONALMETRICS, RenderingHints.VALUE_FRACTIONALMETRICS_ON);
        double[] size = size(s);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, (int) size[0], (int) size[1]);
        double boxW = boxWidth(s), left = MARGIN, cx = left + boxW / 2, side = left + boxW + SIDE_GAP;
        double y = MARGIN;
        text(g, TITLE, INK, s.title(), MARGIN, y);
        y += ROW + 10;
        centred(g, NAME, INK, "Input", cx, y);
        text(g, SMALL, MUTED, s.input(), side, y + 1);
        y += ROW;
        List<String> kinds = s.layers().stream().map(LayerDiagram.Layer::kind).distinct().toList();
        for (LayerDiagram.Layer l : s.layers()) {
            arrow(g, cx, y + 4, y + GAP - 2);
            y += GAP;
            Color fill = FILLS[kinds.indexOf(l.kind()) % FILLS.length];
            RoundRectangle2D box = new RoundRectangle2D.Double(left, y, boxW, boxHeight(), 12, 12);
            g.setColor(fill);
            g.fill(box);
            g.setColor(fill.darker().darker());
            g.setStroke(new BasicStroke(1.4f));
            g.draw(box);
            double ty = y + BOX_PAD;
            String head = l.name().equals(l.kind()) || l.name().isEmpty() ? l.kind() : l.kind() + "  " + l.name();
            // A layer without parameters to describe (ReLU) has its name in the middle of its box.
            centred(g, NAME, INK, head, cx, l.detail().isEmpty() ? y + (boxHeight() - ROW) / 2 : ty);
            centred(g, SMALL, MUTED, l.detail(), cx, ty + ROW);
            text(g, SMALL, INK, l.output(), side, ty);
            text(g, SMALL, MUTED, l.params(), side, ty + ROW);
            y += boxHeight();
        }
        arrow(g, cx, y + 4, y + GAP - 2);
        y += GAP;
        centred(g, NAME, INK, s.loss(), cx, y);
    }

    private static void text(Graphics2D g, Font f, Color c, String s, double x, double top) {
        if (s.isEmpty()) return;
        g.setFont(f);
        g.setColor(c);
        g.drawString(s, (float) x, (float) (top + Layout.ascent(f)));
    }

    private static void centred(Graphics2D g, Font f, Color c, String s, double cx, double top) {
        text(g, f, c, s, cx - Layout.textWidth(f, List.of(s)) / 2, top);
    }

    private static void arrow(Graphics2D g, double x, double y0, double y1) {
        g.setColor(MUTED);
        g.setStroke(new BasicStroke(1.5f, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND));
        g.draw(new java.awt.geom.Line2D.Double(x, y0, x, y1 - 6));
        Path2D.Double head = new Path2D.Double();
        head.moveTo(x, y1);
        head.lineTo(x - 5, y1 - 9);
        head.lineTo(x + 5, y1 - 9);
        head.closePath();
        g.fill(head);
    }

    /** The picture as PNG bytes. */
    public static byte[] png(LayerDiagram.Stack s) throws IOException {
        double[] size = size(s);
        if (size[0] * size[1] > GraphPainter.MAX_PNG_PIXELS) {
            throw new IllegalArgumentException("the picture would be " + (long) size[0] + " x " + (long) size[1] + " pixels, more than the "
                    + GraphPainter.MAX_PNG_PIXELS / 1_000_000 + " million a PNG may have; write --svg or --dot instead");
        }
        System.setProperty("java.awt.headless", "true");
        BufferedImage img = new BufferedImage((int) size[0], (int) size[1], BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        try {
            paint(g, s);
        } finally {
            g.dispose();
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ImageIO.write(img, "png", bytes);
        return bytes.toByteArray();
    }
}
