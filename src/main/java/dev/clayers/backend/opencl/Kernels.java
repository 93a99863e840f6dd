package dev.clayers.backend.opencl;

import org.jocl.CL;
import org.jocl.CLException;
import org.jocl.Pointer;
import org.jocl.Sizeof;
import org.jocl.cl_context;
import org.jocl.cl_device_id;
import org.jocl.cl_kernel;
import org.jocl.cl_program;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

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
 *
 * <p>With a {@link BinaryCache}, a program is first created from the binary cached for (device,
 * driver, source, options); a binary the driver rejects is dropped (WARN) and the source is built,
 * and every source build stores its binary for the next start.
 */
final class Kernels implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Kernels.class);

    private final List<cl_program> programs = new ArrayList<>();
    private final Map<String, cl_kernel> kernels = new HashMap<>();
    private final String deviceId;
    private final String deviceName;
    private final String driver;
    private final BinaryCache cache;
    private int fromBinary;
    private int fromSource;

    Kernels(String deviceId) { this(deviceId, "", "", null); }

    /** {@code cache} may be null (no binary cache). */
    Kernels(String deviceId, String deviceName, String driver, BinaryCache cache) {
        this.deviceId = deviceId;
        this.deviceName = deviceName;
        this.driver = driver;
        this.cache = cache;
    }

    /** Programs created from a cached binary so far. */
    int programsFromBinary() { return fromBinary; }

    /** Programs built from source so far. */
    int programsFromSource() { return fromSource; }

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
        String key = cache == null ? null : BinaryCache.key(deviceName, driver, src, options);
        cl_program program = key == null ? null : fromBinary(context, device, file, options, key);
        if (program == null) {
            program = fromSource(context, device, file, src, options);
            if (key != null) {
                byte[] bin = binary(program);
                if (bin != null) cache.store(key, bin);
            }
        }
        for (String name : kernelNames) {
            try {
                kernels.put(name, CL.clCreateKernel(program, name, null));
            } catch (CLException e) {
                throw ClErrors.wrap("create kernel " + name + " from " + file + " on " + deviceId, e);
            }
        }
    }

    private cl_program fromSource(cl_context context, cl_device_id device, String file, String src, String options) {
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
        fromSource++;
        return program;
    }

    /** The program from the cached binary, or null when there is none or the driver rejects it. */
    private cl_program fromBinary(cl_context context, cl_device_id device, String file, String options, String key) {
        byte[] bin = cache.load(key);
        if (bin == null) return null;
        cl_program program = null;
        try {
            int[] status = new int[1];
            program = CL.clCreateProgramWithBinary(context, 1, new cl_device_id[] {device}, new long[] {bin.length},
                    new byte[][] {bin}, status, null);
            if (status[0] != CL.CL_SUCCESS) throw new CLException("binary status " + ClErrors.name(status[0]), status[0]);
            CL.clBuildProgram(program, 1, new cl_device_id[] {device}, options, null, null);
        } catch (CLException e) {
            log.warn("{}: cached binary of kernels/{} rejected ({}); building from source", deviceId, file, ClErrors.name(e.getStatus()));
            if (program != null) CL.clReleaseProgram(program);
            return null;
        }
        programs.add(program);
        fromBinary++;
        return program;
    }

    /** The device binary of a built program, or null when the driver will not give one. */
    private byte[] binary(cl_program program) {
        try {
            long[] size = new long[1];
            CL.clGetProgramInfo(program, CL.CL_PROGRAM_BINARY_SIZES, Sizeof.size_t, Pointer.to(size), null);
            if (size[0] <= 0 || size[0] > Integer.MAX_VALUE) return null;
            byte[] bin = new byte[(int) size[0]];
            CL.clGetProgramInfo(program, CL.CL_PROGRAM_BINARIES, Sizeof.POINTER, Pointer.to(new Pointer[] {Pointer.to(bin)}), null);
            return bin;
        } catch (CLException e) {
            log.debug("{}: no program binary ({})", deviceId, ClErrors.name(e.getStatus()));
            return null;
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
