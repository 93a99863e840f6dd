package dev.clayers.backend;

import java.util.List;
import java.util.stream.Stream;

/**
 * The devices every contract test runs on: the Java {@code cpu} backend and, once the OpenCL
 * backend exists, every OpenCL device present. Use as
 * {@code @MethodSource("dev.clayers.backend.TestDevices#ids")}.
 */
public final class TestDevices {
    private TestDevices() {}

    /** Device ids to run contract tests on. */
    public static Stream<String> ids() {
        return List.of("cpu").stream();
    }

    /** Opens a device by id for a test. */
    public static Backend open(String id) {
        return Backends.open(id);
    }
}
