package dev.clayers.graph.render;

import javax.imageio.ImageIO;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Path2D;
import java.awt.geom.Point2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.List;

/**
 * Draws a {@link Layout} with any {@link Graphics2D}: values in black over the wires, gradients in
 * red under them (the book's colours), nodes as circles. PNG output needs only the JDK;
 * {@link SvgOutput} feeds the same drawing to VectorGraphics2D.
 */
public final class GraphPainter {
    static final Color INK = new Color(0x22, 0x22, 0x22);
    static final Color WIRE = new Color(0x55, 0x55, 0x55);
    static final Color GRADIENT = new Color(0xC0, 0x39, 0x2B);
    static final Color CAPTION = new Color(0x44, 0x55, 0x77);
    static final Color NODE_FILL = new Color(0xF4, 0xF7, 0xFB);

    private GraphPainter() {}

    public static void paint(Graphics2D g, Layout l) {
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_FRACTIONALMETRICS, RenderingHints.VALUE_FRACTIONALMETRICS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, (int) l.width(), (int) l.height());

        g.setStroke(new BasicStroke(1.5f, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND));
        g.setColor(WIRE);
        for (Layout.Path p : l.paths()) {
            Path2D.Double line = new Path2D.Double();
            List<Point2D> pts = p.points();
            line.moveTo(pts.get(0).getX(), pts.get(0).getY());
            for (Point2D q : pts.subList(1, pts.size())) line.lineTo(q.getX(), q.getY());
            g.draw(line);
            arrowhead(g, pts.get(pts.size() - 2), pts.get(pts.size() - 1));
        }
        for (Layout.Placed b : l.boxes()) {
            if (b.point()) {
                g.setColor(WIRE);
                g.fill(new Ellipse2D.Double(b.x() - 3, b.y() - 3, 6, 6));
                continue;
            }
            Ellipse2D.Double c = new Ellipse2D.Double(b.x() - b.radius(), b.y() - b.radius(), 2 * b.radius(), 2 * b.radius());
            g.setColor(NODE_FILL);
            g.fill(c);
            g.setColor(INK);
            g.draw(c);
            g.setFont(Layout.NODE_FONT);
            double w = Layout.textWidth(Layout.NODE_FONT, List.of(b.label()));
            double h = Layout.lineHeight(Layout.NODE_FONT);
            g.drawString(b.label(), (float) (b.x() - w / 2), (float) (b.y() - h / 2 + Layout.ascent(Layout.NODE_FONT)));
        }
        for (Layout.Text t : l.texts()) {
            Font f = t.kind() == Layout.Kind.TITLE ? Layout.TITLE_FONT : Layout.VALUE_FONT;
            g.setFont(f);
            g.setColor(switch (t.kind()) {
                case GRADIENT -> GRADIENT;
                case CAPTION -> CAPTION;
                default -> INK;
            });
            double lh = Layout.lineHeight(f);
            for (int i = 0; i < t.lines().size(); i++) {
                String s = t.lines().get(i);
                // Centred in the box: lines of a matrix line up on their own width.
                double w = Layout.textWidth(f, List.of(s));
                double x = t.kind() == Layout.Kind.TITLE ? t.box().getX() : t.box().getCenterX() - w / 2;
                g.drawString(s, (float) x, (float) (t.box().getY() + i * lh + Layout.ascent(f)));
            }
        }
    }

    private static void arrowhead(Graphics2D g, Point2D from, Point2D to) {
        double a = Math.atan2(to.getY() - from.getY(), to.getX() - from.getX()), len = 9, spread = 0.4;
        Path2D.Double head = new Path2D.Double();
        head.moveTo(to.getX(), to.getY());
        head.lineTo(to.getX() - len * Math.cos(a - spread), to.getY() - len * Math.sin(a - spread));
        head.lineTo(to.getX() - len * Math.cos(a + spread), to.getY() - len * Math.sin(a + spread));
        head.closePath();
        g.fill(head);
    }

    /**
     * Largest PNG {@link #png} paints, in pixels (400 MB of RGB); a larger layout is refused before
     * the image is allocated, instead of an AWT error or an out-of-memory after minutes of work.
     */
    public static final long MAX_PNG_PIXELS = 100_000_000L;

    /** The picture as PNG bytes, at 100 % (one pixel per layout unit). */
    public static byte[] png(Layout l) throws IOException {
        long w = (long) Math.ceil(l.width()), h = (long) Math.ceil(l.height());
        if (w < 1 || h < 1 || w > Integer.MAX_VALUE || h > Integer.MAX_VALUE || w * h > MAX_PNG_PIXELS) {
            throw new IllegalArgumentException("the picture would be " + w + " x " + h + " pixels, more than the "
                    + MAX_PNG_PIXELS / 1_000_000 + " million a PNG may have; write --svg or --dot instead");
        }
        System.setProperty("java.awt.headless", "true");
        BufferedImage img = new BufferedImage((int) l.width(), (int) l.height(), BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        try {
            paint(g, l);
        } finally {
            g.dispose();
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ImageIO.write(img, "png", bytes);
        return bytes.toByteArray();
    }
}
