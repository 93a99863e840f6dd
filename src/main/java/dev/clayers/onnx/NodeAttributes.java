package dev.clayers.onnx;

import dev.clayers.onnx.proto.OnnxProto.AttributeProto;
import dev.clayers.onnx.proto.OnnxProto.NodeProto;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A node's attributes, read with the ONNX defaults. Only the attributes a handler names are
 * allowed: one it does not read (a future attribute, or {@code auto_pad} on an op that ignores it
 * here) could change what the op computes, so it is refused rather than dropped.
 */
final class NodeAttributes {
    private final Map<String, AttributeProto> byName = new HashMap<>();
    private final String source;
    private final String where;

    /** Fails when {@code node} has an attribute outside {@code allowed}, or one twice. */
    NodeAttributes(NodeProto node, String source, String where, Set<String> allowed) {
        this.source = source;
        this.where = where;
        for (AttributeProto a : node.getAttributeList()) {
            if (!allowed.contains(a.getName())) {
                throw new OnnxFormatException(source, where + " has attribute '" + a.getName() + "', which clayers does not read"
                        + (allowed.isEmpty() ? "" : " (it reads " + String.join(", ", allowed.stream().sorted().toList()) + ")"));
            }
            if (byName.put(a.getName(), a) != null) {
                throw new OnnxFormatException(source, where + " has attribute '" + a.getName() + "' twice");
            }
            if (!a.getRefAttrName().isEmpty()) {
                throw new OnnxFormatException(source, where + " attribute '" + a.getName() + "' refers to a function's attribute");
            }
        }
    }

    boolean has(String name) { return byName.containsKey(name); }

    long integer(String name, long fallback) {
        AttributeProto a = byName.get(name);
        if (a == null) return fallback;
        if (a.getType() != AttributeProto.AttributeType.INT && !(a.getType() == AttributeProto.AttributeType.UNDEFINED && a.hasI())) {
            throw wrongType(name, "an integer");
        }
        return a.getI();
    }

    float real(String name, float fallback) {
        AttributeProto a = byName.get(name);
        if (a == null) return fallback;
        if (a.getType() != AttributeProto.AttributeType.FLOAT && !(a.getType() == AttributeProto.AttributeType.UNDEFINED && a.hasF())) {
            throw wrongType(name, "a float");
        }
        return a.getF();
    }

    String string(String name, String fallback) {
        AttributeProto a = byName.get(name);
        if (a == null) return fallback;
        if (a.getType() != AttributeProto.AttributeType.STRING && !(a.getType() == AttributeProto.AttributeType.UNDEFINED && a.hasS())) {
            throw wrongType(name, "a string");
        }
        return a.getS().toStringUtf8();
    }

    /** The list, or null when absent. */
    long[] integers(String name) {
        AttributeProto a = byName.get(name);
        if (a == null) return null;
        if (a.getType() != AttributeProto.AttributeType.INTS && a.getType() != AttributeProto.AttributeType.UNDEFINED) {
            throw wrongType(name, "a list of integers");
        }
        List<Long> v = a.getIntsList();
        if (v.size() > Constant.MAX_RANK * 2) throw new OnnxFormatException(source, where + " attribute " + name + " has " + v.size() + " values");
        return v.stream().mapToLong(Long::longValue).toArray();
    }

    /** The tensor of a {@code Constant} node's {@code value}, or null. */
    AttributeProto raw(String name) { return byName.get(name); }

    private OnnxFormatException wrongType(String name, String expected) {
        return new OnnxFormatException(source, where + " attribute '" + name + "' is not " + expected);
    }
}
