package dev.clayers.spark;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * One task's step message for {@code BarrierTaskContext.allGather} (which carries strings): its
 * shares' gradients, in share order, each with its scaled loss, as little-endian floats in
 * Base64. Every float travels bit for bit, so every task adds the same numbers. Internal.
 */
final class Codec {
    private Codec() {}

    /** A share's gradient (one array per parameter) and its loss times its fraction of the batch. */
    record Share(float[][] gradient, double weightedLoss) {}

    static String encode(List<Share> shares) {
        int floats = 0;
        for (Share s : shares) for (float[] p : s.gradient()) floats += p.length;
        ByteBuffer b = ByteBuffer.allocate(4 + shares.size() * 8 + floats * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(shares.size());
        for (Share s : shares) {
            b.putDouble(s.weightedLoss());
            for (float[] p : s.gradient()) {
                b.asFloatBuffer().put(p);   // a view from the current position: move past what it wrote
                b.position(b.position() + 4 * p.length);
            }
        }
        return Base64.getEncoder().encodeToString(b.array());
    }

    /** Reads what {@link #encode} wrote for a network whose parameters have {@code sizes} values each. */
    static List<Share> decode(String message, int[] sizes) {
        ByteBuffer b = ByteBuffer.wrap(Base64.getDecoder().decode(message)).order(ByteOrder.LITTLE_ENDIAN);
        int n = b.getInt();
        List<Share> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            double loss = b.getDouble();
            float[][] g = new float[sizes.length][];
            for (int k = 0; k < sizes.length; k++) {
                g[k] = new float[sizes[k]];
                b.asFloatBuffer().get(g[k]);
                b.position(b.position() + 4 * sizes[k]);
            }
            out.add(new Share(g, loss));
        }
        if (b.hasRemaining()) throw new IllegalStateException("a step message has " + b.remaining() + " bytes too many");
        return out;
    }
}
