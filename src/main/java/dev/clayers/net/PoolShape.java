package dev.clayers.net;

import dev.clayers.backend.ConvGeometry;

/** The geometry pooling kinds share: a window over each channel, no padding. */
final class PoolShape {
    private PoolShape() {}

    static ConvGeometry geometry(ImageShape in, int window, int stride) {
        return new ConvGeometry(in.channels(), in.height(), in.width(), window, stride, 0);
    }

    static ImageShape output(ImageShape in, ConvGeometry g) {
        return new ImageShape(in.channels(), g.outHeight(), g.outWidth());
    }

    /** {@code input,window,stride}: the window and stride. */
    static int[] parse(String[] args, String kind) {
        String usage = kind + " needs input,window,stride";
        if (args.length != 3) throw new IllegalArgumentException(usage);
        return LayerSpec.ints(new String[] {args[1], args[2]}, 2, usage);
    }
}
