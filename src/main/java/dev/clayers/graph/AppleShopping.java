package dev.clayers.graph;

import java.util.ArrayList;
import java.util.List;

/**
 * The book's two shopping examples as computational graphs, recording each node's forward value
 * and backward gradients so the CLI can show the passes node by node.
 */
public final class AppleShopping {
    private AppleShopping() {}

    /** One line of a pass: which node, what it computed. */
    public record Step(String node, String text) {}

    /** A worked example: its forward steps, backward steps, the price and the named gradients. */
    public record Result(String title, List<Step> forward, List<Step> backward, double price,
                         List<Gradient> gradients) {}

    public record Gradient(String name, double value) {}

    /** 2 apples at 100 with 10% tax. */
    public static Result apples(double apple, double appleNum, double tax) {
        MulLayer mulAppleLayer = new MulLayer();
        MulLayer mulTaxLayer = new MulLayer();
        List<Step> fwd = new ArrayList<>();
        List<Step> bwd = new ArrayList<>();

        double applePrice = mulAppleLayer.forward(apple, appleNum);
        fwd.add(new Step("mul_apple", fmt(apple) + " * " + fmt(appleNum) + " = " + fmt(applePrice)));
        double price = mulTaxLayer.forward(applePrice, tax);
        fwd.add(new Step("mul_tax", fmt(applePrice) + " * " + fmt(tax) + " = " + fmt(price)));

        double dprice = 1;
        double[] t = mulTaxLayer.backward(dprice);
        bwd.add(new Step("mul_tax", "dout " + fmt(dprice) + " -> d apple_price " + fmt(t[0]) + ", d tax " + fmt(t[1])));
        double[] a = mulAppleLayer.backward(t[0]);
        bwd.add(new Step("mul_apple", "dout " + fmt(t[0]) + " -> d apple " + fmt(a[0]) + ", d apple_num " + fmt(a[1])));

        return new Result("2 apples at 100, 10% tax", fwd, bwd, price,
                List.of(new Gradient("apple", a[0]), new Gradient("apple_num", a[1]), new Gradient("tax", t[1])));
    }

    /** 2 apples at 100 and 3 oranges at 150 with 10% tax. */
    public static Result applesAndOranges(double apple, double appleNum, double orange, double orangeNum, double tax) {
        MulLayer mulAppleLayer = new MulLayer();
        MulLayer mulOrangeLayer = new MulLayer();
        AddLayer addAppleOrangeLayer = new AddLayer();
        MulLayer mulTaxLayer = new MulLayer();
        List<Step> fwd = new ArrayList<>();
        List<Step> bwd = new ArrayList<>();

        double applePrice = mulAppleLayer.forward(apple, appleNum);
        fwd.add(new Step("mul_apple", fmt(apple) + " * " + fmt(appleNum) + " = " + fmt(applePrice)));
        double orangePrice = mulOrangeLayer.forward(orange, orangeNum);
        fwd.add(new Step("mul_orange", fmt(orange) + " * " + fmt(orangeNum) + " = " + fmt(orangePrice)));
        double allPrice = addAppleOrangeLayer.forward(applePrice, orangePrice);
        fwd.add(new Step("add_apple_orange", fmt(applePrice) + " + " + fmt(orangePrice) + " = " + fmt(allPrice)));
        double price = mulTaxLayer.forward(allPrice, tax);
        fwd.add(new Step("mul_tax", fmt(allPrice) + " * " + fmt(tax) + " = " + fmt(price)));

        double dprice = 1;
        double[] t = mulTaxLayer.backward(dprice);
        bwd.add(new Step("mul_tax", "dout " + fmt(dprice) + " -> d all_price " + fmt(t[0]) + ", d tax " + fmt(t[1])));
        double[] s = addAppleOrangeLayer.backward(t[0]);
        bwd.add(new Step("add_apple_orange", "dout " + fmt(t[0]) + " -> d apple_price " + fmt(s[0]) + ", d orange_price " + fmt(s[1])));
        double[] o = mulOrangeLayer.backward(s[1]);
        bwd.add(new Step("mul_orange", "dout " + fmt(s[1]) + " -> d orange " + fmt(o[0]) + ", d orange_num " + fmt(o[1])));
        double[] a = mulAppleLayer.backward(s[0]);
        bwd.add(new Step("mul_apple", "dout " + fmt(s[0]) + " -> d apple " + fmt(a[0]) + ", d apple_num " + fmt(a[1])));

        return new Result("2 apples at 100 and 3 oranges at 150, 10% tax", fwd, bwd, price,
                List.of(new Gradient("apple", a[0]), new Gradient("apple_num", a[1]),
                        new Gradient("orange", o[0]), new Gradient("orange_num", o[1]), new Gradient("tax", t[1])));
    }

    /**
     * Formats a double with at most 10 significant decimals, so binary noise such as
     * 220.00000000000003 prints as the book's 220.
     */
    public static String fmt(double v) {
        java.math.BigDecimal d = new java.math.BigDecimal(v).round(new java.math.MathContext(10)).stripTrailingZeros();
        return d.scale() < 0 ? d.setScale(0).toPlainString() : d.toPlainString();
    }
}
