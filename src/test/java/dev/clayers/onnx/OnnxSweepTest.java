package dev.clayers.onnx;

import dev.clayers.Sweep;
import dev.clayers.backend.Backend;
import dev.clayers.backend.cpu.CpuBackend;
import dev.clayers.data.Normaliser;
import dev.clayers.net.LayerSpec;
import dev.clayers.net.Layers;
import dev.clayers.net.ModelFile;
import dev.clayers.net.Sequential;
import dev.clayers.onnx.proto.OnnxProto.AttributeProto;
import dev.clayers.onnx.proto.OnnxProto.GraphProto;
import dev.clayers.onnx.proto.OnnxProto.ModelProto;
import dev.clayers.onnx.proto.OnnxProto.NodeProto;
import dev.clayers.onnx.proto.OnnxProto.TensorProto;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.UnaryOperator;

/**
 * Hostile sweep, ONNX files (issue 27): an exported network with every layer kind ONNX carries
 * and a normaliser, mutated: byte flips through the whole file, truncations, initializer dims
 * huge, negative or zero, and every integer and float attribute of every node changed. Each is
 * refused with an {@link OnnxFormatException} (or another {@link IllegalArgumentException}) on
 * one line, or imports the original network, at most one value of one tensor different (a flip
 * inside the raw floats, which no format can notice), that predicts finite probabilities.
 */
class OnnxSweepTest {
    static final List<LayerSpec> NET = Layers.input(1, 6, 6).conv(2, 3, 1, 1).batchNorm(1e-5f).relu().maxPool(2).avgPool(2, 1)
            .dense(4).gelu().dense(4).tanh().dense(4).sigmoid().dense(3).list();
    static final Map<String, float[]> WEIGHTS = OnnxExportTest.weights(NET, 9);
    static final Normaliser NORM;

    static {
        float[] c = new float[36], s = new float[36];
        Arrays.fill(c, 0.1f);
        Arrays.fill(s, 2f);
        NORM = Normaliser.of(Normaliser.Kind.STANDARDISE, c, s);
    }

    static ModelProto good() {
        return OnnxExport.toModel(NET, WEIGHTS, NORM, OnnxExport.Options.defaults());
    }

    /** Refused cleanly, or the original with at most one value different, predicting finite probabilities. */
    static void refusedOrOriginal(byte[] bytes) {
        ModelFile.Model m;
        try {
            m = OnnxImport.fromBytes("x.onnx", bytes);
        } catch (Exception e) {
            Sweep.refusal(e, OnnxFormatException.class, IllegalArgumentException.class);
            return;
        }
        if (!LayerSpec.describe(m.layers()).equals(LayerSpec.describe(NET))) {
            throw new AssertionError("imported another network: " + LayerSpec.describe(m.layers()));
        }
        int differ = 0;
        for (Map.Entry<String, float[]> w : WEIGHTS.entrySet()) {
            float[] got = m.weights().get(w.getKey());
            if (got == null || got.length != w.getValue().length) throw new AssertionError("imported " + w.getKey() + " changed");
            for (int i = 0; i < got.length; i++) if (Float.floatToIntBits(got[i]) != Float.floatToIntBits(w.getValue()[i])) differ++;
        }
        if (m.normaliser() == null) throw new AssertionError("imported without its normaliser");
        for (Map.Entry<String, float[]> w : NORM.tensors().entrySet()) {
            float[] got = m.normaliser().tensors().get(w.getKey());
            for (int i = 0; i < got.length; i++) if (Float.floatToIntBits(got[i]) != Float.floatToIntBits(w.getValue()[i])) differ++;
        }
        if (differ > 1) throw new AssertionError("imported with " + differ + " values different");
        try (Backend be = new CpuBackend(); Sequential net = m.build(be)) {
            float[][] x = new float[2][36];
            x[1][5] = 1;
            double[][] p;
            try {
                p = net.predictProbabilities(x);
            } catch (IllegalArgumentException | IllegalStateException e) {
                Sweep.refusal(e, IllegalArgumentException.class, IllegalStateException.class);
                return;
            }
            for (double[] row : p) for (double v : row) if (!Double.isFinite(v)) throw new AssertionError("probability " + v);
        }
    }

    static void refused(byte[] bytes) {
        try {
            OnnxImport.fromBytes("x.onnx", bytes);
        } catch (Exception e) {
            Sweep.refusal(e, OnnxFormatException.class, IllegalArgumentException.class);
            return;
        }
        throw new AssertionError("imported");
    }

    static byte[] edit(UnaryOperator<ModelProto.Builder> e) {
        return e.apply(good().toBuilder()).build().toByteArray();
    }

    @Test
    void sweep() {
        Sweep sweep = Sweep.of("ONNX files");
        byte[] bytes = good().toByteArray();
        sweep.check("the exported file", () -> refusedOrOriginal(bytes));

        // A flip of every bit pattern at positions through the whole file.
        Random rng = new Random(27);
        for (int k = 0; k < 80; k++) {
            int at = (int) ((long) bytes.length * k / 80) + rng.nextInt(Math.max(1, bytes.length / 80));
            int mask = k % 2 == 0 ? 0xff : 1 << rng.nextInt(8);
            sweep.check("byte " + at + " ^ " + mask, () -> {
                byte[] b = bytes.clone();
                b[at] ^= (byte) mask;
                refusedOrOriginal(b);
            });
        }
        for (int k = 1; k <= 25; k++) {
            int cut = (int) ((long) bytes.length * k / 26);
            sweep.check("truncated at " + cut, () -> refusedOrOriginal(Arrays.copyOf(bytes, cut)));
        }
        sweep.check("two copies", () -> {
            byte[] b = Arrays.copyOf(bytes, bytes.length * 2);
            System.arraycopy(bytes, 0, b, bytes.length, bytes.length);
            refusedOrOriginal(b);
        });

        // Initializer dims.
        GraphProto g = good().getGraph();
        for (int i = 0; i < g.getInitializerCount(); i++) {
            int index = i;
            TensorProto t = g.getInitializer(i);
            for (long d : new long[] {-1, 0, 1L << 31, 1L << 40, Long.MAX_VALUE, Long.MIN_VALUE}) {
                sweep.check("initializer " + t.getName() + " dim 0 = " + d, () -> refused(edit(m -> {
                    TensorProto.Builder b = m.getGraphBuilder().getInitializer(index).toBuilder();
                    if (b.getDimsCount() == 0) b.addDims(d);   // a scalar (GELU's constants) given a dimension
                    else b.setDims(0, d);
                    m.getGraphBuilder().setInitializer(index, b);
                    return m;
                })));
            }
            sweep.check("initializer " + t.getName() + " with an extra dim 2", () -> refused(edit(m -> {
                m.getGraphBuilder().setInitializer(index, m.getGraphBuilder().getInitializer(index).toBuilder().addDims(2));
                return m;
            })));
            sweep.check("initializer " + t.getName() + " as doubles", () -> refusedOrOriginal(edit(m -> {
                m.getGraphBuilder().setInitializer(index, m.getGraphBuilder().getInitializer(index).toBuilder().setDataType(11));
                return m;
            })));
        }

        // Every attribute of every node.
        for (int n = 0; n < g.getNodeCount(); n++) {
            NodeProto node = g.getNode(n);
            for (int a = 0; a < node.getAttributeCount(); a++) {
                AttributeProto attr = node.getAttribute(a);
                int ni = n, ai = a;
                List<UnaryOperator<AttributeProto.Builder>> edits = new ArrayList<>();
                List<String> names = new ArrayList<>();
                if (attr.getIntsCount() > 0) {
                    for (long v : new long[] {0, -1, 1L << 31, Long.MAX_VALUE, 99}) {
                        edits.add(b -> b.setInts(0, v));
                        names.add("ints[0] = " + v);
                    }
                    edits.add(b -> b.clearInts());
                    names.add("ints empty");
                    edits.add(b -> b.addInts(3));
                    names.add("ints + 3");
                } else if (attr.getType() == AttributeProto.AttributeType.INT) {
                    for (long v : new long[] {-1, 2, 1L << 31, Long.MIN_VALUE}) {
                        edits.add(b -> b.setI(v));
                        names.add("i = " + v);
                    }
                } else if (attr.getType() == AttributeProto.AttributeType.FLOAT) {
                    for (float v : new float[] {Float.NaN, Float.POSITIVE_INFINITY, -1f, 0f, 3e38f}) {
                        edits.add(b -> b.setF(v));
                        names.add("f = " + v);
                    }
                }
                edits.add(b -> b.setType(AttributeProto.AttributeType.STRING).setS(com.google.protobuf.ByteString.copyFromUtf8("x")));
                names.add("a string");
                for (int e = 0; e < edits.size(); e++) {
                    UnaryOperator<AttributeProto.Builder> ed = edits.get(e);
                    String label = node.getName() + " (" + node.getOpType() + ") " + attr.getName() + " " + names.get(e);
                    sweep.check(label, () -> refusedOrOriginal(edit(m -> {
                        NodeProto.Builder nb = m.getGraphBuilder().getNode(ni).toBuilder();
                        nb.setAttribute(ai, ed.apply(nb.getAttribute(ai).toBuilder()));
                        m.getGraphBuilder().setNode(ni, nb);
                        return m;
                    })));
                }
            }
        }
        sweep.finish();
    }
}
