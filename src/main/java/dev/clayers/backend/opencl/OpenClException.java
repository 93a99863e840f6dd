package dev.clayers.backend.opencl;

/**
 * An OpenCL call failed. The message names the failing step, the OpenCL error by name
 * (e.g. {@code CL_OUT_OF_RESOURCES}) and what the user can do about it.
 */
public class OpenClException extends RuntimeException {
    private final int status;

    public OpenClException(String message, int status, Throwable cause) {
        super(message, cause);
        this.status = status;
    }

    /** The OpenCL status code (negative), or 0 when the failure was not an OpenCL status. */
    public int status() { return status; }
}
