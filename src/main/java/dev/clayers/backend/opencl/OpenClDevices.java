package dev.clayers.backend.opencl;

import dev.clayers.backend.DeviceInfo;
import org.jocl.CL;
import org.jocl.CLException;
import org.jocl.Pointer;
import org.jocl.Sizeof;
import org.jocl.cl_device_id;
import org.jocl.cl_device_partition_property;
import org.jocl.cl_platform_id;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * OpenCL device discovery. Never throws: when OpenCL cannot be used at all (libOpenCL missing,
 * no platform, no device) the result carries an empty list and the reason.
 *
 * <p>Ids are {@code opencl:P:D}. The ICD loader lists platforms in the order it happens to read
 * its {@code .icd} files, so registering a driver could renumber the others (Oclgrind's ICD moved
 * PoCL from platform 0 to 1). Here P counts platforms sorted by name, simulators (see
 * {@link DeviceProfile#isSimulator}) after all real drivers, and D is the driver's own device
 * order: adding or removing a simulator never changes a real device's id; adding a real driver
 * renumbers only the platforms whose names sort after it. A name substring never changes.
 */
public final class OpenClDevices {
    private OpenClDevices() {}

    private static String linkProblem;

    /**
     * What discovery found.
     *
     * @param devices every OpenCL device, ids {@code opencl:P:D}
     * @param problem why there are none (or why a platform was skipped); null when all went well
     */
    public record Discovery(List<DeviceInfo> devices, String problem) {
        public Discovery { devices = List.copyOf(devices); }
    }

    /**
     * A device handle found by id (package-private: carries JOCL types). {@code part} is true for
     * a sub-device this process created, which its backend releases on close.
     */
    record Handle(DeviceInfo info, cl_platform_id platform, cl_device_id device, boolean part) {
        Handle(DeviceInfo info, cl_platform_id platform, cl_device_id device) {
            this(info, platform, device, false);
        }
    }

    /** The id of part {@code i} (0-based) of {@code opencl:P:D} split into {@code parts}: {@code opencl:P:D/N.i}. */
    static String partId(int platform, int device, int parts, int i) {
        return id(platform, device) + "/" + parts + "." + i;
    }

    /**
     * Splits {@code opencl:P:D} into {@code parts} sub-devices of equal compute units
     * ({@code clCreateSubDevices}, {@code CL_DEVICE_PARTITION_EQUALLY}), each its own device to the
     * caller, which must release them ({@link Handle#part()}).
     *
     * @throws IllegalArgumentException naming what to do when there is no such device, its driver
     *     cannot partition it, or its compute units do not divide into {@code parts}
     */
    static List<Handle> split(int platform, int device, int parts) {
        Handle whole = find(platform, device);
        String id = id(platform, device);
        if (whole == null) throw new IllegalArgumentException("no OpenCL device " + id + " to split; see `clayers devices`");
        int units = whole.info().computeUnits();
        long maxParts = uint(whole.device(), CL.CL_DEVICE_PARTITION_MAX_SUB_DEVICES);
        long[] kinds = partitionKinds(whole.device());
        boolean equally = java.util.Arrays.stream(kinds).anyMatch(k -> k == CL.CL_DEVICE_PARTITION_EQUALLY);
        if (!equally || maxParts < 2) {
            throw new IllegalArgumentException(id + " (" + whole.info().name() + ") cannot be split into sub-devices: its driver"
                    + " offers no equal partition; name whole devices instead");
        }
        if (parts < 2 || parts > maxParts || units % parts != 0) {
            throw new IllegalArgumentException("'" + id + "/" + parts + "': " + id + " has " + units + " compute units and at most "
                    + maxParts + " sub-devices; split it into " + (maxParts == 2 ? "2" : "a number from 2 to " + maxParts
                    + " that divides " + units));
        }
        cl_device_partition_property props = new cl_device_partition_property();
        props.addProperty(CL.CL_DEVICE_PARTITION_EQUALLY, units / parts);
        // units % parts == 0, so an equal partition makes exactly parts sub-devices.
        cl_device_id[] subs = new cl_device_id[parts];
        int[] n = new int[1];
        CL.clCreateSubDevices(whole.device(), props, parts, subs, n);
        List<Handle> out = new ArrayList<>();
        try {
            if (n[0] != parts) {
                throw new IllegalArgumentException(id + " (" + whole.info().name() + ") made " + n[0] + " sub-devices of " + parts
                        + " asked for; name whole devices instead");
            }
            for (int i = 0; i < parts; i++) out.add(new Handle(info(partId(platform, device, parts, i), subs[i]), whole.platform(), subs[i], true));
        } catch (RuntimeException e) {
            for (int i = 0; i < Math.min(n[0], parts); i++) CL.clReleaseDevice(subs[i]);   // none is handed out on failure
            throw e;
        }
        return out;
    }

    /** The partition types a device supports (CL_DEVICE_PARTITION_PROPERTIES), empty when none. */
    private static long[] partitionKinds(cl_device_id d) {
        long[] size = new long[1];
        CL.clGetDeviceInfo(d, CL.CL_DEVICE_PARTITION_PROPERTIES, 0, null, size);
        int count = (int) (size[0] / Sizeof.cl_long);
        if (count == 0) return new long[0];
        long[] v = new long[count];
        CL.clGetDeviceInfo(d, CL.CL_DEVICE_PARTITION_PROPERTIES, size[0], Pointer.to(v), null);
        return v;
    }

    /** Lists the OpenCL devices; never throws. */
    public static Discovery discover() {
        try {
            List<Handle> hs = new ArrayList<>();
            String problem = scan(hs);
            return new Discovery(hs.stream().map(Handle::info).toList(), problem);
        } catch (LinkageError e) {
            // JOCL loads its native library (and through it libOpenCL) on first use of CL; later
            // uses only say "Could not initialize class", so the first cause is kept.
            synchronized (OpenClDevices.class) {
                if (linkProblem == null) linkProblem = "the OpenCL library could not be loaded (" + e + "); " + linkHint();
            }
            return new Discovery(List.of(), linkProblem);
        } catch (RuntimeException e) {
            return new Discovery(List.of(), "OpenCL discovery failed: " + e.getMessage());
        }
    }

    /**
     * JOCL 2.0.5 dlopens exactly {@code libOpenCL.so} on Linux, which only the ICD loader's
     * development package provides; runtime-only installs have just {@code libOpenCL.so.1}.
     */
    private static String linkHint() {
        for (String dir : new String[] {"/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/usr/lib64", "/usr/lib"}) {
            if (java.nio.file.Files.exists(java.nio.file.Path.of(dir, "libOpenCL.so.1"))
                    && !java.nio.file.Files.exists(java.nio.file.Path.of(dir, "libOpenCL.so"))) {
                return "JOCL needs libOpenCL.so but only " + dir + "/libOpenCL.so.1 is installed: install the ICD loader's "
                        + "development package (Debian/Ubuntu: ocl-icd-opencl-dev) or put a libOpenCL.so symlink to it in a "
                        + "directory on LD_LIBRARY_PATH";
            }
        }
        return "install an OpenCL driver and the ICD loader (libOpenCL.so), or use --device cpu";
    }

    /** The handle of {@code opencl:P:D}, or null when there is none. */
    static Handle find(int platform, int device) {
        List<Handle> hs = new ArrayList<>();
        scan(hs);
        String id = id(platform, device);
        return hs.stream().filter(h -> h.info().id().equals(id)).findFirst().orElse(null);
    }

    static String id(int platform, int device) { return "opencl:" + platform + ":" + device; }

    /** Fills {@code out}; returns a problem description or null. */
    private static String scan(List<Handle> out) {
        CL.setExceptionsEnabled(true);
        int[] n = new int[1];
        try {
            CL.clGetPlatformIDs(0, null, n);
        } catch (CLException e) {
            return "no OpenCL platform (" + ClErrors.name(e.getStatus()) + "); install a vendor OpenCL driver";
        }
        if (n[0] == 0) return "no OpenCL platform is installed";
        cl_platform_id[] platforms = new cl_platform_id[n[0]];
        CL.clGetPlatformIDs(platforms.length, platforms, null);
        List<String> problems = new ArrayList<>();
        List<Platform> found = new ArrayList<>();
        for (cl_platform_id platform : platforms) {
            String name = platformName(platform);
            SignalChaining.warnIfMissing(name);
            int[] nd = new int[1];
            try {
                CL.clGetDeviceIDs(platform, CL.CL_DEVICE_TYPE_ALL, 0, null, nd);
            } catch (CLException e) {
                problems.add("platform '" + name + "' has no device (" + ClErrors.name(e.getStatus()) + ")");
                continue;
            }
            cl_device_id[] devices = new cl_device_id[nd[0]];
            CL.clGetDeviceIDs(platform, CL.CL_DEVICE_TYPE_ALL, devices.length, devices, null);
            found.add(new Platform(name, platform, devices, isSimulator(name, devices)));
        }
        found.sort(Comparator.comparing(Platform::simulator).thenComparing(Platform::name));
        for (int p = 0; p < found.size(); p++) {
            Platform pl = found.get(p);
            for (int d = 0; d < pl.devices().length; d++) {
                out.add(new Handle(info(id(p, d), pl.devices()[d]), pl.platform(), pl.devices()[d]));
            }
        }
        if (out.isEmpty()) return problems.isEmpty() ? "no OpenCL device found" : String.join("; ", problems);
        return problems.isEmpty() ? null : String.join("; ", problems);
    }

    /** A platform as the ICD loader listed it, before numbering. */
    private record Platform(String name, cl_platform_id platform, cl_device_id[] devices, boolean simulator) {}

    /** A simulator platform: its name or any of its devices says so. */
    private static boolean isSimulator(String platformName, cl_device_id[] devices) {
        if (DeviceProfile.isSimulatorName(platformName)) return true;
        for (cl_device_id d : devices) if (DeviceProfile.isSimulator(info("opencl:?", d))) return true;
        return false;
    }

    static DeviceInfo info(String id, cl_device_id d) {
        long type = ulong(d, CL.CL_DEVICE_TYPE);
        List<String> types = new ArrayList<>();
        if ((type & CL.CL_DEVICE_TYPE_GPU) != 0) types.add("GPU");
        if ((type & CL.CL_DEVICE_TYPE_ACCELERATOR) != 0) types.add("ACCELERATOR");
        if ((type & CL.CL_DEVICE_TYPE_CPU) != 0) types.add("CPU");
        if (types.isEmpty()) types.add("OTHER");
        return new DeviceInfo(id, string(d, CL.CL_DEVICE_NAME), string(d, CL.CL_DEVICE_VENDOR), String.join("|", types),
                uint(d, CL.CL_DEVICE_MAX_COMPUTE_UNITS), uint(d, CL.CL_DEVICE_MAX_CLOCK_FREQUENCY),
                ulong(d, CL.CL_DEVICE_GLOBAL_MEM_SIZE), ulong(d, CL.CL_DEVICE_LOCAL_MEM_SIZE),
                string(d, CL.CL_DEVICE_VERSION), string(d, CL.CL_DRIVER_VERSION));
    }

    static String string(cl_device_id d, int param) {
        long[] size = new long[1];
        CL.clGetDeviceInfo(d, param, 0, null, size);
        byte[] buf = new byte[(int) size[0]];
        CL.clGetDeviceInfo(d, param, buf.length, Pointer.to(buf), null);
        int len = buf.length;
        while (len > 0 && buf[len - 1] == 0) len--;
        return new String(buf, 0, len, StandardCharsets.UTF_8).trim();
    }

    /** The platform's name, "" when it cannot be read. */
    private static String platformName(cl_platform_id p) {
        try {
            long[] size = new long[1];
            CL.clGetPlatformInfo(p, CL.CL_PLATFORM_NAME, 0, null, size);
            byte[] buf = new byte[(int) size[0]];
            CL.clGetPlatformInfo(p, CL.CL_PLATFORM_NAME, buf.length, Pointer.to(buf), null);
            int len = buf.length;
            while (len > 0 && buf[len - 1] == 0) len--;
            return new String(buf, 0, len, StandardCharsets.UTF_8).trim();
        } catch (CLException e) {
            return "";
        }
    }

    static int uint(cl_device_id d, int param) {
        int[] v = new int[1];
        CL.clGetDeviceInfo(d, param, Sizeof.cl_uint, Pointer.to(v), null);
        return v[0];
    }

    static long ulong(cl_device_id d, int param) {
        long[] v = new long[1];
        CL.clGetDeviceInfo(d, param, Sizeof.cl_ulong, Pointer.to(v), null);
        return v[0];
    }

    static long sizeT(cl_device_id d, int param) {
        long[] v = new long[1];
        CL.clGetDeviceInfo(d, param, Sizeof.size_t, Pointer.to(v), null);
        return v[0];
    }

    static long[] sizeTs(cl_device_id d, int param, int count) {
        long[] v = new long[count];
        CL.clGetDeviceInfo(d, param, (long) Sizeof.size_t * count, Pointer.to(v), null);
        return v;
    }
}
