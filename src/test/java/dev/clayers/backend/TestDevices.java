package dev.clayers.backend;

import dev.clayers.backend.opencl.OpenClDevices;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * The devices every contract test runs on: the Java {@code cpu} backend and every OpenCL device
 * present. Use as {@code @MethodSource("dev.clayers.backend.TestDevices#ids")}.
 */
public final class TestDevices {
    private TestDevices() {}

    /** Device ids to run contract tests on: {@code cpu}, then every OpenCL device found. */
    public static Stream<String> ids() {
        List<String> ids = new ArrayList<>();
        ids.add("cpu");
        ids.addAll(openClIds());
        return ids.stream();
    }

    /** The OpenCL device ids found here (empty without OpenCL). */
    public static List<String> openClIds() {
        return OpenClDevices.discover().devices().stream().map(DeviceInfo::id).toList();
    }

    /** Why no OpenCL device was found, or null. */
    public static String openClProblem() {
        return OpenClDevices.discover().problem();
    }

    /** Opens a device by id for a test. */
    public static Backend open(String id) {
        return Backends.open(id);
    }
}
