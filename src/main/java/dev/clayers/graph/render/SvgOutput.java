package dev.clayers.graph.render;

import de.erichseifert.vectorgraphics2d.VectorGraphics2D;
import de.erichseifert.vectorgraphics2d.svg.SVGProcessor;
import de.erichseifert.vectorgraphics2d.util.PageSize;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * The picture as SVG: {@link GraphPainter}'s drawing recorded by VectorGraphics2D. Needs
 * {@code de.erichseifert.vectorgraphics2d:VectorGraphics2D}, an optional dependency of the
 * library (the CLI jar has it); kept in its own class so PNG output works without it.
 */
public final class SvgOutput {
    private SvgOutput() {}

    public static byte[] svg(Layout l) throws IOException {
        VectorGraphics2D g = new VectorGraphics2D();
        GraphPainter.paint(g, l);
        return document(g, l.width(), l.height());
    }

    /** A network's layers ({@link LayerPainter}) as SVG. */
    public static byte[] svg(LayerDiagram.Stack s) throws IOException {
        VectorGraphics2D g = new VectorGraphics2D();
        LayerPainter.paint(g, s);
        double[] size = LayerPainter.size(s);
        return document(g, size[0], size[1]);
    }

    private static byte[] document(VectorGraphics2D g, double width, double height) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        new SVGProcessor().getDocument(g.getCommands(), new PageSize(0, 0, width, height)).writeTo(bytes);
        // VectorGraphics2D names only the font Java drew with (DejaVu Sans here); a browser without it
        // would fall back to a serif font, so a generic family follows.
        String svg = bytes.toString(StandardCharsets.UTF_8).replaceAll("font-family:(&quot;[^&]*&quot;|[^;&]*);", "font-family:$1,sans-serif;");
        return svg.getBytes(StandardCharsets.UTF_8);
    }
}
