/**
 * <b>Internal.</b> The pure-Java backend: the reference every device is tested against, and the
 * fallback where no OpenCL device is. Open it through {@link dev.clayers.backend.Backends}.
 */
package dev.clayers.backend.cpu;
