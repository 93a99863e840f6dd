package dev.clayers.net;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The short network notation of {@code clayers train --net}: dash-separated steps from the input
 * image to the classes, each hidden step followed by the activation; the last affine layer (to
 * the classes) is added.
 * <ul>
 *   <li>{@code conv30k5}: 30 filters of 5x5, stride 1, no padding; {@code conv16k3p1},
 *       {@code conv32k3s2p1} add padding ({@code p}) and stride ({@code s})</li>
 *   <li>{@code pool2}: 2x2 max pooling with stride 2; {@code pool3s2} sets the stride;
 *       {@code avgpool2}: average pooling (PyTorch's {@code AvgPool2d})</li>
 *   <li>{@code 100}: affine layer of 100 units (dropout after its activation when asked)</li>
 *   <li>a {@code bn} suffix ({@code conv30k5bn}, {@code 100bn}) puts batch normalization between
 *       the layer and its activation, per channel after a conv layer, per feature after an affine one</li>
 * </ul>
 * The book's simple conv net is {@code conv30k5-pool2-100}: conv 30x5x5, ReLU, max-pool 2x2,
 * affine 100, ReLU, affine 10 (then softmax-with-loss).
 */
public final class NetSpec {
    private NetSpec() {}

    private static final Pattern CONV = Pattern.compile("conv(\\d+)k(\\d+)(?:s(\\d+))?(?:p(\\d+))?(?:s(\\d+))?(bn)?");
    private static final Pattern AFFINE = Pattern.compile("(\\d+)(bn)?");
    private static final Pattern POOL = Pattern.compile("(avg)?pool(\\d+)(?:s(\\d+))?");

    /** What {@code --net} accepts, for help texts and messages. */
    public static final String SYNTAX = "steps joined by '-': convFkK[sS][pP] (F filters KxK, stride S, padding P),"
            + " poolW[sS] (WxW max pooling, stride S, default W), avgpoolW[sS] (average pooling), N (affine layer of N units); a 'bn' suffix on a conv or"
            + " affine step adds batch normalization before its activation";

    /**
     * The layer list of {@code spec} on images of {@code input}, ending in an affine layer to
     * {@code classes} outputs; {@code activation} after every conv and hidden affine layer,
     * dropout (when {@code dropout > 0}) after the hidden affine layers' activations.
     */
    public static List<LayerSpec> parse(String spec, ImageShape input, int classes, Activation activation, float dropout) {
        List<LayerSpec> out = new ArrayList<>();
        ImageShape image = input;
        int width = input.size();
        if (spec == null || spec.isBlank()) throw new IllegalArgumentException("--net is empty; " + SYNTAX);
        // limit -1 keeps the empty steps of "-", "conv8k5-" and "conv8k5--pool2" so they are refused, not dropped.
        for (String raw : spec.trim().toLowerCase(Locale.ROOT).split("-", -1)) {
            String step = raw.trim();
            try {
                Matcher c = CONV.matcher(step), p = POOL.matcher(step);
                if (step.isEmpty()) {
                    throw new IllegalArgumentException("an empty step: a '-' at either end or two in a row");
                } else if (c.matches()) {
                    if (image == null) throw new IllegalArgumentException("convolution needs an image, not the rows an affine layer gives");
                    if (c.group(3) != null && c.group(5) != null) throw new IllegalArgumentException("the stride is given twice");
                    int stride = c.group(3) != null ? number(c.group(3), "stride") : c.group(5) != null ? number(c.group(5), "stride") : 1;
                    int pad = c.group(4) == null ? 0 : number(c.group(4), "padding");
                    ConvSpec conv = LayerSpec.conv(image, number(c.group(1), "filters"), number(c.group(2), "kernel size"), stride, pad);
                    out.add(conv);
                    if (c.group(6) != null) out.add(LayerSpec.batchNorm(conv.output()));
                    out.add(LayerSpec.activation(activation));
                    image = conv.output();
                    width = image.size();
                } else if (p.matches()) {
                    if (image == null) throw new IllegalArgumentException("pooling needs an image, not the rows an affine layer gives");
                    int window = number(p.group(2), "window");
                    int stride = p.group(3) == null ? window : number(p.group(3), "stride");
                    if (p.group(1) != null) {
                        AvgPoolSpec pool = LayerSpec.avgPool(image, window, stride);
                        out.add(pool);
                        image = pool.output();
                    } else {
                        MaxPoolSpec pool = LayerSpec.maxPool(image, window, stride);
                        out.add(pool);
                        image = pool.output();
                    }
                    width = image.size();
                } else if (AFFINE.matcher(step).matches()) {
                    Matcher a = AFFINE.matcher(step);
                    a.matches();
                    int units = number(a.group(1), "units");
                    out.add(LayerSpec.affine(width, units));
                    if (a.group(2) != null) out.add(LayerSpec.batchNorm(units));
                    out.add(LayerSpec.activation(activation));
                    if (dropout > 0f) out.add(LayerSpec.dropout(dropout));
                    image = null;
                    width = units;
                } else {
                    throw new IllegalArgumentException("unknown step");
                }
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("--net '" + spec + "': cannot read '" + step + "' (" + e.getMessage() + "); "
                        + SYNTAX);
            }
        }
        out.add(LayerSpec.affine(width, classes));
        return out;
    }

    /** The digits of a step's number; one past {@code int} is named, not "For input string". */
    private static int number(String digits, String what) {
        try {
            return Integer.parseInt(digits);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(what + " " + digits + " is too large");
        }
    }
}
