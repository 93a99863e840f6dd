package dev.clayers.bench;

import dev.clayers.io.AtomicFiles;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.style.Styler;

import javax.imageio.ImageIO;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * One bar chart per workload (medians, devices side by side), stacked into one PNG. Needs XChart,
 * an optional dependency of the library (the CLI jar has it): add {@code org.knowm.xchart:xchart}
 * to use this from another project.
 */
public final class BenchPlot {
    private BenchPlot() {}

    public static void write(BenchReport r, Path png) throws IOException {
        System.setProperty("java.awt.headless", "true");
        List<BufferedImage> images = new ArrayList<>();
        for (Workload w : Workload.values()) {
            List<BenchResult> rs = r.results().stream().filter(x -> x.workload().equals(w.title())).toList();
            if (rs.isEmpty()) continue;
            Set<String> cases = new LinkedHashSet<>();
            rs.forEach(x -> cases.add(x.caseName()));
            CategoryChart chart = new CategoryChartBuilder().width(1400).height(560)
                    .title(w.title() + " (" + w.unit() + ", median)").yAxisTitle(w.unit()).build();
            chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideS);
            chart.getStyler().setXAxisLabelRotation(20);
            chart.getStyler().setChartBackgroundColor(Color.WHITE);
            double lo = Double.MAX_VALUE, hi = 0;
            for (DeviceRun d : r.devices()) {
                List<String> xs = new ArrayList<>();
                List<Double> ys = new ArrayList<>();
                for (String c : cases) {
                    rs.stream().filter(x -> x.caseName().equals(c) && x.device().equals(d.info().id())).findFirst().ifPresent(x -> {
                        xs.add(c);
                        ys.add(x.median());
                    });
                }
                for (double y : ys) {
                    lo = Math.min(lo, y);
                    hi = Math.max(hi, y);
                }
                if (!xs.isEmpty()) chart.addSeries(d.info().id() + " (" + d.info().name() + ")", xs, ys);
            }
            // Cases of one workload can differ by orders of magnitude (a 100x10 op against 10,000x784).
            // Bar charts start the axis at 0 unless told otherwise, which a log axis refuses.
            if (lo > 0 && hi / lo > 50) {
                chart.getStyler().setYAxisLogarithmic(true);
                chart.getStyler().setYAxisMin(Math.pow(10, Math.floor(Math.log10(lo))));
            }
            images.add(BitmapEncoder.getBufferedImage(chart));
        }
        int width = images.stream().mapToInt(BufferedImage::getWidth).max().orElse(1);
        int height = Math.max(1, images.stream().mapToInt(BufferedImage::getHeight).sum());
        BufferedImage all = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = all.createGraphics();
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, width, height);
        int y = 0;
        for (BufferedImage im : images) {
            g.drawImage(im, 0, y, null);
            y += im.getHeight();
        }
        g.dispose();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ImageIO.write(all, "png", bytes);
        AtomicFiles.write(png, bytes.toByteArray());
    }
}
