package dev.clayers.onnx;

import dev.clayers.Limits;
import dev.clayers.onnx.proto.OnnxProto.TensorProto;

import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * A constant tensor of an ONNX graph (an initializer or a {@code Constant} node's value), decoded
 * after every size is checked: float32 weights ({@code floats}) or int64 shapes ({@code ints}).
 * Every element count is computed in long, capped by {@link Limits#MAX_MATRIX_ELEMENTS} and
 * checked against the bytes actually present before anything is allocated, so a tensor that declares
 * a trillion elements over twelve bytes fails here; every float is finite.
 */
record Constant(long[] dims, float[] floats, long[] ints) {
    /** Dimensions a constant may have: the layers need at most 4 (conv weights). */
    static final int MAX_RANK = 8;

    long size() { return floats != null ? floats.length : ints.length; }

    boolean isFloat() { return floats != null; }

    int rank() { return dims.length; }

    /** {@code [30, 1, 5, 5]}. */
    String describeDims() { return Arrays.toString(dims); }

    /** The one value of a one-element float constant (a scalar or [1]), else NaN. */
    double scalar() { return isFloat() && floats.length == 1 ? floats[0] : Double.NaN; }

    /** Decodes {@code t}, failing with one line naming {@code what} (its name and where it sits). */
    static Constant decode(TensorProto t, String source, String what) {
        if (t.getDataLocation() == TensorProto.DataLocation.EXTERNAL || t.getExternalDataCount() > 0) {
            throw new OnnxFormatException(source, what + " keeps its data in an external file; clayers reads weights"
                    + " stored inside the .onnx file only");
        }
        if (t.hasSegment()) throw new OnnxFormatException(source, what + " is a segment of a tensor; not supported");
        if (t.getDimsCount() > MAX_RANK) {
            throw new OnnxFormatException(source, what + " has " + t.getDimsCount() + " dimensions; at most " + MAX_RANK);
        }
        long[] dims = new long[t.getDimsCount()];
        long count = 1;
        for (int i = 0; i < dims.length; i++) {
            dims[i] = t.getDims(i);
            if (dims[i] < 0) throw new OnnxFormatException(source, what + " has a negative dimension " + dims[i]);
            // Each factor is at most the cap, so the product of two capped numbers fits a long.
            count = dims[i] == 0 ? 0 : count * dims[i];
            if (count > Limits.MAX_MATRIX_ELEMENTS || dims[i] > Limits.MAX_MATRIX_ELEMENTS) {
                throw new OnnxFormatException(source, what + " declares dimensions " + Arrays.toString(Arrays.copyOf(dims, i + 1))
                        + "..., more than " + Limits.format(Limits.MAX_MATRIX_ELEMENTS) + " elements");
            }
        }
        int n = (int) count;
        int type = t.getDataType();
        if (type == TensorProto.DataType.FLOAT_VALUE) {
            float[] v;
            if (t.hasRawData()) {
                requireBytes(t, 4L * n, source, what);
                v = new float[n];
                t.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(v);
            } else {
                requireCount(t.getFloatDataCount(), n, source, what);
                v = new float[n];
                for (int i = 0; i < n; i++) v[i] = t.getFloatData(i);
            }
            for (int i = 0; i < n; i++) {
                if (!Float.isFinite(v[i])) {
                    throw new OnnxFormatException(source, what + " holds " + v[i] + " at index " + i + "; weights must be finite"
                            + " numbers (a model saved from a diverged run, or a damaged file)");
                }
            }
            return new Constant(dims, v, null);
        }
        if (type == TensorProto.DataType.INT64_VALUE) {
            long[] v;
            if (t.hasRawData()) {
                requireBytes(t, 8L * n, source, what);
                v = new long[n];
                t.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN).asLongBuffer().get(v);
            } else {
                requireCount(t.getInt64DataCount(), n, source, what);
                v = new long[n];
                for (int i = 0; i < n; i++) v[i] = t.getInt64Data(i);
            }
            return new Constant(dims, null, v);
        }
        if (type == TensorProto.DataType.BOOL_VALUE) {
            // Dropout's training_mode: kept as 0/1 in ints.
            long[] v = new long[n];
            if (t.hasRawData()) {
                requireBytes(t, n, source, what);
                byte[] b = t.getRawData().toByteArray();
                for (int i = 0; i < n; i++) v[i] = b[i] != 0 ? 1 : 0;
            } else {
                requireCount(t.getInt32DataCount(), n, source, what);
                for (int i = 0; i < n; i++) v[i] = t.getInt32Data(i) != 0 ? 1 : 0;
            }
            return new Constant(dims, null, v);
        }
        TensorProto.DataType dt = TensorProto.DataType.forNumber(type);
        throw new OnnxFormatException(source, what + " has data type " + (dt == null ? "#" + type : dt.name())
                + "; clayers reads float32 weights (and int64 shapes)");
    }

    private static void requireBytes(TensorProto t, long expected, String source, String what) {
        if (t.getRawData().size() != expected) {
            throw new OnnxFormatException(source, what + " declares " + Arrays.toString(t.getDimsList().toArray())
                    + " (" + expected + " bytes) but holds " + t.getRawData().size() + " bytes");
        }
    }

    private static void requireCount(int have, int expected, String source, String what) {
        if (have != expected) {
            throw new OnnxFormatException(source, what + " declares " + expected + " values but holds " + have);
        }
    }
}
