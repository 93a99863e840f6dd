package dev.clayers.cli;

import dev.clayers.io.AtomicFiles;
import dev.clayers.train.EpochMetrics;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

import javax.imageio.ImageIO;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * Loss and accuracy curves per epoch, side by side in one PNG, with a caption naming the machine,
 * device and command (train --plot; XChart is a CLI-only dependency). Drawn for a report: the
 * legend sits inside each plot instead of taking a third of the width; markers only while there
 * are few enough epochs to tell them apart (a --book run has 125, which drew thick bands); epoch
 * ticks are whole numbers.
 */
final class TrainingPlot {
    /** Up to this many epochs each point gets a marker. */
    static final int MARKERS_UP_TO = 30;
    private static final int WIDTH = 640;
    private static final int HEIGHT = 420;
    private static final int CAPTION_HEIGHT = 44;

    private TrainingPlot() {}

    static void write(Path png, String title, String caption, List<EpochMetrics> metrics) throws IOException {
        System.setProperty("java.awt.headless", "true");
        double[] epochs = metrics.stream().mapToDouble(EpochMetrics::epoch).toArray();
        XYChart loss = chart(title + ": loss", "cross-entropy", epochs.length, Styler.LegendPosition.InsideNE);
        series(loss, "train (batch mean)", epochs, metrics.stream().mapToDouble(EpochMetrics::trainLoss).toArray());
        series(loss, "test", epochs, metrics.stream().mapToDouble(EpochMetrics::validationLoss).toArray());
        XYChart acc = chart(title + ": accuracy", "accuracy", epochs.length, Styler.LegendPosition.InsideSE);
        acc.getStyler().setYAxisDecimalPattern("0.000");
        series(acc, "train", epochs, metrics.stream().mapToDouble(EpochMetrics::trainAccuracy).toArray());
        series(acc, "test", epochs, metrics.stream().mapToDouble(EpochMetrics::validationAccuracy).toArray());

        BufferedImage left = BitmapEncoder.getBufferedImage(loss);
        BufferedImage right = BitmapEncoder.getBufferedImage(acc);
        int w = left.getWidth() + right.getWidth();
        int h = Math.max(left.getHeight(), right.getHeight());
        BufferedImage all = new BufferedImage(w, h + CAPTION_HEIGHT, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = all.createGraphics();
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, all.getWidth(), all.getHeight());
        g.drawImage(left, 0, 0, null);
        g.drawImage(right, left.getWidth(), 0, null);
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(new Color(60, 60, 60));
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        int y = h + 17;
        for (String line : caption.split("\n", 2)) {
            g.drawString(line, 12, y);
            y += 17;
        }
        g.dispose();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ImageIO.write(all, "png", bytes);
        AtomicFiles.write(png, bytes.toByteArray());
    }

    private static XYChart chart(String title, String yTitle, int points, Styler.LegendPosition legend) {
        XYChart c = new XYChartBuilder().width(WIDTH).height(HEIGHT).title(title).xAxisTitle("epoch").yAxisTitle(yTitle).build();
        c.getStyler().setLegendPosition(legend);
        c.getStyler().setChartBackgroundColor(Color.WHITE);
        c.getStyler().setPlotGridLinesColor(new Color(225, 225, 225));
        c.getStyler().setMarkerSize(points <= MARKERS_UP_TO ? 6 : 0);
        // Whole epochs only: with this pattern and at most one tick per 60 px XChart's ticks land on integers.
        c.getStyler().setXAxisDecimalPattern("#,##0");
        c.getStyler().setXAxisTickMarkSpacingHint(60);
        c.getStyler().setXAxisMin(1.0);
        c.getStyler().setXAxisMax((double) Math.max(2, points));
        return c;
    }

    private static void series(XYChart c, String name, double[] x, double[] y) {
        XYSeries s = c.addSeries(name, x, y);
        if (x.length > MARKERS_UP_TO) s.setMarker(SeriesMarkers.NONE);
    }
}
