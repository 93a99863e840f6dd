/**
 * <b>Internal.</b> The OpenCL backend (the only code importing {@code org.jocl}): device discovery,
 * device profiles, kernel tunables and caches. Open it through {@link dev.clayers.backend.Backends}.
 */
package dev.clayers.backend.opencl;
