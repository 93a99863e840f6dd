package dev.clayers.backend.opencl;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import org.junit.jupiter.api.Test;

/**
 * The test JVMs open PoCL, whose LLVM replaces the JVM's SIGSEGV handler; the pom preloads the
 * JDK's signal-chaining library into them so that cannot crash a test run. This checks that the
 * preload took effect wherever the library exists.
 */
class SignalChainingTest {
    @Test
    void testJvmRunsWithSignalChaining() {
        assumeTrue(SignalChaining.library() != null, "no libjsig.so for this JVM (not Linux/HotSpot): nothing to preload");
        assertTrue(SignalChaining.loaded(), "libjsig.so is not loaded; surefire's LD_PRELOAD (pom.xml) did not reach the test JVM");
    }
}
