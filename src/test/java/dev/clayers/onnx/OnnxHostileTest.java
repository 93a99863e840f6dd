package dev.clayers.onnx;

import com.google.protobuf.ByteString;
import dev.clayers.cli.Main;
import dev.clayers.net.ConvSpec;
import dev.clayers.net.ImageShape;
import dev.clayers.net.LayerSpec;
import dev.clayers.net.MaxPoolSpec;
import dev.clayers.onnx.proto.OnnxProto.AttributeProto;
import dev.clayers.onnx.proto.OnnxProto.GraphProto;
import dev.clayers.onnx.proto.OnnxProto.ModelProto;
import dev.clayers.onnx.proto.OnnxProto.NodeProto;
import dev.clayers.onnx.proto.OnnxProto.TensorProto;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.UnaryOperator;

import static dev.clayers.net.LayerSpec.affine;
import static dev.clayers.net.LayerSpec.conv;
import static dev.clayers.net.LayerSpec.maxPool;
import static dev.clayers.net.LayerSpec.relu;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Files clayers must refuse, each with one line that says why (naming the op and node where there
 * is one), never a wrong network or an out-of-memory: damaged bytes, huge declared sizes, cycles,
 * unsupported ops and attributes, shapes that do not fit. Edits of a good exported file, so each
 * test changes exactly one thing.
 */
class OnnxHostileTest {
    static final ConvSpec CONV = conv(new ImageShape(1, 28, 28), 2, 3, 1, 1);
    static final MaxPoolSpec POOL = maxPool(CONV.output(), 2, 2);
    static final List<LayerSpec> NET = List.of(CONV, relu(), POOL, affine(POOL.output().size(), 10));

    static ModelProto good() {
        return OnnxExport.toModel(NET, OnnxExportTest.weights(NET, 5), OnnxExport.Options.defaults());
    }

    /** The import of {@code edit(good())} fails; returns the message, checked to be one line. */
    static String refused(UnaryOperator<ModelProto.Builder> edit) {
        byte[] bytes = edit.apply(good().toBuilder()).build().toByteArray();
        return refused(bytes);
    }

    static String refused(byte[] bytes) {
        OnnxFormatException e = assertThrows(OnnxFormatException.class, () -> OnnxImport.fromBytes("x.onnx", bytes));
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
        return e.getMessage();
    }

    /** Node {@code i}'s edit. */
    static UnaryOperator<ModelProto.Builder> node(int i, UnaryOperator<NodeProto.Builder> edit) {
        return m -> {
            GraphProto.Builder g = m.getGraphBuilder();
            g.setNode(i, edit.apply(g.getNode(i).toBuilder()));
            return m;
        };
    }

    static NodeProto.Builder setAttribute(NodeProto.Builder n, AttributeProto a) {
        for (int k = 0; k < n.getAttributeCount(); k++) {
            if (n.getAttribute(k).getName().equals(a.getName())) return n.setAttribute(k, a);
        }
        return n.addAttribute(a);
    }

    @Test
    void goodFileImports() {
        assertEquals(LayerSpec.describe(NET), LayerSpec.describe(OnnxImport.fromBytes("x.onnx", good().toByteArray()).layers()));
    }

    @Test
    void truncatedAndGarbageFiles() {
        byte[] bytes = good().toByteArray();
        for (int cut : new int[] {1, 10, 100, bytes.length / 3, bytes.length / 2, bytes.length - 300, bytes.length - 1}) {
            String m = refused(Arrays.copyOf(bytes, cut));
            assertTrue(m.startsWith("x.onnx: "), m);
        }
        byte[] garbage = new byte[4096];
        new Random(1).nextBytes(garbage);
        assertTrue(refused(garbage).contains("not an ONNX model"), "random bytes");
        assertTrue(refused("{\"not\": \"onnx\"}".getBytes()).startsWith("x.onnx: "));
        assertTrue(refused(new byte[0]).contains("no graph"));
    }

    @Test
    void conv_withGroupsOrDilationOrAsymmetricPads_isRefusedNamingTheNode() {
        String g = refused(node(0, n -> setAttribute(n, OnnxExport.intAttr("group", 2))));
        assertTrue(g.contains("node 'conv1' (Conv)") && g.contains("group 2"), g);
        String d = refused(node(0, n -> setAttribute(n, OnnxExport.intsAttr("dilations", 2, 2))));
        assertTrue(d.contains("node 'conv1' (Conv)") && d.contains("dilations [2, 2]"), d);
        String p = refused(node(0, n -> setAttribute(n, OnnxExport.intsAttr("pads", 1, 1, 0, 0))));
        assertTrue(p.contains("pads [1, 1, 0, 0]"), p);
        String s = refused(node(0, n -> setAttribute(n, OnnxExport.intsAttr("strides", 1, 2))));
        assertTrue(s.contains("strides [1, 2]"), s);
        String unknown = refused(node(0, n -> setAttribute(n, OnnxExport.intAttr("future_thing", 1))));
        assertTrue(unknown.contains("attribute 'future_thing'"), unknown);
        String ceil = refused(node(2, n -> setAttribute(n, OnnxExport.intAttr("ceil_mode", 1))));
        assertTrue(ceil.contains("node 'pool1' (MaxPool)") && ceil.contains("ceil_mode"), ceil);
        String alpha = refused(node(4, n -> setAttribute(n, OnnxExport.floatAttr("alpha", 2f))));
        assertTrue(alpha.contains("node 'affine1' (Gemm)") && alpha.contains("alpha 2.0"), alpha);
    }

    @Test
    void unknownOpIsRefusedByName() {
        String m = refused(node(1, n -> n.setOpType("Swish")));
        assertTrue(m.contains("unsupported op Swish in node 'relu1'"), m);
        String domain = refused(node(1, n -> n.setDomain("com.microsoft").setOpType("FusedGemm")));
        assertTrue(domain.contains("com.microsoft.FusedGemm"), domain);
    }

    @Test
    void hugeDeclaredSizes() {
        // A weight that claims 10^12 x 10^12 values over a few bytes: refused before any allocation.
        String w = refused(m -> {
            TensorProto.Builder t = m.getGraphBuilder().getInitializer(0).toBuilder().clearDims().addDims(1_000_000_000_000L)
                    .addDims(1_000_000_000_000L);
            m.getGraphBuilder().setInitializer(0, t);
            return m;
        });
        assertTrue(w.contains("initializer 'conv1.W'") && w.contains("elements"), w);
        String bytes = refused(m -> {
            TensorProto.Builder t = m.getGraphBuilder().getInitializer(0).toBuilder().setRawData(ByteString.copyFrom(new byte[12]));
            m.getGraphBuilder().setInitializer(0, t);
            return m;
        });
        assertTrue(bytes.contains("holds 12 bytes"), bytes);
        String input = refused(m -> {
            var dims = m.getGraphBuilder().getInputBuilder(0).getTypeBuilder().getTensorTypeBuilder().getShapeBuilder();
            dims.getDimBuilder(2).setDimValue(4_000_000_000L);
            return m;
        });
        assertTrue(input.contains("input 'input' dimension 2 is 4000000000"), input);
    }

    @Test
    void cyclesAndUndefinedValues() {
        // relu1 reads pool1's output, which reads relu1's: a loop.
        String cycle = refused(node(1, n -> n.setInput(0, "pool1")));
        assertTrue(cycle.contains("cycle"), cycle);
        String undefined = refused(node(1, n -> n.setInput(0, "nowhere")));
        assertTrue(undefined.contains("reads 'nowhere', which no node, initializer or input defines"), undefined);
        String twice = refused(node(1, n -> n.setOutput(0, "conv1")));
        assertTrue(twice.contains("already defined"), twice);
    }

    @Test
    void mismatchedShapesAndValues() {
        // The affine weight of the wrong width.
        String gemm = refused(m -> {
            GraphProto.Builder g = m.getGraphBuilder();
            for (int k = 0; k < g.getInitializerCount(); k++) {
                if (g.getInitializer(k).getName().equals("affine1.W")) {
                    g.setInitializer(k, OnnxExport.floatTensor("affine1.W", new long[] {100, 10}, new float[1000]));
                }
            }
            return m;
        });
        assertTrue(gemm.contains("node 'affine1' (Gemm)") && gemm.contains("takes 100 inputs"), gemm);
        String nan = refused(m -> {
            float[] w = new float[2 * 9];
            w[3] = Float.NaN;
            m.getGraphBuilder().setInitializer(0, OnnxExport.floatTensor("conv1.W", new long[] {2, 1, 3, 3}, w));
            return m;
        });
        assertTrue(nan.contains("conv1.W") && nan.contains("NaN"), nan);
        String type = refused(m -> {
            m.getGraphBuilder().setInitializer(0, m.getGraphBuilder().getInitializer(0).toBuilder().setDataType(
                    TensorProto.DataType.DOUBLE_VALUE));
            return m;
        });
        assertTrue(type.contains("data type DOUBLE"), type);
        String branch = refused(m -> {
            m.getGraphBuilder().addNode(NodeProto.newBuilder().setOpType("Relu").setName("extra").addInput("conv1").addOutput("side"));
            return m;
        });
        assertTrue(branch.contains("branch") || branch.contains("chain"), branch);
        String opset = refused(m -> m.setOpsetImport(0, m.getOpsetImport(0).toBuilder().setVersion(99)));
        assertTrue(opset.contains("opset 99"), opset);
    }

    /** The CLI's import and eval of a damaged file: exit 2, one line on stderr. */
    @Test
    void cliRefusesWithExitTwo(@TempDir Path dir) throws Exception {
        Path bad = dir.resolve("bad.onnx");
        Files.write(bad, Arrays.copyOf(good().toByteArray(), 200));
        PrintStream err = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        try {
            System.setErr(new PrintStream(captured, true));
            assertEquals(Main.BAD_INPUT, Main.run("import", "--onnx", bad.toString(), "--model", dir.resolve("m.safetensors").toString()));
            assertEquals(Main.BAD_INPUT, Main.run("eval", "--model", bad.toString(), "--device", "cpu"));
        } finally {
            System.setErr(err);
        }
        String[] lines = captured.toString().strip().split("\n");
        assertEquals(2, lines.length, captured.toString());
        assertTrue(lines[0].startsWith("clayers import: " + bad) && lines[0].contains("truncated"), lines[0]);
        assertFalse(Files.exists(dir.resolve("m.safetensors")));
    }
}
