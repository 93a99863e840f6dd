package dev.clayers.backend.opencl;

import org.jocl.CL;
import org.jocl.CLException;

/** Turns JOCL's {@link CLException} into an {@link OpenClException} that names the error and suggests a fix. */
final class ClErrors {
    private ClErrors() {}

    /** The error's name, e.g. {@code CL_OUT_OF_RESOURCES}. */
    static String name(int status) {
        String s = CL.stringFor_errorCode(status);
        return s == null || s.isBlank() ? "OpenCL error " + status : s;
    }

    static boolean isOutOfMemory(int status) {
        return status == CL.CL_MEM_OBJECT_ALLOCATION_FAILURE || status == CL.CL_OUT_OF_RESOURCES
                || status == CL.CL_OUT_OF_HOST_MEMORY;
    }

    /** {@code what} says which step failed ("enqueue gemm_nn on opencl:0:0"). */
    static OpenClException wrap(String what, CLException e) {
        int status = e.getStatus();
        return new OpenClException(what + " failed: " + name(status) + " (" + status + "). " + hint(status), status, e);
    }

    private static String hint(int status) {
        if (isOutOfMemory(status)) {
            return "The device ran out of memory or resources; lower the batch size or choose a device with more memory (clayers devices).";
        }
        switch (status) {
            case CL.CL_INVALID_WORK_GROUP_SIZE:
            case CL.CL_INVALID_WORK_ITEM_SIZE:
                return "The kernel's work-group size does not fit this device; override the tile sizes with -Dclayers.kernel.defines (e.g. TSM=32,TSN=32) and report the device.";
            case CL.CL_BUILD_PROGRAM_FAILURE:
                return "The device's compiler rejected a kernel; see the build log above.";
            case CL.CL_DEVICE_NOT_FOUND:
            case CL.CL_DEVICE_NOT_AVAILABLE:
            case -1001: // CL_PLATFORM_NOT_FOUND_KHR: the ICD loader found no vendor driver
                return "No usable OpenCL device; check the driver/ICD installation (clinfo -l) or use --device cpu.";
            case CL.CL_INVALID_COMMAND_QUEUE:
            case CL.CL_INVALID_CONTEXT:
                return "The OpenCL context is gone (device lost or backend closed); reopen the backend.";
            default:
                return "Check the OpenCL driver (clinfo), try `clayers verify --device <id>`, or use --device cpu.";
        }
    }
}
