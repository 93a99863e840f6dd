package dev.clayers.graph;

import java.math.BigDecimal;
import java.math.MathContext;

/** How the graphs write numbers. */
public final class Numbers {
    private Numbers() {}

    /**
     * At most 10 significant digits, so binary noise such as 220.00000000000003 prints as the
     * book's 220 and 1.1 * 2 as 2.2.
     */
    public static String format(double v) {
        if (!Double.isFinite(v)) return Double.toString(v);
        BigDecimal d = new BigDecimal(v).round(new MathContext(10)).stripTrailingZeros();
        return d.scale() < 0 ? d.setScale(0).toPlainString() : d.toPlainString();
    }

    /** Four significant digits, for pictures of values such as sigmoid outputs (0.7311). */
    public static String brief(double v) {
        if (!Double.isFinite(v)) return Double.toString(v);
        if (v == 0) return "0";
        BigDecimal d = new BigDecimal(v).round(new MathContext(4)).stripTrailingZeros();
        if (Math.abs(v) >= 1e7 || Math.abs(v) < 1e-4) return String.format("%.3g", v);
        return d.scale() < 0 ? d.setScale(0).toPlainString() : d.toPlainString();
    }
}
