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
 * One bar chart per workload (medians, devices side by side), stacked into one PNG under one legend
 * and a caption naming the host and the run. Axes are linear where a workload's figures are
 * comparable (within 50x), with whiskers showing the spread of the timed samples (XChart draws
 * symmetric ones: the larger of median - min and max - median); a workload whose cases differ by
 * orders of magnitude gets a log axis instead, without whiskers. Ticks carry thousands
 * separators, never {@code 4.5E5}. Needs XChart,
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
            double lo = Double.MAX_VALUE, hi = 0;
            for (BenchResult x : rs) {
                lo = Math.min(lo, x.median());
                hi = Math.max(hi, x.median());
            }
            // Cases of one workload can differ by orders of magnitude (a 100x10 op against 10,000x784).
            boolean log = lo > 0 && hi / lo > 50;
            CategoryChart chart = new CategoryChartBuilder().width(1400).height(images.isEmpty() ? 600 : 520)
                    .title(w.title() + " (" + w.unit() + "): median" + (log ? ", log axis" : ", whiskers: spread of the samples"))
                    .yAxisTitle(w.unit()).build();
            // One legend, above the first chart, instead of one per workload.
            chart.getStyler().setLegendVisible(images.isEmpty());
            chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideS);
            // At 45 degrees XChart's centred labels stay apart however their lengths differ (at 20 long ones overlapped).
            chart.getStyler().setXAxisLabelRotation(45);
            chart.getStyler().setChartBackgroundColor(Color.WHITE);
            chart.getStyler().setYAxisDecimalPattern(log ? "#,##0.###" : hi >= 100 ? "#,##0" : hi >= 1 ? "#,##0.0" : "0.000");
            chart.getStyler().setErrorBarsColorSeriesColor(false);
            chart.getStyler().setErrorBarsColor(Color.DARK_GRAY);
            for (DeviceRun d : r.devices()) {
                List<String> xs = new ArrayList<>();
                List<Double> ys = new ArrayList<>();
                List<Double> spread = new ArrayList<>();
                for (String c : cases) {
                    rs.stream().filter(x -> x.caseName().equals(c) && x.device().equals(d.info().id())).findFirst().ifPresent(x -> {
                        xs.add(c);
                        ys.add(x.median());
                        spread.add(Math.max(x.median() - x.min(), x.max() - x.median()));
                    });
                }
                if (xs.isEmpty()) continue;
                String name = d.info().id() + " (" + d.info().name() + ")";
                if (log) chart.addSeries(name, xs, ys);
                else chart.addSeries(name, xs, ys, spread);
            }
            if (log) {
                // Bar charts start the axis at 0 unless told otherwise, which a log axis refuses.
                chart.getStyler().setYAxisLogarithmic(true);
                chart.getStyler().setYAxisMin(Math.pow(10, Math.floor(Math.log10(lo))));
            }
            images.add(BitmapEncoder.getBufferedImage(chart));
        }
        int caption = 40;
        int width = images.stream().mapToInt(BufferedImage::getWidth).max().orElse(1);
        int height = Math.max(1, images.stream().mapToInt(BufferedImage::getHeight).sum()) + caption;
        BufferedImage all = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = all.createGraphics();
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, width, height);
        int y = 0;
        for (BufferedImage im : images) {
            g.drawImage(im, 0, y, null);
            y += im.getHeight();
        }
        g.setRenderingHint(java.awt.RenderingHints.KEY_TEXT_ANTIALIASING, java.awt.RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(new Color(60, 60, 60));
        g.setFont(new java.awt.Font(java.awt.Font.SANS_SERIF, java.awt.Font.PLAIN, 13));
        g.drawString("host " + r.host() + "; started " + r.started() + (r.settings().quick() ? "; clayers bench --quick" : "; clayers bench")
                + "; " + r.settings().reps() + " timed samples per figure", 12, y + 24);
        g.dispose();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ImageIO.write(all, "png", bytes);
        AtomicFiles.write(png, bytes.toByteArray());
    }
}
