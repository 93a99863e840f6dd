package dev.clayers.cli;

import dev.clayers.io.AtomicFiles;
import dev.clayers.train.EpochMetrics;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;

import javax.imageio.ImageIO;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/** Loss and accuracy curves per epoch, side by side in one PNG (train --plot; XChart is a CLI-only dependency). */
final class TrainingPlot {
    private TrainingPlot() {}

    static void write(Path png, String title, List<EpochMetrics> metrics) throws IOException {
        System.setProperty("java.awt.headless", "true");
        double[] epochs = metrics.stream().mapToDouble(EpochMetrics::epoch).toArray();
        XYChart loss = new XYChartBuilder().width(640).height(420).title(title + ": loss").xAxisTitle("epoch")
                .yAxisTitle("cross-entropy").build();
        loss.addSeries("train (batch mean)", epochs, metrics.stream().mapToDouble(EpochMetrics::trainLoss).toArray());
        loss.addSeries("test", epochs, metrics.stream().mapToDouble(EpochMetrics::testLoss).toArray());
        XYChart acc = new XYChartBuilder().width(640).height(420).title(title + ": accuracy").xAxisTitle("epoch")
                .yAxisTitle("accuracy").build();
        acc.addSeries("train", epochs, metrics.stream().mapToDouble(EpochMetrics::trainAccuracy).toArray());
        acc.addSeries("test", epochs, metrics.stream().mapToDouble(EpochMetrics::testAccuracy).toArray());

        BufferedImage left = BitmapEncoder.getBufferedImage(loss);
        BufferedImage right = BitmapEncoder.getBufferedImage(acc);
        BufferedImage both = new BufferedImage(left.getWidth() + right.getWidth(), Math.max(left.getHeight(), right.getHeight()),
                BufferedImage.TYPE_INT_RGB);
        Graphics2D g = both.createGraphics();
        g.drawImage(left, 0, 0, null);
        g.drawImage(right, left.getWidth(), 0, null);
        g.dispose();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ImageIO.write(both, "png", bytes);
        AtomicFiles.write(png, bytes.toByteArray());
    }
}
