package dev.clayers.backend;

import dev.clayers.backend.opencl.DeviceProfile;
import dev.clayers.backend.opencl.OpenClDevices;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * The devices the tests run on. {@link #ids()}: the Java {@code cpu} backend and every real OpenCL
 * device twice, once with its own kernel shape and once with the other ({@code opencl:0:0@gpu} on
 * PoCL runs the tiled gemm, one element per work-item and the parallel reductions and softmax a
 * GPU takes), so every kernel variant runs here. {@link #contractIds()} adds the simulators
 * (Oclgrind) in both shapes, for the op, layer and optimizer contracts at the small shapes of {@link #small}.
 * Use as {@code @MethodSource("dev.clayers.backend.TestDevices#ids")}.
 */
public final class TestDevices {
    private TestDevices() {}

    /** Device ids for every test that runs on all hardware: {@code cpu}, then each real OpenCL device in both shapes. */
    public static Stream<String> ids() {
        List<String> ids = new ArrayList<>();
        ids.add("cpu");
        for (DeviceInfo d : openClDevices()) {
            if (DeviceProfile.isSimulator(d)) continue;
            ids.add(d.id());
            ids.add(d.id() + "@" + DeviceProfile.naturalShape(d).other().label());
        }
        return ids.stream();
    }

    /**
     * {@link #ids()} and then every simulator in both shapes: the contract tests, at small shapes
     * there. The CPU-shaped kernels run under Oclgrind's race and bounds checks too.
     */
    public static Stream<String> contractIds() {
        List<String> sims = new ArrayList<>();
        for (DeviceInfo d : openClDevices()) {
            if (!DeviceProfile.isSimulator(d)) continue;
            sims.add(d.id());
            sims.add(d.id() + "@" + DeviceProfile.naturalShape(d).other().label());
        }
        return Stream.concat(ids(), sims.stream());
    }

    /** The simulators found here (Oclgrind), each in its own shape. */
    public static List<String> simulatorIds() {
        return openClDevices().stream().filter(DeviceProfile::isSimulator).map(DeviceInfo::id).toList();
    }

    /**
     * Whether a test on this device should keep to small shapes: simulators interpret every
     * instruction (Oclgrind with its checks runs about a million a second), so the contract's
     * 784 x 1000 cases would take hours there.
     */
    public static boolean small(String id) {
        String base = Backends.withoutShape(id);
        return simulatorIds().contains(base);
    }

    /**
     * The first {@code n} real (not simulated) OpenCL devices, for the tests tagged
     * {@code several-devices} (their surefire execution sets {@code POCL_DEVICES="pthread pthread"},
     * which makes PoCL show opencl:0:0 and opencl:0:1). Fewer devices skip the test, or fail it
     * under {@code CI=true}.
     */
    public static List<String> realOpenClIds(int n) {
        List<String> real = openClDevices().stream().filter(d -> !DeviceProfile.isSimulator(d)).map(DeviceInfo::id).toList();
        if (real.size() < n) {
            String why = "needs " + n + " real OpenCL devices, found " + real + (openClProblem() == null ? "" : " (" + openClProblem() + ")")
                    + "; run with POCL_DEVICES=\"pthread pthread\" (mvn runs these tests so)";
            if ("true".equals(System.getenv("CI"))) throw new AssertionError("CI=true but the test " + why);
            org.junit.jupiter.api.Assumptions.assumeTrue(false, why);
        }
        return real.subList(0, n);
    }

    /** The Oclgrind device, or a skip (a failure under {@code CI=true}) when it is not registered. */
    public static String simulatorId() {
        List<String> sims = simulatorIds();
        if (sims.isEmpty()) {
            if ("true".equals(System.getenv("CI"))) throw new AssertionError("CI=true but no Oclgrind device: " + openClProblem());
            org.junit.jupiter.api.Assumptions.assumeTrue(false, "no Oclgrind device");
        }
        return sims.get(0);
    }

    /** The OpenCL device ids found here (empty without OpenCL), simulators included. */
    public static List<String> openClIds() {
        return openClDevices().stream().map(DeviceInfo::id).toList();
    }

    /** Discovered once per test run: the devices do not change meanwhile, and small() asks several times per test. */
    private static volatile OpenClDevices.Discovery discovery;

    private static OpenClDevices.Discovery discovery() {
        OpenClDevices.Discovery d = discovery;
        if (d == null) discovery = d = OpenClDevices.discover();
        return d;
    }

    private static List<DeviceInfo> openClDevices() {
        return discovery().devices();
    }

    /** Why no OpenCL device was found, or null. */
    public static String openClProblem() {
        return discovery().problem();
    }

    /** Opens a device by id for a test. */
    public static Backend open(String id) {
        return Backends.open(id);
    }
}
