package dev.clayers.backend.opencl;

import org.jocl.CL;
import org.jocl.CLException;
import org.jocl.Pointer;
import org.jocl.cl_context;
import org.jocl.cl_device_id;
import org.jocl.cl_kernel;
import org.jocl.cl_program;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The programs and kernels of one backend: sources read from the classpath ({@code /kernels/*.cl}),
 * built once for one device with that device's {@code -D} options. A failed build throws with
 * the device's build log. Not thread-safe (kernel arguments are per-kernel state).
 */
final class Kernels implements AutoCloseable {
    private final List<cl_program> programs = new ArrayList<>();
    private final Map<String, cl_kernel> kernels = new HashMap<>();
    private final String deviceId;

    Kernels(String deviceId) { this.deviceId = deviceId; }

    /** The text of {@code /kernels/<file>} from the classpath. */
    static String source(String file) {
        String path = "/kernels/" + file;
        try (InputStream in = Kernels.class.getResourceAsStream(path)) {
            if (in == null) {
                throw new IllegalStateException("kernel source " + path + " is not on the classpath; the jar is incomplete");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read kernel source " + path, e);
        }
    }

    /** Builds {@code file} with {@code options} and creates the named kernels. */
    void build(cl_context context, cl_device_id device, String file, String options, String... kernelNames) {
        String src = source(file);
        cl_program program;
        try {
            program = CL.clCreateProgramWithSource(context, 1, new String[] {src}, new long[] {src.length()}, null);
        } catch (CLException e) {
            throw ClErrors.wrap("create program " + file + " on " + deviceId, e);
        }
        programs.add(program);
        try {
            CL.clBuildProgram(program, 1, new cl_device_id[] {device}, options, null, null);
        } catch (CLException e) {
            throw new OpenClException("build of kernels/" + file + " failed on " + deviceId + ": " + ClErrors.name(e.getStatus())
                    + " with options '" + options + "'. Build log:\n" + buildLog(program, device), e.getStatus(), e);
        }
        for (String name : kernelNames) {
            try {
                kernels.put(name, CL.clCreateKernel(program, name, null));
            } catch (CLException e) {
                throw ClErrors.wrap("create kernel " + name + " from " + file + " on " + deviceId, e);
            }
        }
    }

    private static String buildLog(cl_program program, cl_device_id device) {
        try {
            long[] size = new long[1];
            CL.clGetProgramBuildInfo(program, device, CL.CL_PROGRAM_BUILD_LOG, 0, null, size);
            byte[] buf = new byte[(int) size[0]];
            CL.clGetProgramBuildInfo(program, device, CL.CL_PROGRAM_BUILD_LOG, buf.length, Pointer.to(buf), null);
            return new String(buf, StandardCharsets.UTF_8).trim();
        } catch (CLException e) {
            return "(build log unavailable: " + ClErrors.name(e.getStatus()) + ")";
        }
    }

    cl_kernel get(String name) {
        cl_kernel k = kernels.get(name);
        if (k == null) throw new IllegalStateException("kernel " + name + " was not built");
        return k;
    }

    @Override
    public void close() {
        for (cl_kernel k : kernels.values()) CL.clReleaseKernel(k);
        kernels.clear();
        for (cl_program p : programs) CL.clReleaseProgram(p);
        programs.clear();
    }
}
