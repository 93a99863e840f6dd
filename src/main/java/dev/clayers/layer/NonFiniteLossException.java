package dev.clayers.layer;

/** The loss became NaN or infinite: the computation stops instead of producing wrong numbers. */
public final class NonFiniteLossException extends ArithmeticException {
    private static final long serialVersionUID = 1L;

    /** An exception with this one-line message. */
    public NonFiniteLossException(String message) {
        super(message);
    }
}
