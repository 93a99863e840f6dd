package dev.clayers.onnx;

import com.google.protobuf.ByteString;
import dev.clayers.Limits;
import dev.clayers.io.AtomicFiles;
import dev.clayers.data.Normaliser;
import dev.clayers.net.ActivationSpec;
import dev.clayers.net.AffineSpec;
import dev.clayers.net.AvgPoolSpec;
import dev.clayers.net.BatchNormSpec;
import dev.clayers.net.ConvSpec;
import dev.clayers.net.DropoutSpec;
import dev.clayers.net.LayerSpec;
import dev.clayers.net.MaxPoolSpec;
import dev.clayers.net.ModelFile;
import dev.clayers.net.Sequential;
import dev.clayers.net.TensorSpec;
import dev.clayers.onnx.proto.OnnxProto.AttributeProto;
import dev.clayers.onnx.proto.OnnxProto.GraphProto;
import dev.clayers.onnx.proto.OnnxProto.ModelProto;
import dev.clayers.onnx.proto.OnnxProto.NodeProto;
import dev.clayers.onnx.proto.OnnxProto.OperatorSetIdProto;
import dev.clayers.onnx.proto.OnnxProto.StringStringEntryProto;
import dev.clayers.onnx.proto.OnnxProto.TensorProto;
import dev.clayers.onnx.proto.OnnxProto.TensorShapeProto;
import dev.clayers.onnx.proto.OnnxProto.TypeProto;
import dev.clayers.onnx.proto.OnnxProto.ValueInfoProto;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Writes a clayers network as an ONNX model (opset {@value #OPSET}, IR version {@value #IR_VERSION}) for
 * serving anywhere ONNX Runtime runs. One input {@code input}, {@code [N, C, H, W]} for a net that
 * starts with a conv or pooling layer, {@code [N, F]} for a perceptron; one output {@code logits}
 * {@code [N, classes]} (or {@code probabilities} with {@link Options#softmax}); the batch dimension is
 * the symbol {@code N}. Each layer becomes the standard op: affine {@code Gemm} (W kept in the book's
 * {@code in x out} layout, {@code transB = 0}), {@code Conv}, {@code MaxPool}, {@code AveragePool},
 * {@code BatchNormalization} (inference form, the layer's epsilon), {@code Relu}, {@code Sigmoid},
 * {@code Tanh}, GELU as its tanh form written out in {@code Mul}, {@code Add} and {@code Tanh} (the
 * {@code Gelu} op needs opset 20, which few runtimes and checkers know yet), dropout as
 * {@code Dropout} (the identity at inference; its ratio kept for re-import); a {@code Flatten} or
 * {@code Reshape} goes where the row changes between image and features. Initializers carry the
 * layers' tensor names ({@code conv1.W}), so a clayers file reads back as the same network
 * ({@link OnnxImport}).
 *
 * <p>Thread rule: stateless; every method may be called from any thread.
 */
public final class OnnxExport {
    /** The operator set written: ONNX 1.12's newest, known to ONNX Runtime since 1.13 and to PyTorch 1.13's exporter. */
    public static final int OPSET = 17;
    /** ONNX IR version 8 (ONNX 1.12), the one that goes with opset 17. */
    public static final int IR_VERSION = 8;
    /** The graph's input, and its outputs without and with {@link Options#softmax}. */
    public static final String INPUT = "input", LOGITS = "logits", PROBABILITIES = "probabilities";
    /** The symbolic batch dimension. */
    public static final String BATCH = "N";

    private OnnxExport() {}

    /**
     * What to write beyond the layers.
     *
     * @param softmax end in a {@code Softmax} over the classes: the output is {@code probabilities}
     *                instead of {@code logits}
     */
    public record Options(boolean softmax) {
        /** Logits out, no softmax. */
        public static Options defaults() { return new Options(false); }
    }

    /** Writes {@code net}'s layers and current weights to {@code file} atomically (temp file, then rename). */
    public static void write(Sequential net, Path file, Options options) throws IOException {
        AtomicFiles.write(file, toModel(net.layerSpecs(), net.weights(), net.normaliser().orElse(null), options).toByteArray());
    }

    /** Writes a loaded model file's network to {@code file} atomically, with no device involved. */
    public static void write(ModelFile.Model model, Path file, Options options) throws IOException {
        AtomicFiles.write(file, toModel(model.layers(), model.weights(), model.normaliser(), options).toByteArray());
    }

    /**
     * The ONNX model of {@code layers} with {@code weights} (by tensor name, as {@link Sequential#weights()}
     * gives them). Fails when a tensor is missing or has the wrong length, or the weights are too large for
     * one protobuf message.
     */
    public static ModelProto toModel(List<? extends LayerSpec> layers, Map<String, float[]> weights, Options options) {
        return toModel(layers, weights, null, options);
    }

    /**
     * As {@link #toModel(List, Map, Options)}, with the network's input normaliser (null for none)
     * as the graph's first two nodes, {@code (input - center) / scale}, so the exported file takes
     * the same raw inputs as {@code predict}.
     */
    public static ModelProto toModel(List<? extends LayerSpec> layers, Map<String, float[]> weights, Normaliser normaliser,
                                     Options options) {
        List<int[]> shapes = Sequential.outputShapes(layers);   // validates the chain
        List<String> names = Sequential.names(layers);
        long bytes = 0;
        for (int i = 0; i < layers.size(); i++) {
            layers.get(i).checkTensors(names.get(i), weights);
            bytes += 4L * layers.get(i).tensors(names.get(i)).stream().mapToLong(TensorSpec::size).sum();
        }
        if (bytes > Limits.MAX_ONNX_BYTES) {
            throw new IllegalArgumentException("the network's weights take " + bytes + " bytes, more than one ONNX file"
                    + " (a protobuf message) holds here (" + Limits.MAX_ONNX_BYTES + ")");
        }
        GraphWriter g = new GraphWriter(weights);
        LayerSpec first = layers.get(0);
        int[] inputDims = first.inputImage().map(s -> new int[] {s.channels(), s.height(), s.width()})
                .orElse(new int[] {first.inputWidth()});
        g.graph.addInput(valueInfo(INPUT, inputDims));
        g.current = INPUT;
        g.dims = inputDims;
        if (normaliser != null) {
            if (normaliser.features() != first.inputWidth()) {
                throw new IllegalArgumentException("the normaliser takes " + normaliser.features() + " features but the network "
                        + first.inputWidth());
            }
            // Broadcast over the batch: [C, H, W] for an image input, [F] for rows.
            long[] dims = java.util.Arrays.stream(inputDims).asLongStream().toArray();
            g.graph.addInitializer(floatTensor("normaliser.center", dims, normaliser.center()));
            g.graph.addInitializer(floatTensor("normaliser.scale", dims, normaliser.scale()));
            g.node("Sub", "normaliser.sub", List.of(INPUT, "normaliser.center"), "normaliser.centered");
            g.node("Div", "normaliser.div", List.of("normaliser.centered", "normaliser.scale"), "normalised");
        }
        for (int i = 0; i < layers.size(); i++) {
            g.name = names.get(i);
            layers.get(i).accept(g);
            g.dims = shapes.get(i);
        }
        int classes = layers.get(layers.size() - 1).classScores();
        if (options.softmax()) {
            // Over the classes: axis 1 of [N, classes] (at opset 13+, the default -1 is the same axis).
            g.node("Softmax", "softmax", List.of(g.current), PROBABILITIES, intAttr("axis", 1));
        } else {
            g.renameLast(g.current, LOGITS);   // the last layer's node writes the graph output itself
        }
        g.graph.addOutput(valueInfo(options.softmax() ? PROBABILITIES : LOGITS, new int[] {classes}));
        g.graph.setName("clayers").setDocString(LayerSpec.describe(layers));
        String version = OnnxExport.class.getPackage().getImplementationVersion();
        return ModelProto.newBuilder()
                .setIrVersion(IR_VERSION)
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(OPSET))
                .setProducerName("clayers")
                .setProducerVersion(version == null ? "dev" : version)
                .setDocString("A clayers network: " + LayerSpec.describe(layers))
                .addMetadataProps(StringStringEntryProto.newBuilder().setKey("clayers.layers").setValue(LayerSpec.describe(layers)))
                .setGraph(g.graph)
                .build();
    }

    /** {@code name}: float32 {@code [N, dims...]}. */
    private static ValueInfoProto valueInfo(String name, int[] dims) {
        TensorShapeProto.Builder shape = TensorShapeProto.newBuilder().addDim(TensorShapeProto.Dimension.newBuilder().setDimParam(BATCH));
        for (int d : dims) shape.addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(d));
        return ValueInfoProto.newBuilder().setName(name)
                .setType(TypeProto.newBuilder().setTensorType(TypeProto.Tensor.newBuilder()
                        .setElemType(TensorProto.DataType.FLOAT_VALUE).setShape(shape)))
                .build();
    }

    static AttributeProto intAttr(String name, long v) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INT).setI(v).build();
    }

    static AttributeProto intsAttr(String name, long... v) {
        AttributeProto.Builder a = AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INTS);
        for (long x : v) a.addInts(x);
        return a.build();
    }

    static AttributeProto floatAttr(String name, float v) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.FLOAT).setF(v).build();
    }

    /** A float32 tensor, little-endian raw data, dims as given ({@code []} for a scalar). */
    static TensorProto floatTensor(String name, long[] dims, float[] values) {
        ByteBuffer buf = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        buf.asFloatBuffer().put(values);
        TensorProto.Builder t = TensorProto.newBuilder().setName(name).setDataType(TensorProto.DataType.FLOAT_VALUE)
                .setRawData(ByteString.copyFrom(buf.array()));
        for (long d : dims) t.addDims(d);
        return t.build();
    }

    /** An int64 tensor of one dimension (a Reshape's target shape). */
    static TensorProto int64Tensor(String name, long... values) {
        TensorProto.Builder t = TensorProto.newBuilder().setName(name).setDataType(TensorProto.DataType.INT64_VALUE)
                .addDims(values.length);
        for (long v : values) t.addInt64Data(v);
        return t.build();
    }

    /**
     * Appends each layer's nodes to the graph. {@code current} is the value the next layer reads,
     * {@code dims} its shape per row as the layers see it, {@code rank} its rank in the ONNX graph
     * (2 for {@code [N, F]}, 3 or 4 for image-like tensors): clayers rows are flat, ONNX ops want
     * their own ranks, so a Flatten or Reshape goes in only where the rank must change.
     */
    private static final class GraphWriter implements LayerSpec.Visitor<Void> {
        final GraphProto.Builder graph = GraphProto.newBuilder();
        final Map<String, float[]> weights;
        String current;
        int[] dims;
        String name;

        GraphWriter(Map<String, float[]> weights) { this.weights = weights; }

        private int currentRank = -1;

        void node(String op, String nodeName, List<String> inputs, String output, AttributeProto... attributes) {
            NodeProto.Builder n = NodeProto.newBuilder().setOpType(op).setName(nodeName).addAllInput(inputs).addOutput(output);
            for (AttributeProto a : attributes) n.addAttribute(a);
            graph.addNode(n);
            current = output;
        }

        /** Renames value {@code from}, written by the last node, to {@code to}, the graph's output name. */
        void renameLast(String from, String to) {
            if (from.equals(to)) return;
            int last = graph.getNodeCount() - 1;
            NodeProto n = graph.getNode(last);
            if (!n.getOutput(0).equals(from)) throw new IllegalStateException("last node writes " + n.getOutput(0));
            graph.setNode(last, n.toBuilder().setOutput(0, to));
            current = to;
        }

        void initializer(String tensor, long... dims) {
            graph.addInitializer(floatTensor(tensor, dims, weights.get(tensor)));
        }

        void scalar(String tensor, float v) {
            graph.addInitializer(floatTensor(tensor, new long[0], new float[] {v}));
        }

        /** The graph's rank of {@code current}: 4 for an image input, 2 for features. */
        private int currentRank() {
            if (currentRank < 0) currentRank = dims.length == 3 ? 4 : 2;
            return currentRank;
        }

        /** Makes {@code current} a {@code [N, F]} matrix. */
        private void toMatrix() {
            if (currentRank() != 2) {
                node("Flatten", name + ".flatten", List.of(current), name + ".flat", intAttr("axis", 1));
                currentRank = 2;
            }
        }

        /** Makes {@code current} a {@code [N, C, H, W]} image of the layer's input shape. */
        private void toImage(int c, int h, int w) {
            if (currentRank() != 4) {
                String shape = name + ".image_shape";
                graph.addInitializer(int64Tensor(shape, 0, c, h, w));   // 0: keep the batch dimension
                node("Reshape", name + ".reshape", List.of(current, shape), name + ".image");
                currentRank = 4;
            }
        }

        @Override
        public Void affine(AffineSpec s) {
            toMatrix();
            initializer(name + ".W", s.inputs(), s.outputs());   // the book's x W: B is in x out, no transpose
            initializer(name + ".b", s.outputs());
            node("Gemm", name, List.of(current, name + ".W", name + ".b"), name, intAttr("transB", 0));
            currentRank = 2;
            return null;
        }

        @Override
        public Void conv(ConvSpec s) {
            toImage(s.input().channels(), s.input().height(), s.input().width());
            int c = s.input().channels(), k = s.kernel(), p = s.pad(), st = s.stride();
            initializer(name + ".W", s.filters(), c, k, k);
            initializer(name + ".b", s.filters());
            node("Conv", name, List.of(current, name + ".W", name + ".b"), name, intsAttr("kernel_shape", k, k),
                    intsAttr("strides", st, st), intsAttr("pads", p, p, p, p), intsAttr("dilations", 1, 1), intAttr("group", 1));
            return null;
        }

        @Override
        public Void maxPool(MaxPoolSpec s) {
            toImage(s.input().channels(), s.input().height(), s.input().width());
            pool("MaxPool", s.window(), s.stride());
            return null;
        }

        @Override
        public Void avgPool(AvgPoolSpec s) {
            toImage(s.input().channels(), s.input().height(), s.input().width());
            pool("AveragePool", s.window(), s.stride());
            return null;
        }

        private void pool(String op, int window, int stride) {
            node(op, name, List.of(current), name, intsAttr("kernel_shape", window, window), intsAttr("strides", stride, stride),
                    intsAttr("pads", 0, 0, 0, 0), intAttr("ceil_mode", 0));
        }

        @Override
        public Void batchNorm(BatchNormSpec s) {
            // ONNX normalises axis 1 of [N, C, ...]: per feature of [N, F] when positions is 1; otherwise the
            // channels must be axis 1, so a flat row of C*P values becomes [N, C, P].
            boolean channelsOnAxis1 = s.positions() == 1 ? currentRank() == 2 : currentRank() != 2;
            if (!channelsOnAxis1) {
                if (s.positions() == 1) {
                    toMatrix();
                } else {
                    String shape = name + ".channel_shape";
                    graph.addInitializer(int64Tensor(shape, 0, s.channels(), s.positions()));
                    node("Reshape", name + ".reshape", List.of(current, shape), name + ".channels");
                    currentRank = 3;
                }
            }
            for (String part : List.of("gamma", "beta", "running_mean", "running_var")) initializer(name + "." + part, s.channels());
            node("BatchNormalization", name, List.of(current, name + ".gamma", name + ".beta", name + ".running_mean",
                    name + ".running_var"), name, floatAttr("epsilon", s.epsilon()));
            return null;
        }

        @Override
        public Void activation(ActivationSpec s) {
            currentRank();
            switch (s.activation()) {
                case RELU -> node("Relu", name, List.of(current), name);
                case SIGMOID -> node("Sigmoid", name, List.of(current), name);
                case TANH -> node("Tanh", name, List.of(current), name);
                case GELU -> gelu();
            }
            return null;
        }

        /**
         * {@code 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))}, clayers' GELU, in opset-17 ops: the
         * cube as two multiplications (exact where Pow may not be), the constants as scalar initializers.
         */
        private void gelu() {
            String x = current, n = name;
            scalar(n + ".half", 0.5f);
            scalar(n + ".one", 1f);
            scalar(n + ".k0", (float) Math.sqrt(2 / Math.PI));
            scalar(n + ".k1", 0.044715f);
            node("Mul", n + ".square", List.of(x, x), n + ".x2");
            node("Mul", n + ".cube", List.of(n + ".x2", x), n + ".x3");
            node("Mul", n + ".cubic", List.of(n + ".x3", n + ".k1"), n + ".cx3");
            node("Add", n + ".inner", List.of(x, n + ".cx3"), n + ".inner");
            node("Mul", n + ".scale", List.of(n + ".inner", n + ".k0"), n + ".u");
            node("Tanh", n + ".tanh", List.of(n + ".u"), n + ".t");
            node("Add", n + ".plus_one", List.of(n + ".t", n + ".one"), n + ".t1");
            node("Mul", n + ".half_x", List.of(x, n + ".half"), n + ".hx");
            node("Mul", n, List.of(n + ".hx", n + ".t1"), n);
        }

        @Override
        public Void dropout(DropoutSpec s) {
            currentRank();
            scalar(name + ".ratio", s.ratio());
            node("Dropout", name, List.of(current, name + ".ratio"), name);   // no training_mode: the identity
            return null;
        }
    }
}
