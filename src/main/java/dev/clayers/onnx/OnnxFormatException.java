package dev.clayers.onnx;

/**
 * An ONNX file clayers cannot read as one of its networks: not ONNX, damaged, too large, or using an
 * op or attribute outside the vocabulary clayers imports. The message is one line that names the
 * file and, where there is one, the op and the node. Bad input, not a bug: the CLI exits 2.
 */
public final class OnnxFormatException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    /** A problem with {@code source} (the file); the message is {@code source: message}. */
    public OnnxFormatException(String source, String message) {
        super(source + ": " + message);
    }
}
