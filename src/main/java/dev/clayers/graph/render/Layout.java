package dev.clayers.graph.render;

import java.awt.Font;
import java.awt.font.FontRenderContext;
import java.awt.geom.Point2D;
import java.awt.geom.Rectangle2D;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Where everything of a {@link Diagram} goes, left to right like the book: boxes in columns by
 * depth (an input one column before the first node that reads it), rows chosen from the output
 * backwards (a node's first input on its row, the next ones below), and each wire's text over
 * and under the horizontal stretch just right of its source. No two sources share a row within
 * a column and a wire that skips columns keeps its row free in them, so text boxes never meet:
 * {@link #textBoxes()} lets a test check that.
 */
public final class Layout {
    static final Font VALUE_FONT = new Font(Font.SANS_SERIF, Font.PLAIN, 14);
    static final Font NODE_FONT = new Font(Font.SANS_SERIF, Font.BOLD, 16);
    static final Font TITLE_FONT = new Font(Font.SANS_SERIF, Font.BOLD, 16);
    private static final FontRenderContext FRC = new FontRenderContext(null, true, true);
    private static final double MARGIN = 20, PAD = 10, SLANT = 44, TEXT_GAP = 4, ROW_GAP = 18, TAIL = 36, MIN_RADIUS = 22;

    /** What a piece of text is, for its colour. */
    public enum Kind { TITLE, NODE, CAPTION, VALUE, GRADIENT }

    /** Lines of text in a box: {@code box} is where they are drawn, {@code baseline} the first line's baseline. */
    public record Text(Kind kind, List<String> lines, Rectangle2D box) {}

    /** A node circle (radius 0 for an input point) at its centre. */
    public record Placed(double x, double y, double radius, String label, boolean point) {}

    /** One wire to one target (or to the right edge): a polyline ending in an arrowhead. */
    public record Path(List<Point2D> points) {}

    private final double width, height;
    private final List<Placed> boxes = new ArrayList<>();
    private final List<Path> paths = new ArrayList<>();
    private final List<Text> texts = new ArrayList<>();

    public double width() { return width; }
    public double height() { return height; }
    public List<Placed> boxes() { return boxes; }
    public List<Path> paths() { return paths; }
    /** Every piece of text with the box it takes. */
    public List<Text> texts() { return texts; }

    /** The boxes of every text and every node circle: none of them may overlap. */
    public List<Rectangle2D> textBoxes() {
        List<Rectangle2D> out = new ArrayList<>();
        texts.forEach(t -> out.add(t.box()));
        for (Placed p : boxes) {
            if (!p.point()) out.add(new Rectangle2D.Double(p.x() - p.radius(), p.y() - p.radius(), 2 * p.radius(), 2 * p.radius()));
        }
        return out;
    }

    static double lineHeight(Font f) {
        return Math.ceil(f.getLineMetrics("Xg", FRC).getHeight());
    }

    static double ascent(Font f) {
        return f.getLineMetrics("Xg", FRC).getAscent();
    }

    static double textWidth(Font f, List<String> lines) {
        double w = 0;
        for (String s : lines) w = Math.max(w, f.getStringBounds(s, FRC).getWidth());
        return Math.ceil(w);
    }

    static double textHeight(Font f, List<String> lines) {
        return lines.size() * lineHeight(f);
    }

    public static Layout of(Diagram d) {
        return new Layout(d);
    }

    private Layout(Diagram d) {
        int n = d.boxes().size();
        // Wires by source; each box is the source of at most one wire in a graph, of one per output here.
        List<List<Diagram.Wire>> out = new ArrayList<>();
        List<List<Integer>> in = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(new ArrayList<>());
            in.add(new ArrayList<>());
        }
        for (Diagram.Wire w : d.wires()) {
            out.get(w.from()).add(w);
            for (int t : w.to()) in.get(t).add(w.from());
        }

        // Columns: a node one right of its deepest node input; an input point one left of its first reader.
        int[] col = new int[n];
        for (int i = 0; i < n; i++) {
            if (d.boxes().get(i).point()) continue;
            int c = 1;
            for (int s : in.get(i)) if (!d.boxes().get(s).point()) c = Math.max(c, col[s] + 1);
            col[i] = c;
        }
        for (int i = 0; i < n; i++) {
            if (!d.boxes().get(i).point()) continue;
            int c = Integer.MAX_VALUE;
            for (Diagram.Wire w : out.get(i)) for (int t : w.to()) c = Math.min(c, col[t] - 1);
            col[i] = c == Integer.MAX_VALUE ? 0 : c;
        }
        int cols = Arrays.stream(col).max().orElse(0) + 1;

        // Rows, from the output backwards: the nearest row to the wanted one that is free in this
        // column and in every column the box's wire runs through on its way to a later reader.
        int[] row = new int[n];
        List<Set<Integer>> taken = new ArrayList<>();
        for (int c = 0; c < cols; c++) taken.add(new HashSet<>());
        for (int c = cols - 1; c >= 0; c--) {
            List<Integer> here = new ArrayList<>();
            int[] wanted = new int[n];
            for (int i = 0; i < n; i++) {
                if (col[i] != c) continue;
                here.add(i);
                int w = Integer.MAX_VALUE;
                for (Diagram.Wire wire : out.get(i)) {
                    for (int t : wire.to()) w = Math.min(w, row[t] + in.get(t).indexOf(i));
                }
                wanted[i] = w == Integer.MAX_VALUE ? 0 : w;
            }
            here.sort((a, b) -> wanted[a] != wanted[b] ? Integer.compare(wanted[a], wanted[b]) : Integer.compare(a, b));
            for (int i : here) {
                int far = c;
                for (Diagram.Wire wire : out.get(i)) for (int t : wire.to()) far = Math.max(far, col[t]);
                int r = nearestFree(wanted[i], taken, c, far);
                row[i] = r;
                for (int k = c; k < Math.max(far, c + 1); k++) taken.get(k).add(r);
            }
        }
        int rows = Arrays.stream(row).max().orElse(0) + 1;

        // Sizes: node radii, column widths (a caption may be wider than its circle), label widths per gap.
        double[] radius = new double[n];
        double[] colW = new double[cols];
        double[] gapW = new double[cols];
        double maxAbove = 0, maxBelow = 0, nodeBelow = 0, nodeAbove = 0;
        for (int i = 0; i < n; i++) {
            Diagram.Box b = d.boxes().get(i);
            if (b.point()) {
                colW[col[i]] = Math.max(colW[col[i]], 6);
            } else {
                radius[i] = Math.max(MIN_RADIUS, textWidth(NODE_FONT, List.of(b.label())) / 2 + 9);
                colW[col[i]] = Math.max(colW[col[i]], Math.max(2 * radius[i], textWidth(VALUE_FONT, b.caption())));
                nodeAbove = Math.max(nodeAbove, radius[i]);
                nodeBelow = Math.max(nodeBelow, radius[i] + (b.caption().isEmpty() ? 0 : TEXT_GAP + textHeight(VALUE_FONT, b.caption())));
            }
        }
        for (Diagram.Wire w : d.wires()) {
            gapW[col[w.from()]] = Math.max(gapW[col[w.from()]],
                    Math.max(textWidth(VALUE_FONT, w.above()), textWidth(VALUE_FONT, w.below())));
            maxAbove = Math.max(maxAbove, textHeight(VALUE_FONT, w.above()));
            maxBelow = Math.max(maxBelow, textHeight(VALUE_FONT, w.below()));
        }
        double[] x = new double[cols];
        x[0] = MARGIN + colW[0] / 2;
        for (int c = 1; c < cols; c++) x[c] = x[c - 1] + colW[c - 1] / 2 + 2 * PAD + gapW[c - 1] + SLANT + colW[c] / 2;
        double above = Math.max(maxAbove + TEXT_GAP, nodeAbove), below = Math.max(maxBelow + TEXT_GAP, nodeBelow);
        double pitch = above + below + ROW_GAP;
        double top = MARGIN;
        if (d.title() != null && !d.title().isEmpty()) {
            texts.add(new Text(Kind.TITLE, List.of(d.title()), new Rectangle2D.Double(MARGIN, top,
                    textWidth(TITLE_FONT, List.of(d.title())), lineHeight(TITLE_FONT))));
            top += lineHeight(TITLE_FONT) + 12;
        }
        double y0 = top + above;
        double right = 0;

        for (int i = 0; i < n; i++) {
            Diagram.Box b = d.boxes().get(i);
            double bx = x[col[i]], by = y0 + row[i] * pitch;
            boxes.add(new Placed(bx, by, radius[i], b.label(), b.point()));
            if (!b.caption().isEmpty()) {
                double cw = textWidth(VALUE_FONT, b.caption());
                texts.add(new Text(Kind.CAPTION, b.caption(), new Rectangle2D.Double(bx - cw / 2, by + radius[i] + TEXT_GAP,
                        cw, textHeight(VALUE_FONT, b.caption()))));
            }
        }
        for (Diagram.Wire w : d.wires()) {
            Placed s = boxes.get(w.from());
            int c = col[w.from()];
            double start = s.x() + Math.max(s.radius(), 3);
            double zone = x[c] + colW[c] / 2 + PAD;
            double cx = zone + gapW[c] / 2;
            if (!w.above().isEmpty()) {
                double tw = textWidth(VALUE_FONT, w.above()), th = textHeight(VALUE_FONT, w.above());
                texts.add(new Text(Kind.VALUE, w.above(), new Rectangle2D.Double(cx - tw / 2, s.y() - TEXT_GAP - th, tw, th)));
            }
            if (!w.below().isEmpty()) {
                double tw = textWidth(VALUE_FONT, w.below()), th = textHeight(VALUE_FONT, w.below());
                texts.add(new Text(Kind.GRADIENT, w.below(), new Rectangle2D.Double(cx - tw / 2, s.y() + TEXT_GAP, tw, th)));
            }
            if (w.to().isEmpty()) {
                double end = zone + gapW[c] + PAD + TAIL;
                paths.add(new Path(List.of(new Point2D.Double(start, s.y()), new Point2D.Double(end, s.y()))));
                right = Math.max(right, end);
            }
            for (int t : w.to()) {
                Placed p = boxes.get(t);
                if (p.y() == s.y()) {
                    paths.add(new Path(List.of(new Point2D.Double(start, s.y()), new Point2D.Double(p.x() - p.radius(), p.y()))));
                } else {
                    double bend = x[col[t]] - colW[col[t]] / 2 - SLANT;
                    double dx = p.x() - bend, dy = p.y() - s.y(), len = Math.hypot(dx, dy);
                    paths.add(new Path(List.of(new Point2D.Double(start, s.y()), new Point2D.Double(bend, s.y()),
                            new Point2D.Double(p.x() - dx / len * p.radius(), p.y() - dy / len * p.radius()))));
                }
            }
        }
        for (Text t : texts) right = Math.max(right, t.box().getMaxX());
        for (Placed p : boxes) right = Math.max(right, p.x() + p.radius());
        width = Math.ceil(right + MARGIN);
        height = Math.ceil(y0 + (rows - 1) * pitch + below + MARGIN);
    }

    private static int nearestFree(int wanted, List<Set<Integer>> taken, int from, int to) {
        for (int step = 0; ; step++) {
            for (int r : new int[] {wanted + step, wanted - step}) {
                if (r < 0) continue;
                boolean free = true;
                for (int k = from; k < Math.max(to, from + 1) && free; k++) free = !taken.get(k).contains(r);
                if (free) return r;
            }
        }
    }
}
