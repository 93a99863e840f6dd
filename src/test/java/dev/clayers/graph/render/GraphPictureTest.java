package dev.clayers.graph.render;

import dev.clayers.graph.BookGraphs;
import dev.clayers.net.LayerSpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.w3c.dom.Document;
import org.w3c.dom.NodeList;

import javax.imageio.ImageIO;
import javax.xml.parsers.DocumentBuilderFactory;
import java.awt.geom.Rectangle2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The pictures: labels laid out apart, inside the page; PNG that decodes, SVG that parses. */
class GraphPictureTest {
    static Stream<Diagram> diagrams() {
        return Stream.of(
                Diagram.of(BookGraphs.apple(100, 2, 1.1), "apple"),
                Diagram.of(BookGraphs.appleOrange(100, 2, 150, 3, 1.1), "apple-orange"),
                Diagram.of(BookGraphs.sigmoid(1), "sigmoid"),
                Diagram.of(BookGraphs.affine(), "affine"),
                Diagram.of(BookGraphs.affine(), "affine with the book's formulas", BookGraphs.AFFINE_RULES),
                Diagram.of(BookGraphs.sigmoid(-2), "sigmoid", BookGraphs.SIGMOID_RULES),
                Diagram.of(BookGraphs.softmaxLoss(), "softmax-loss"),
                Diagram.of(BookGraphs.softmaxLoss(new double[] {1e-3, 123456.789, -42, 7, 0.5}, 3), "five classes"),
                LayerDiagram.of(List.of(LayerSpec.affine(784, 512), LayerSpec.relu(), LayerSpec.dropout(0.2f),
                        LayerSpec.affine(512, 10)), "mlp"),
                LayerDiagram.of(BOOK_CNN, "the book's simple conv net, batch-normalised"));
    }

    /** conv 30 5x5 (bn) - relu - pool 2 - affine 100 - relu - affine 10: every layer kind in one picture. */
    static final List<LayerSpec> BOOK_CNN = List.of(
            LayerSpec.conv(new dev.clayers.net.ImageShape(1, 28, 28), 30, 5, 1, 0),
            LayerSpec.batchNorm(new dev.clayers.net.ImageShape(30, 24, 24)), LayerSpec.relu(),
            LayerSpec.maxPool(new dev.clayers.net.ImageShape(30, 24, 24), 2, 2),
            LayerSpec.affine(4320, 100), LayerSpec.relu(), LayerSpec.affine(100, 10));

    /** The network picture: one box per layer in a column, each with its output shape and parameter count; a PNG that decodes. */
    @org.junit.jupiter.api.Test
    void aNetworkIsAColumnOfBoxesWithShapesAndParameterCounts() throws Exception {
        LayerDiagram.Stack s = LayerDiagram.stack(BOOK_CNN, "cnn");
        assertEquals(BOOK_CNN.size(), s.layers().size());
        assertEquals("x (N, 1, 28, 28)", s.input());
        LayerDiagram.Layer conv = s.layers().get(0);
        assertEquals("Convolution", conv.kind());
        assertEquals("out (N, 30, 24, 24)", conv.output());
        assertEquals("780 params", conv.params());
        assertEquals("", s.layers().get(2).params(), "ReLU has none to show");
        assertEquals("cnn (" + String.format("%,d", LayerDiagram.rows(BOOK_CNN).stream().mapToLong(LayerDiagram.Row::params).sum())
                + " parameters)", s.title());
        java.awt.image.BufferedImage img = javax.imageio.ImageIO.read(new java.io.ByteArrayInputStream(LayerPainter.png(s)));
        double[] size = LayerPainter.size(s);
        assertEquals((int) size[0], img.getWidth());
        assertEquals((int) size[1], img.getHeight());
        // Taller than wide: a column, not a row of circles.
        org.junit.jupiter.api.Assertions.assertTrue(img.getHeight() > img.getWidth(), img.getWidth() + " x " + img.getHeight());
    }

    @org.junit.jupiter.api.Test
    void aConvNetDrawsEveryLayerWithItsShapeAndParameters() {
        Diagram d = LayerDiagram.of(BOOK_CNN, "cnn");
        assertEquals(BOOK_CNN.size() + 2, d.boxes().size(), "input, one node per layer, the loss");
        List<LayerDiagram.Row> rows = LayerDiagram.rows(BOOK_CNN);
        assertEquals("(N, 30, 24, 24)", rows.get(0).output());
        assertEquals(30 * 25 + 30, rows.get(0).params());
        assertEquals(60, rows.get(1).params());
        assertEquals("(N, 30, 12, 12)", rows.get(3).output());
        assertEquals(4320L * 100 + 100, rows.get(4).params());
    }

    @ParameterizedTest
    @MethodSource("diagrams")
    void noTwoLabelsOverlapAndAllFitOnThePage(Diagram d) {
        Layout l = Layout.of(d);
        List<Rectangle2D> boxes = l.textBoxes();
        Rectangle2D page = new Rectangle2D.Double(0, 0, l.width(), l.height());
        for (int i = 0; i < boxes.size(); i++) {
            assertTrue(page.contains(boxes.get(i)), "off the page: " + boxes.get(i) + " in " + page);
            for (int j = i + 1; j < boxes.size(); j++) {
                assertFalse(boxes.get(i).intersects(boxes.get(j)), "overlap: " + describe(l, i) + " and " + describe(l, j));
            }
        }
        // Every wire's value and (after backward) gradient is drawn.
        long values = l.texts().stream().filter(t -> t.kind() == Layout.Kind.VALUE).count();
        assertEquals(d.wires().stream().filter(w -> !w.above().isEmpty()).count(), values);
    }

    private static String describe(Layout l, int i) {
        return i < l.texts().size() ? l.texts().get(i).lines() + " at " + l.texts().get(i).box() : "node " + (i - l.texts().size());
    }

    /** The apple graph: the book's forward values above its edges and derivatives below them. */
    @Test
    void appleLabelsAreTheBooksNumbers() {
        Layout l = Layout.of(Diagram.of(BookGraphs.apple(100, 2, 1.1), "apple"));
        List<String> values = new ArrayList<>(), grads = new ArrayList<>();
        for (Layout.Text t : l.texts()) {
            if (t.kind() == Layout.Kind.VALUE) values.addAll(t.lines());
            if (t.kind() == Layout.Kind.GRADIENT) grads.addAll(t.lines());
        }
        assertEquals(List.of("apple = 100", "apple_num = 2", "apple_price = 200", "tax = 1.1", "price = 220"), values);
        assertEquals(List.of("2.2", "110", "1.1", "200", "1"), grads);
    }

    @ParameterizedTest
    @MethodSource("diagrams")
    void pngDecodesAtTheLayoutsSize(Diagram d) throws Exception {
        Layout l = Layout.of(d);
        BufferedImage img = ImageIO.read(new ByteArrayInputStream(GraphPainter.png(l)));
        assertNotNull(img);
        assertEquals((int) l.width(), img.getWidth());
        assertEquals((int) l.height(), img.getHeight());
    }

    @ParameterizedTest
    @MethodSource("diagrams")
    void svgIsWellFormedXmlWithEveryLabel(Diagram d) throws Exception {
        Layout l = Layout.of(d);
        DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
        // The file names the SVG 1.1 DTD; a browser does not fetch it, and neither may a test.
        f.setFeature("http://apache.org/xml/features/nonvalidating/load-external-dtd", false);
        Document doc = f.newDocumentBuilder().parse(new ByteArrayInputStream(SvgOutput.svg(l)));
        assertEquals("svg", doc.getDocumentElement().getTagName());
        NodeList texts = doc.getElementsByTagName("text");
        List<String> drawn = new ArrayList<>();
        for (int i = 0; i < texts.getLength(); i++) drawn.add(texts.item(i).getTextContent());
        for (Layout.Text t : l.texts()) for (String line : t.lines()) assertTrue(drawn.contains(line), line + " not in " + drawn);
        for (Layout.Placed b : l.boxes()) if (!b.point()) assertTrue(drawn.contains(b.label()), b.label());
    }

    @Test
    void dotHasEveryNodeAndLabel() {
        String dot = Dot.of(Diagram.of(BookGraphs.appleOrange(100, 2, 150, 3, 1.1), "apple-orange"));
        assertTrue(dot.startsWith("digraph G {") && dot.contains("rankdir=LR"), dot);
        assertTrue(dot.contains("price = 715") && dot.contains("<FONT COLOR=\"#C0392B\">650</FONT>"), dot);
        assertEquals(5, dot.lines().filter(s -> s.contains("shape=point")).count(), dot);
    }
}
