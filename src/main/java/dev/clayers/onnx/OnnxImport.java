package dev.clayers.onnx;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.clayers.Limits;
import dev.clayers.io.InputFiles;
import dev.clayers.net.Activation;
import dev.clayers.net.ActivationSpec;
import dev.clayers.net.AffineSpec;
import dev.clayers.net.AvgPoolSpec;
import dev.clayers.net.BatchNormSpec;
import dev.clayers.net.ConvSpec;
import dev.clayers.net.DropoutSpec;
import dev.clayers.net.ImageShape;
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
import dev.clayers.onnx.proto.OnnxProto.TensorProto;
import dev.clayers.onnx.proto.OnnxProto.TensorShapeProto;
import dev.clayers.onnx.proto.OnnxProto.TypeProto;
import dev.clayers.onnx.proto.OnnxProto.ValueInfoProto;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads an ONNX model (from PyTorch's {@code torch.onnx.export}, from clayers' {@link OnnxExport},
 * or anything writing the same ops) as a clayers network: a {@link ModelFile.Model} whose layers
 * and weights build on any device, evaluate, predict and train further.
 *
 * <p>The graph must be a chain from its one input to its one output through this vocabulary (opsets
 * {@value #MIN_OPSET} to {@value #MAX_OPSET}): {@code Gemm} and {@code MatMul} (+ {@code Add} of a
 * bias) as affine layers, {@code Conv}, {@code MaxPool}, {@code AveragePool},
 * {@code BatchNormalization} (inference form), {@code Relu}, {@code Sigmoid}, {@code Tanh},
 * {@code Gelu} (tanh form) or element-wise ops that compute it ({@link ElementwiseFunction}),
 * {@code Flatten} and {@code Reshape} that keep the batch axis, {@code Dropout}, {@code Identity},
 * {@code Constant}, and a final {@code Softmax} or {@code LogSoftmax} (dropped: clayers networks
 * put out logits, and the class order is the same). Every attribute that would change what an op
 * computes is checked (square kernels, equal strides, symmetric padding, dilation 1, group 1, no
 * ceil mode, Gemm's alpha and beta 1...). Anything else fails with one line naming the op and the
 * node: a file is read as the network it describes or not at all.
 *
 * <p>Thread rule: stateless; every method may be called from any thread.
 */
public final class OnnxImport {
    /** Oldest and newest default-domain opset read: the vocabulary's semantics are the same across them. */
    public static final int MIN_OPSET = 9, MAX_OPSET = 21;
    /** Most nodes in a graph: a chain of layers needs a few per layer (GELU written out takes nine). */
    public static final int MAX_NODES = 10_000;

    /** The ops clayers reads, for messages and the docs. */
    public static final String VOCABULARY = "Gemm, MatMul (+ Add), Conv, MaxPool, AveragePool, BatchNormalization, Relu,"
            + " Sigmoid, Tanh, Gelu (tanh) or its element-wise form, Flatten, Reshape, Dropout, Identity, Pad of zeros, Constant,"
            + " and a final Softmax or LogSoftmax";

    private OnnxImport() {}

    /** Reads and validates {@code file}; the model's metadata says where it came from. */
    public static ModelFile.Model read(Path file) throws IOException {
        InputFiles.require(file, java.util.Set.of(InputFiles.Kind.PROTOBUF), "an ONNX model (.onnx)");
        String source = file.toString();
        long size = Files.size(file);
        if (size > Limits.MAX_ONNX_BYTES) {
            throw new OnnxFormatException(source, "the file has " + Limits.format(size) + " bytes, more than the limit of "
                    + Limits.format(Limits.MAX_ONNX_BYTES) + "; " + Limits.howToRaise("clayers.maxOnnxBytes"));
        }
        return fromBytes(source, Files.readAllBytes(file));
    }

    /** As {@link #read}, from the bytes of a file; {@code source} names it in messages. */
    public static ModelFile.Model fromBytes(String source, byte[] bytes) {
        ModelProto proto;
        try {
            // protobuf's own parser: it fails on truncated or malformed input, and caps nesting at 100 levels.
            proto = ModelProto.parseFrom(bytes);
        } catch (InvalidProtocolBufferException e) {
            throw new OnnxFormatException(source, "not an ONNX model, or a damaged or truncated one (protobuf: "
                    + e.getMessage() + ")");
        }
        return fromProto(source, proto);
    }

    /** The network {@code proto} describes. */
    public static ModelFile.Model fromProto(String source, ModelProto proto) {
        return new Reader(source, proto).read();
    }

    /** One import: the graph, its constants, and the chain of layers found so far. */
    private static final class Reader {
        final String source;
        final ModelProto model;
        final GraphProto graph;
        int opset = -1;
        final Map<String, Constant> constants = new HashMap<>();
        final Map<String, List<Integer>> consumers = new HashMap<>();
        final Set<String> graphOutputs = new HashSet<>();
        List<Integer> order;
        final boolean[] done;
        // The chain: the value the next layer reads, its ONNX shape per row (no batch axis), the layers so far.
        String current;
        long[] rowShape;
        long declaredBatch = -1;
        final List<LayerSpec> specs = new ArrayList<>();
        final List<List<float[]>> tensors = new ArrayList<>();
        String ending = "logits";

        Reader(String source, ModelProto model) {
            this.source = source;
            this.model = model;
            if (!model.hasGraph()) throw fail("no graph: not an ONNX model");
            this.graph = model.getGraph();
            this.done = new boolean[graph.getNodeCount()];
        }

        OnnxFormatException fail(String message) { return new OnnxFormatException(source, message); }

        /** {@code node 'conv1' (Conv)}, or its position and output when it has no name. */
        String where(int i) {
            return "node '" + nodeName(i) + "' (" + graph.getNode(i).getOpType() + ")";
        }

        String nodeName(int i) {
            NodeProto n = graph.getNode(i);
            return n.getName().isEmpty() ? "#" + i + (n.getOutputCount() > 0 ? " -> " + n.getOutput(0) : "") : n.getName();
        }

        ModelFile.Model read() {
            checkOpset();
            if (graph.getNodeCount() > MAX_NODES) {
                throw fail("the graph has " + Limits.format(graph.getNodeCount()) + " nodes, more than " + Limits.format(MAX_NODES));
            }
            if (graph.getInitializerCount() > Limits.MAX_TENSORS) {
                throw fail("the graph has " + graph.getInitializerCount() + " initializers, more than " + Limits.MAX_TENSORS);
            }
            if (graph.getSparseInitializerCount() > 0) throw fail("sparse initializers are not supported");
            for (TensorProto t : graph.getInitializerList()) {
                if (t.getName().isEmpty()) throw fail("an initializer has no name");
                if (constants.put(t.getName(), Constant.decode(t, source, "initializer '" + t.getName() + "'")) != null) {
                    throw fail("initializer '" + t.getName() + "' is defined twice");
                }
            }
            refuseUnknownOps();
            ValueInfoProto input = dataInput();
            if (graph.getOutputCount() != 1) {
                throw fail("the graph has " + graph.getOutputCount() + " outputs; clayers imports networks with one output"
                        + " (the class scores)");
            }
            graphOutputs.add(graph.getOutput(0).getName());
            sortNodes(input.getName());
            current = input.getName();
            rowShape = inputShape(input);
            for (int i : order) {
                if (!done[i]) step(i);
            }
            if (!graphOutputs.contains(current)) {
                throw fail("the chain of layers ends in '" + current + "' but the graph's output is '"
                        + graph.getOutput(0).getName() + "'");
            }
            return model();
        }

        /**
         * Names every op outside the vocabulary up front (each type once, with its first node), so a
         * file with an LSTM says LSTM rather than the first shape op that feeds it.
         */
        private void refuseUnknownOps() {
            Map<String, Integer> unknown = new LinkedHashMap<>();
            for (int i = 0; i < graph.getNodeCount(); i++) {
                NodeProto n = graph.getNode(i);
                String op = n.getDomain().isEmpty() || n.getDomain().equals("ai.onnx") ? n.getOpType() : n.getDomain() + "." + n.getOpType();
                if (!isKnown(op)) unknown.putIfAbsent(op, i);
            }
            if (unknown.isEmpty()) return;
            List<String> parts = new ArrayList<>();
            unknown.entrySet().stream().limit(12).forEach(e -> parts.add(e.getKey() + " in node '" + nodeName(e.getValue()) + "'"));
            throw fail("unsupported op" + (unknown.size() > 1 ? "s " : " ") + String.join(", ", parts)
                    + (unknown.size() > 12 ? " and " + (unknown.size() - 12) + " more" : "") + "; clayers imports " + VOCABULARY);
        }

        private void checkOpset() {
            for (OperatorSetIdProto o : model.getOpsetImportList()) {
                if (o.getDomain().isEmpty() || o.getDomain().equals("ai.onnx")) opset = (int) Math.min(Integer.MAX_VALUE, o.getVersion());
            }
            if (opset < 0) throw fail("no opset for the default ONNX domain (opset_import); not an ONNX model");
            if (opset < MIN_OPSET || opset > MAX_OPSET) {
                throw fail("opset " + opset + "; clayers reads opsets " + MIN_OPSET + " to " + MAX_OPSET
                        + " (re-export with opset_version=" + OnnxExport.OPSET + ")");
            }
        }

        /** The one graph input that is not an initializer (older files list initializers as inputs too). */
        private ValueInfoProto dataInput() {
            List<ValueInfoProto> data = graph.getInputList().stream().filter(v -> !constants.containsKey(v.getName())).toList();
            if (data.size() != 1) {
                throw fail("the graph has " + data.size() + " data inputs; clayers imports networks with one input (the images"
                        + " or feature rows)");
            }
            return data.get(0);
        }

        /** The input's shape per row: {@code [F]} or {@code [C, H, W]}, each a fixed positive size. */
        private long[] inputShape(ValueInfoProto input) {
            String what = "input '" + input.getName() + "'";
            TypeProto t = input.getType();
            if (!t.hasTensorType() || t.getTensorType().getElemType() != TensorProto.DataType.FLOAT_VALUE) {
                throw fail(what + " is not a float32 tensor");
            }
            if (!t.getTensorType().hasShape()) throw fail(what + " has no shape; clayers needs [N, F] or [N, C, H, W]");
            List<TensorShapeProto.Dimension> dims = t.getTensorType().getShape().getDimList();
            if (dims.size() != 2 && dims.size() != 4) {
                throw fail(what + " has rank " + dims.size() + "; clayers reads [N, F] rows or [N, C, H, W] images");
            }
            if (dims.get(0).hasDimValue()) declaredBatch = dims.get(0).getDimValue();
            long[] row = new long[dims.size() - 1];
            for (int i = 1; i < dims.size(); i++) {
                TensorShapeProto.Dimension d = dims.get(i);
                if (!d.hasDimValue()) {
                    throw fail(what + " dimension " + i + " is symbolic ('" + d.getDimParam() + "'); clayers needs fixed sizes"
                            + " beyond the batch");
                }
                if (d.getDimValue() <= 0 || d.getDimValue() > Limits.MAX_IMAGE_VALUES) {
                    throw fail(what + " dimension " + i + " is " + d.getDimValue() + "; sizes must be in 1.."
                            + Limits.format(Limits.MAX_IMAGE_VALUES));
                }
                row[i - 1] = d.getDimValue();
            }
            if (row.length == 3) image(row, what);   // within the caps
            return row;
        }

        /**
         * Kahn's order over the nodes, checking that every value is defined once and before it is
         * read, and that nothing loops back (a cycle leaves nodes unordered).
         */
        private void sortNodes(String inputName) {
            Map<String, Integer> producer = new HashMap<>();
            int n = graph.getNodeCount();
            for (int i = 0; i < n; i++) {
                NodeProto node = graph.getNode(i);
                if (!node.getDomain().isEmpty() && !node.getDomain().equals("ai.onnx")) {
                    throw fail("unsupported op " + node.getDomain() + "." + node.getOpType() + " in " + where(i) + "; clayers imports "
                            + VOCABULARY);
                }
                for (String out : node.getOutputList()) {
                    if (out.isEmpty()) continue;
                    if (out.equals(inputName) || constants.containsKey(out) || producer.put(out, i) != null) {
                        throw fail(where(i) + " writes '" + out + "', which is already defined");
                    }
                }
            }
            int[] waiting = new int[n];
            Map<Integer, List<Integer>> next = new HashMap<>();
            for (int i = 0; i < n; i++) {
                for (String in : graph.getNode(i).getInputList()) {
                    if (in.isEmpty()) continue;
                    consumers.computeIfAbsent(in, k -> new ArrayList<>()).add(i);
                    Integer p = producer.get(in);
                    if (p != null) {
                        waiting[i]++;
                        next.computeIfAbsent(p, k -> new ArrayList<>()).add(i);
                    } else if (!in.equals(inputName) && !constants.containsKey(in)) {
                        throw fail(where(i) + " reads '" + in + "', which no node, initializer or input defines");
                    }
                }
            }
            order = new ArrayList<>();
            ArrayDeque<Integer> ready = new ArrayDeque<>();
            for (int i = 0; i < n; i++) if (waiting[i] == 0) ready.add(i);
            while (!ready.isEmpty()) {
                int i = ready.poll();
                order.add(i);
                for (int j : next.getOrDefault(i, List.of())) if (--waiting[j] == 0) ready.add(j);
            }
            if (order.size() != n) {
                int stuck = 0;
                while (waiting[stuck] == 0) stuck++;
                throw fail("the graph has a cycle through " + where(stuck) + "; ONNX graphs are acyclic");
            }
            String out = graph.getOutput(0).getName();
            if (!producer.containsKey(out) && !out.equals(inputName)) throw fail("no node writes the graph's output '" + out + "'");
        }

        /** Nodes (not yet handled) and graph outputs that read {@code value}. */
        private int users(String value) {
            int count = graphOutputs.contains(value) ? 1 : 0;
            for (int j : consumers.getOrDefault(value, List.of())) if (!done[j]) count++;
            return count;
        }

        // ---- one node ---------------------------------------------------------------------------

        private void step(int i) {
            NodeProto node = graph.getNode(i);
            String op = node.getOpType();
            if (op.equals("Constant")) {
                constant(i);
                return;
            }
            if (!node.getInputList().contains(current)) {
                if (op.equals("Identity") && constants.containsKey(node.getInput(0))) {
                    constants.put(node.getOutput(0), constants.get(node.getInput(0)));
                    done[i] = true;
                    return;
                }
                if (!isKnown(op)) throw unsupported(i);
                throw fail(where(i) + " is not on the chain from the input to the output (it reads "
                        + String.join(", ", node.getInputList()) + "); clayers imports a chain of layers");
            }
            if (graphOutputs.contains(current)) {
                throw fail("the graph's output '" + current + "' is also read by " + where(i) + "; clayers imports a chain ending"
                        + " in the output");
            }
            boolean branch = users(current) > 1;
            if (ElementwiseFunction.OPS.contains(op) && (branch || !op.equals("Tanh"))) {
                elementwise(i);
                return;
            }
            if (branch) {
                throw fail("'" + current + "' is read by " + users(current) + " nodes, " + where(i) + " among them (a branch);"
                        + " clayers imports a chain of layers");
            }
            if (node.getInput(0).equals(current) == false) {
                throw fail(where(i) + " reads '" + current + "' as input " + node.getInputList().indexOf(current)
                        + ", not as its data input 0");
            }
            switch (op) {
                case "Gemm" -> gemm(i);
                case "MatMul" -> matMul(i);
                case "Conv" -> conv(i);
                case "MaxPool" -> pool(i, true);
                case "AveragePool" -> pool(i, false);
                case "BatchNormalization" -> batchNorm(i);
                case "Relu" -> activation(i, Activation.RELU);
                case "Sigmoid" -> activation(i, Activation.SIGMOID);
                case "Tanh" -> activation(i, Activation.TANH);
                case "Gelu" -> gelu(i);
                case "Flatten" -> flatten(i);
                case "Reshape" -> reshape(i);
                case "Dropout" -> dropout(i);
                case "Identity" -> pass(i, Set.of(), 1);
                case "Pad" -> zeroPad(i);
                case "Softmax", "LogSoftmax" -> softmax(i);
                default -> throw unsupported(i);
            }
        }

        private static boolean isKnown(String op) {
            return Set.of("Gemm", "MatMul", "Conv", "MaxPool", "AveragePool", "BatchNormalization", "Relu", "Sigmoid", "Tanh",
                    "Gelu", "Flatten", "Reshape", "Dropout", "Identity", "Pad", "Softmax", "LogSoftmax", "Constant").contains(op)
                    || ElementwiseFunction.OPS.contains(op);
        }

        private OnnxFormatException unsupported(int i) {
            return fail("unsupported op " + graph.getNode(i).getOpType() + " in " + where(i) + "; clayers imports " + VOCABULARY);
        }

        /** Checks the node's input and output counts; extra outputs (masks, indices) must be unused. */
        private NodeProto shape(int i, int minInputs, int maxInputs) {
            NodeProto node = graph.getNode(i);
            int n = node.getInputCount();
            while (n > 0 && node.getInput(n - 1).isEmpty()) n--;
            if (n < minInputs || n > maxInputs) {
                throw fail(where(i) + " has " + n + " inputs; expected " + (minInputs == maxInputs ? "" + minInputs
                        : minInputs + " to " + maxInputs));
            }
            if (node.getOutputCount() < 1 || node.getOutput(0).isEmpty()) throw fail(where(i) + " has no output");
            for (int k = 1; k < node.getOutputCount(); k++) {
                String extra = node.getOutput(k);
                if (!extra.isEmpty() && (consumers.containsKey(extra) || graphOutputs.contains(extra))) {
                    throw fail(where(i) + " output " + k + " ('" + extra + "') is used; clayers computes only the op's first"
                            + " output");
                }
            }
            return node;
        }

        /** Input {@code k} of node {@code i} as a constant, or null when the node has no such input. */
        private Constant constantInput(int i, int k, String role) {
            NodeProto node = graph.getNode(i);
            if (k >= node.getInputCount() || node.getInput(k).isEmpty()) return null;
            Constant c = constants.get(node.getInput(k));
            if (c == null) {
                throw fail(where(i) + " " + role + " '" + node.getInput(k) + "' is computed in the graph; clayers needs it"
                        + " as an initializer or constant");
            }
            return c;
        }

        private Constant requiredFloat(int i, int k, String role) {
            Constant c = constantInput(i, k, role);
            if (c == null) throw fail(where(i) + " has no " + role);
            if (!c.isFloat()) throw fail(where(i) + " " + role + " is not float32");
            return c;
        }

        /** The node's output becomes the chain's value; {@code spec} (with its tensors) joins the layers when not null. */
        private void advance(int i, LayerSpec spec, List<float[]> values, long[] newRowShape) {
            if (spec != null) {
                specs.add(spec);
                tensors.add(values);
            }
            done[i] = true;
            current = graph.getNode(i).getOutput(0);
            rowShape = newRowShape;
        }

        private <T> T spec(int i, java.util.function.Supplier<T> make) {
            try {
                return make.get();
            } catch (IllegalArgumentException e) {
                throw fail(where(i) + ": " + e.getMessage());
            }
        }

        private long rowWidth() {
            long w = 1;
            for (long d : rowShape) w *= d;
            return w;
        }

        private void requireMatrix(int i) {
            if (rowShape.length != 1) {
                throw fail(where(i) + " reads '" + current + "' of shape " + describe(rowShape) + "; it needs [N, F] (a Flatten"
                        + " before it)");
            }
        }

        private ImageShape requireImage(int i) {
            if (rowShape.length != 3) {
                throw fail(where(i) + " reads '" + current + "' of shape " + describe(rowShape) + "; it needs images [N, C, H, W]");
            }
            return image(rowShape, where(i));
        }

        private ImageShape image(long[] chw, String what) {
            try {
                for (long d : chw) if (d > Integer.MAX_VALUE) throw new IllegalArgumentException("dimension " + d + " is too large");
                return new ImageShape((int) chw[0], (int) chw[1], (int) chw[2]);
            } catch (IllegalArgumentException e) {
                throw fail(what + ": " + e.getMessage());
            }
        }

        private static String describe(long[] row) {
            StringBuilder sb = new StringBuilder("[N");
            for (long d : row) sb.append(", ").append(d);
            return sb.append(']').toString();
        }

        // ---- the layers -------------------------------------------------------------------------

        /** {@code Y = alpha A B' + beta C}: affine when alpha = beta = 1, A untransposed; B [in, out] or with transB [out, in]. */
        private void gemm(int i) {
            shape(i, 2, 3);
            NodeAttributes a = new NodeAttributes(graph.getNode(i), source, where(i), Set.of("alpha", "beta", "transA", "transB"));
            if (a.real("alpha", 1f) != 1f || a.real("beta", 1f) != 1f) {
                throw fail(where(i) + " has alpha " + a.real("alpha", 1f) + " and beta " + a.real("beta", 1f) + "; clayers"
                        + " imports Gemm with alpha = beta = 1");
            }
            if (a.integer("transA", 0) != 0) throw fail(where(i) + " has transA = 1; clayers imports Gemm with transA = 0");
            long transB = a.integer("transB", 0);
            if (transB != 0 && transB != 1) throw fail(where(i) + " has transB = " + transB);
            requireMatrix(i);
            Constant b = requiredFloat(i, 1, "weight B");
            if (b.rank() != 2) throw fail(where(i) + " weight B has shape " + b.describeDims() + "; expected a matrix");
            long in = transB == 1 ? b.dims()[1] : b.dims()[0], out = transB == 1 ? b.dims()[0] : b.dims()[1];
            if (in != rowWidth()) {
                throw fail(where(i) + " weight B " + b.describeDims() + (transB == 1 ? " (transposed)" : "") + " takes " + in
                        + " inputs but '" + current + "' has " + rowWidth());
            }
            AffineSpec spec = spec(i, () -> new AffineSpec((int) in, (int) out));
            // PyTorch's Linear keeps W as [out, in] and writes transB = 1; clayers keeps the book's [in, out].
            float[] w = transB == 1 ? transpose(b.floats(), (int) out, (int) in) : b.floats().clone();
            float[] bias = bias(i, constantInput(i, 2, "bias C"), out);
            advance(i, spec, List.of(w, bias), new long[] {out});
        }

        /** {@code MatMul(x, W)} with W [in, out], and the {@code Add} of a bias when that is the only reader. */
        private void matMul(int i) {
            NodeProto node = shape(i, 2, 2);
            new NodeAttributes(node, source, where(i), Set.of());
            requireMatrix(i);
            Constant b = requiredFloat(i, 1, "weight");
            if (b.rank() != 2 || b.dims()[0] != rowWidth()) {
                throw fail(where(i) + " weight has shape " + b.describeDims() + " but '" + current + "' has " + rowWidth()
                        + " values per row; expected [" + rowWidth() + ", out]");
            }
            long out = b.dims()[1];
            AffineSpec spec = spec(i, () -> new AffineSpec((int) b.dims()[0], (int) out));
            float[] bias = new float[(int) out];
            String y = node.getOutput(0);
            List<Integer> readers = consumers.getOrDefault(y, List.of());
            if (readers.size() == 1 && !graphOutputs.contains(y)) {
                int j = readers.get(0);
                NodeProto add = graph.getNode(j);
                if (add.getOpType().equals("Add") && add.getInputCount() == 2 && add.getAttributeCount() == 0) {
                    String other = add.getInput(0).equals(y) ? add.getInput(1) : add.getInput(0);
                    Constant c = constants.get(other);
                    if (c != null && c.isFloat() && c.size() == out && (c.rank() == 1 || (c.rank() == 2 && c.dims()[0] == 1))) {
                        bias = c.floats().clone();
                        advance(i, null, null, new long[] {out});
                        advance(j, spec, List.of(b.floats().clone(), bias), new long[] {out});
                        return;
                    }
                }
            }
            advance(i, spec, List.of(b.floats().clone(), bias), new long[] {out});
        }

        /** A bias of {@code out} values: [out], [1, out], one value for all, or zeros when absent. */
        private float[] bias(int i, Constant c, long out) {
            float[] bias = new float[(int) out];
            if (c == null) return bias;
            if (!c.isFloat()) throw fail(where(i) + " bias is not float32");
            boolean shaped = c.size() == out && (c.rank() == 1 || (c.rank() == 2 && c.dims()[0] == 1));
            if (shaped) return c.floats().clone();
            if (c.size() == 1) {
                Arrays.fill(bias, c.floats()[0]);
                return bias;
            }
            throw fail(where(i) + " bias has shape " + c.describeDims() + "; expected [" + out + "]");
        }

        private static float[] transpose(float[] m, int rows, int cols) {
            float[] t = new float[m.length];
            for (int r = 0; r < rows; r++) for (int c = 0; c < cols; c++) t[c * rows + r] = m[r * cols + c];
            return t;
        }

        /** Conv with square kernels, equal strides, symmetric padding, dilation 1, one group. */
        private void conv(int i) {
            NodeProto node = shape(i, 2, 3);
            NodeAttributes a = new NodeAttributes(node, source, where(i),
                    Set.of("kernel_shape", "strides", "pads", "dilations", "group", "auto_pad"));
            ImageShape in = requireImage(i);
            Constant w = requiredFloat(i, 1, "weight");
            if (w.rank() != 4) throw fail(where(i) + " weight has shape " + w.describeDims() + "; expected [F, C, K, K]");
            long f = w.dims()[0], c = w.dims()[1], kh = w.dims()[2], kw = w.dims()[3];
            if (a.integer("group", 1) != 1) {
                throw fail(where(i) + " has group " + a.integer("group", 1) + "; clayers imports convolutions over all channels"
                        + " (group 1)");
            }
            if (c != in.channels()) {
                throw fail(where(i) + " weight " + w.describeDims() + " reads " + c + " channels but '" + current + "' has "
                        + in.channels());
            }
            if (kh != kw) throw fail(where(i) + " kernel " + kh + "x" + kw + " is not square; clayers imports square kernels");
            long[] ks = a.integers("kernel_shape");
            if (ks != null && !Arrays.equals(ks, new long[] {kh, kw})) {
                throw fail(where(i) + " kernel_shape " + Arrays.toString(ks) + " does not match its weight " + w.describeDims());
            }
            int[] sp = strideAndPad(i, a);
            float[] bias = bias(i, constantInput(i, 2, "bias"), f);
            ConvSpec spec = spec(i, () -> new ConvSpec(in, (int) f, (int) kh, sp[0], sp[1]));
            ImageShape o = spec.output();
            advance(i, spec, List.of(w.floats().clone(), bias), new long[] {o.channels(), o.height(), o.width()});
        }

        /**
         * {@code [stride, pad]} from strides (equal in both axes; default 1), pads (the same on all four
         * sides), dilations (all 1) and auto_pad (NOTSET, or VALID without pads).
         */
        private int[] strideAndPad(int i, NodeAttributes a) {
            String autoPad = a.string("auto_pad", "NOTSET");
            if (!autoPad.equals("NOTSET") && !autoPad.equals("VALID")) {
                throw fail(where(i) + " has auto_pad " + autoPad + "; clayers imports explicit pads (NOTSET) or VALID");
            }
            long[] strides = a.integers("strides");
            if (strides == null) strides = new long[] {1, 1};
            if (strides.length != 2 || strides[0] != strides[1]) {
                throw fail(where(i) + " has strides " + Arrays.toString(strides) + "; clayers imports equal strides in both axes");
            }
            long[] pads = a.integers("pads");
            if (pads == null) pads = new long[4];
            if (pads.length != 4 || pads[0] != pads[1] || pads[0] != pads[2] || pads[0] != pads[3]) {
                throw fail(where(i) + " has pads " + Arrays.toString(pads) + "; clayers imports the same padding on every side");
            }
            if (autoPad.equals("VALID") && pads[0] != 0) throw fail(where(i) + " has auto_pad VALID and pads " + Arrays.toString(pads));
            long[] dilations = a.integers("dilations");
            if (dilations != null && Arrays.stream(dilations).anyMatch(d -> d != 1)) {
                throw fail(where(i) + " has dilations " + Arrays.toString(dilations) + "; clayers imports dilation 1");
            }
            if (strides[0] < 1 || strides[0] > Integer.MAX_VALUE || pads[0] < 0 || pads[0] > Integer.MAX_VALUE) {
                throw fail(where(i) + " has stride " + strides[0] + " and pad " + pads[0]);
            }
            return new int[] {(int) strides[0], (int) pads[0]};
        }

        private void pool(int i, boolean max) {
            NodeProto node = shape(i, 1, 1);
            Set<String> allowed = max ? Set.of("kernel_shape", "strides", "pads", "dilations", "ceil_mode", "storage_order", "auto_pad")
                    : Set.of("kernel_shape", "strides", "pads", "dilations", "ceil_mode", "count_include_pad", "auto_pad");
            NodeAttributes a = new NodeAttributes(node, source, where(i), allowed);
            ImageShape in = requireImage(i);
            long[] ks = a.integers("kernel_shape");
            if (ks == null || ks.length != 2 || ks[0] != ks[1] || ks[0] < 1 || ks[0] > Integer.MAX_VALUE) {
                throw fail(where(i) + " has kernel_shape " + (ks == null ? "(none)" : Arrays.toString(ks))
                        + "; clayers imports square windows");
            }
            if (a.integer("ceil_mode", 0) != 0) throw fail(where(i) + " has ceil_mode 1; clayers pools with floor (ceil_mode 0)");
            if (a.integer("storage_order", 0) != 0) throw fail(where(i) + " has storage_order 1");
            int[] sp = strideAndPad(i, a);
            if (sp[1] != 0) {
                throw fail(where(i) + " has pads " + sp[1] + "; clayers pools without padding");
            }
            LayerSpec spec;
            ImageShape o;
            if (max) {
                MaxPoolSpec m = spec(i, () -> new MaxPoolSpec(in, (int) ks[0], sp[0]));
                spec = m;
                o = m.output();
            } else {
                // count_include_pad only matters with padding, which is refused above.
                AvgPoolSpec m = spec(i, () -> new AvgPoolSpec(in, (int) ks[0], sp[0]));
                spec = m;
                o = m.output();
            }
            advance(i, spec, List.of(), new long[] {o.channels(), o.height(), o.width()});
        }

        /** Inference-form batch normalization over axis 1: features of [N, F], channels of [N, C, ...]. */
        private void batchNorm(int i) {
            NodeProto node = shape(i, 5, 5);
            NodeAttributes a = new NodeAttributes(node, source, where(i), Set.of("epsilon", "momentum", "training_mode", "spatial"));
            if (a.integer("training_mode", 0) != 0) throw fail(where(i) + " has training_mode 1; clayers imports the inference form");
            if (a.integer("spatial", 1) != 1) throw fail(where(i) + " has spatial 0; clayers normalises per channel");
            long channels = rowShape[0];
            long positions = rowWidth() / channels;
            List<float[]> values = new ArrayList<>();
            String[] roles = {"scale", "bias", "mean", "variance"};
            for (int k = 0; k < 4; k++) {
                Constant c = requiredFloat(i, k + 1, roles[k]);
                if (c.size() != channels || c.rank() != 1) {
                    throw fail(where(i) + " " + roles[k] + " has shape " + c.describeDims() + " but '" + current + "' has "
                            + channels + " channels");
                }
                values.add(c.floats().clone());
            }
            float eps = a.real("epsilon", 1e-5f);
            // momentum only steers training; clayers trains the running averages with its own.
            BatchNormSpec spec = spec(i, () -> new BatchNormSpec((int) channels, (int) positions, eps));
            advance(i, spec, values, rowShape);
        }

        private void activation(int i, Activation act) {
            new NodeAttributes(shape(i, 1, 1), source, where(i), Set.of());
            advance(i, new ActivationSpec(act), List.of(), rowShape);
        }

        /** The {@code Gelu} op of opset 20: clayers computes its tanh form only. */
        private void gelu(int i) {
            NodeAttributes a = new NodeAttributes(shape(i, 1, 1), source, where(i), Set.of("approximate"));
            String approx = a.string("approximate", "none");
            if (!approx.equals("tanh")) {
                throw fail(where(i) + " computes GELU with approximate='" + approx + "' (erf); clayers computes GELU's tanh"
                        + " approximation (in PyTorch: nn.GELU(approximate='tanh'))");
            }
            advance(i, new ActivationSpec(Activation.GELU), List.of(), rowShape);
        }

        /**
         * A run of element-wise nodes from the chain's value: evaluated and named as the activation it
         * computes ({@link ElementwiseFunction}), or refused.
         */
        private void elementwise(int first) {
            String x = current;
            Set<String> values = new HashSet<>(Set.of(x));
            Map<String, Double> scalars = new HashMap<>();
            List<ElementwiseFunction.Step> steps = new ArrayList<>();
            List<Integer> members = new ArrayList<>();
            for (int i : order.subList(order.indexOf(first), order.size())) {
                NodeProto node = graph.getNode(i);
                if (done[i] || node.getInputList().stream().noneMatch(values::contains)) continue;
                if (!ElementwiseFunction.OPS.contains(node.getOpType())) continue;   // a reader after the run
                int arity = Set.of("Sqrt", "Erf", "Neg", "Tanh").contains(node.getOpType()) ? 1 : 2;
                shape(i, arity, arity);
                new NodeAttributes(node, source, where(i), Set.of());
                for (String in : node.getInputList()) {
                    if (values.contains(in)) continue;
                    Constant c = constants.get(in);
                    if (c == null || Double.isNaN(c.scalar())) {
                        throw fail(where(i) + " combines '" + x + "' with '" + in + "', which is not a one-element constant;"
                                + " clayers imports element-wise ops only as an activation of one tensor");
                    }
                    scalars.put(in, c.scalar());
                }
                steps.add(new ElementwiseFunction.Step(node.getOpType(), node.getInputList(), node.getOutput(0)));
                members.add(i);
                values.add(node.getOutput(0));
            }
            // The run must hand exactly one value on, read once (or be the graph's output).
            String y = null;
            for (String v : values) {
                boolean readOutside = graphOutputs.contains(v) || consumers.getOrDefault(v, List.of()).stream()
                        .anyMatch(j -> !members.contains(j));
                if (!readOutside) continue;
                if (y != null || v.equals(x)) {
                    throw fail("the element-wise ops from " + where(first) + " branch: '" + (v.equals(x) ? x : y) + "' and '" + v
                            + "' are both read by other layers; clayers imports a chain of layers");
                }
                y = v;
            }
            if (y == null) throw fail("the element-wise ops from " + where(first) + " lead nowhere");
            String desc = describeRun(members);
            var act = ElementwiseFunction.identify(x, steps, y, scalars);
            if (act.isEmpty()) {
                if (ElementwiseFunction.isErfGelu(x, steps, y, scalars)) {
                    throw fail("the ops " + desc + " compute GELU's erf form (PyTorch's nn.GELU()); clayers computes GELU's tanh"
                            + " approximation (in PyTorch: nn.GELU(approximate='tanh'))");
                }
                throw fail("unsupported op " + graph.getNode(first).getOpType() + " in " + where(first) + ": the element-wise ops "
                        + desc + " do not compute an activation clayers has (" + String.join(", ", Activation.ids()) + ")");
            }
            for (int j : members) done[j] = true;
            specs.add(new ActivationSpec(act.get()));
            tensors.add(List.of());
            current = y;
        }

        private String describeRun(List<Integer> members) {
            List<String> parts = new ArrayList<>();
            for (int j : members.subList(0, Math.min(members.size(), 12))) parts.add(graph.getNode(j).getOpType());
            return String.join(" ", parts) + (members.size() > 12 ? " ..." : "") + " (from " + where(members.get(0)) + ")";
        }

        /** Flatten at axis 1: [N, C, H, W] to [N, C*H*W], the order clayers rows already have. */
        private void flatten(int i) {
            NodeAttributes a = new NodeAttributes(shape(i, 1, 1), source, where(i), Set.of("axis"));
            long axis = a.integer("axis", 1);
            int rank = rowShape.length + 1;
            if (axis != 1 && axis != 1 - rank) {
                throw fail(where(i) + " flattens at axis " + axis + "; clayers keeps the batch axis alone (axis 1)");
            }
            advance(i, null, null, new long[] {rowWidth()});
        }

        /**
         * A Reshape that keeps the batch axis and the order of each row's values (which Reshape never
         * changes): a no-op on clayers' flat rows, but the shape the next op sees.
         */
        private void reshape(int i) {
            NodeAttributes a = new NodeAttributes(shape(i, 2, 2), source, where(i), Set.of("allowzero"));
            if (a.integer("allowzero", 0) != 0) throw fail(where(i) + " has allowzero 1");
            Constant s = constantInput(i, 1, "shape");
            if (s == null || s.isFloat() || s.rank() != 1 || s.size() < 2 || s.size() > 4) {
                throw fail(where(i) + " target shape must be a constant int64 list of 2 to 4 sizes, batch first");
            }
            long[] target = s.ints();
            long first = target[0];
            boolean batchKept = first == 0 || (first == -1) || (declaredBatch > 0 && first == declaredBatch);
            if (!batchKept) {
                throw fail(where(i) + " reshapes to " + Arrays.toString(target) + ", which does not keep the batch axis first");
            }
            long width = rowWidth();
            long known = 1;
            int infer = -1;
            long[] row = new long[target.length - 1];
            for (int k = 1; k < target.length; k++) {
                long d = target[k];
                if (d == 0) d = k < rowShape.length + 1 ? rowShape[k - 1] : -2;
                if (d == -1) {
                    if (infer >= 0 || first == -1) throw fail(where(i) + " reshapes to " + Arrays.toString(target) + " with two unknown sizes");
                    infer = k - 1;
                    continue;
                }
                if (d <= 0 || d > Limits.MAX_IMAGE_VALUES) throw fail(where(i) + " reshapes to " + Arrays.toString(target));
                row[k - 1] = d;
                known *= d;
            }
            if (infer >= 0) {
                if (width % known != 0) throw fail(where(i) + " cannot reshape " + width + " values per row to " + Arrays.toString(target));
                row[infer] = width / known;
                known = width;
            }
            if (known != width) {
                throw fail(where(i) + " reshapes rows of " + width + " values to " + Arrays.toString(target) + " ("
                        + known + " values)");
            }
            advance(i, null, null, row);
        }

        /** Dropout: the identity at inference; its ratio is kept so fine-tuning drops the same fraction. */
        private void dropout(int i) {
            NodeProto node = shape(i, 1, 3);
            NodeAttributes a = new NodeAttributes(node, source, where(i), Set.of("ratio", "seed", "is_test"));
            float ratio = a.real("ratio", 0.5f);
            Constant r = constantInput(i, 1, "ratio");
            if (r != null) {
                if (Double.isNaN(r.scalar())) throw fail(where(i) + " ratio is not one float");
                ratio = (float) r.scalar();
            }
            Constant training = constantInput(i, 2, "training_mode");
            if (training != null && (training.isFloat() || training.ints().length != 1 || training.ints()[0] != 0)) {
                throw fail(where(i) + " runs in training mode; clayers imports the inference form");
            }
            float ratioFinal = ratio;
            DropoutSpec spec = spec(i, () -> new DropoutSpec(ratioFinal));
            advance(i, spec, List.of(), rowShape);
        }

        /**
     * A Pad that adds nothing: PyTorch 1.13 writes one of zeros before every AveragePool. Real
     * padding is refused (clayers pads inside Conv only, and pools without padding).
     */
    private void zeroPad(int i) {
        NodeAttributes a = new NodeAttributes(shape(i, 1, 4), source, where(i), Set.of("mode", "pads", "value"));
        long[] pads = a.integers("pads");   // opsets below 11 give pads as an attribute
        Constant p = constantInput(i, 1, "pads");
        if (p != null) {
            if (p.isFloat()) throw fail(where(i) + " pads are not int64");
            pads = p.ints();
        }
        if (pads == null || Arrays.stream(pads).anyMatch(v -> v != 0)) {
            throw fail(where(i) + " pads by " + (pads == null ? "(none given)" : Arrays.toString(pads)) + "; clayers reads only a"
                    + " Pad of zeros (padding belongs in Conv's pads; pooling takes none)");
        }
        advance(i, null, null, rowShape);
    }

    /** Nodes that pass their input on unchanged. */
        private void pass(int i, Set<String> attributes, int inputs) {
            new NodeAttributes(shape(i, inputs, inputs), source, where(i), attributes);
            advance(i, null, null, rowShape);
        }

        /** A final Softmax or LogSoftmax over the classes: clayers keeps the logits (same argmax, same order). */
        private void softmax(int i) {
            NodeProto node = shape(i, 1, 1);
            NodeAttributes a = new NodeAttributes(node, source, where(i), Set.of("axis"));
            long axis = a.integer("axis", opset >= 13 ? -1 : 1);
            if (rowShape.length != 1 || (axis != 1 && axis != -1)) {
                throw fail(where(i) + " is over axis " + axis + " of " + describe(rowShape) + "; clayers imports a softmax over"
                        + " the classes of [N, classes]");
            }
            if (!graphOutputs.contains(node.getOutput(0))) {
                throw fail(where(i) + " is not the last op; clayers imports a softmax only at the output");
            }
            ending = node.getOpType().equals("Softmax") ? "softmax" : "log_softmax";
            advance(i, null, null, rowShape);
        }

        /** A {@code Constant} node: its value joins the constants (tensor, float or int, one or a list). */
        private void constant(int i) {
            NodeProto node = shape(i, 0, 0);
            NodeAttributes a = new NodeAttributes(node, source, where(i), Set.of("value", "value_float", "value_floats",
                    "value_int", "value_ints"));
            if (node.getAttributeCount() != 1) throw fail(where(i) + " needs exactly one value attribute");
            AttributeProto v = node.getAttribute(0);
            String what = where(i) + " value";
            Constant c = switch (v.getName()) {
                case "value" -> Constant.decode(v.getT(), source, what);
                case "value_float" -> new Constant(new long[0], finite(new float[] {a.real("value_float", 0f)}, what), null);
                case "value_floats" -> new Constant(new long[] {v.getFloatsCount()},
                        finite(toArray(v.getFloatsList()), what), null);
                case "value_int" -> new Constant(new long[0], null, new long[] {a.integer("value_int", 0)});
                default -> new Constant(new long[] {v.getIntsCount()}, null, v.getIntsList().stream().mapToLong(Long::longValue).toArray());
            };
            constants.put(node.getOutput(0), c);
            done[i] = true;
        }

        private float[] finite(float[] v, String what) {
            for (float x : v) if (!Float.isFinite(x)) throw fail(what + " holds " + x);
            return v;
        }

        private static float[] toArray(List<Float> list) {
            float[] out = new float[list.size()];
            for (int k = 0; k < out.length; k++) out[k] = list.get(k);
            return out;
        }

        // ---- the result -------------------------------------------------------------------------

        /** The layers with their tensors under clayers' names, every shape and value checked as a model file's are. */
        private ModelFile.Model model() {
            if (specs.isEmpty() || specs.get(specs.size() - 1).classScores() <= 0) {
                throw fail("the network does not end in an affine layer (Gemm or MatMul); clayers networks end in class scores");
            }
            try {
                Sequential.outputShapes(specs);
            } catch (IllegalArgumentException e) {
                throw fail(e.getMessage());
            }
            List<String> names = Sequential.names(specs);
            Map<String, float[]> weights = new LinkedHashMap<>();
            for (int k = 0; k < specs.size(); k++) {
                List<TensorSpec> want = specs.get(k).tensors(names.get(k));
                List<float[]> have = tensors.get(k);
                for (int t = 0; t < want.size(); t++) weights.put(want.get(t).name(), have.get(t));
                try {
                    specs.get(k).checkTensors(names.get(k), weights);
                } catch (IllegalArgumentException e) {
                    throw fail(e.getMessage());
                }
            }
            Map<String, String> meta = new LinkedHashMap<>(ModelFile.architectureMetadata(specs));
            meta.put("source", "onnx");
            String producer = (model.getProducerName() + " " + model.getProducerVersion()).trim();
            if (!producer.isEmpty()) meta.put("onnx_producer", producer);
            meta.put("onnx_opset", Integer.toString(opset));
            meta.put("onnx_output", ending);
            return new ModelFile.Model(specs, weights, meta);
        }
    }
}
