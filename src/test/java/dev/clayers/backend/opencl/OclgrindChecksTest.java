package dev.clayers.backend.opencl;

import dev.clayers.backend.OclgrindReports;
import dev.clayers.backend.TestDevices;
import org.jocl.CL;
import org.jocl.Pointer;
import org.jocl.Sizeof;
import org.jocl.cl_command_queue;
import org.jocl.cl_context;
import org.jocl.cl_context_properties;
import org.jocl.cl_device_id;
import org.jocl.cl_kernel;
import org.jocl.cl_mem;
import org.jocl.cl_program;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The Oclgrind leg of the build can fail: Oclgrind is here (required under CI=true), its checks
 * are on, and a kernel with a data race and an out-of-bounds write is reported in the log that
 * {@link OclgrindReports} reads after every test. Without this, a misconfigured log or a
 * missing device would let the contract "pass" on Oclgrind without checking anything.
 */
class OclgrindChecksTest {
    private static final String BAD = """
            __kernel void bad(__global int *x) {
                x[0] = (int) get_global_id(0);          // every work-item writes x[0]: a write-write race
                x[get_global_id(0) + 1] = 1;            // the last work-item writes past the end
            }
            """;

    private static String oclgrindId() {
        List<String> sims = TestDevices.simulatorIds();
        if (sims.isEmpty()) {
            if ("true".equals(System.getenv("CI"))) {
                fail("CI=true but no Oclgrind device: .ci/run installs oclgrind and registers "
                        + "/usr/lib/oclgrind/liboclgrind-rt-icd.so in /etc/OpenCL/vendors");
            }
            Assumptions.abort("Oclgrind is not registered here; the simulator contract is skipped");
        }
        return sims.get(0);
    }

    @Test
    void raceAndOutOfBoundsWriteAreReported() throws Exception {
        String id = oclgrindId();
        assertNotNull(OclgrindReports.logFile(), "OCLGRIND_LOG is not set for the tests (pom.xml, surefire)");
        assertTrue("1".equals(System.getenv("OCLGRIND_DATA_RACES")), "OCLGRIND_DATA_RACES is not on for the tests");
        String[] p = id.split(":");
        OpenClDevices.Handle h = OpenClDevices.find(Integer.parseInt(p[1]), Integer.parseInt(p[2]));
        assertNotNull(h, id);
        OclgrindReports.newReports();   // whatever earlier tests left is theirs
        cl_context_properties props = new cl_context_properties();
        props.addProperty(CL.CL_CONTEXT_PLATFORM, h.platform());
        cl_context ctx = CL.clCreateContext(props, 1, new cl_device_id[] {h.device()}, null, null, null);
        cl_command_queue q = CL.clCreateCommandQueue(ctx, h.device(), 0, null);
        cl_program prog = CL.clCreateProgramWithSource(ctx, 1, new String[] {BAD}, null, null);
        CL.clBuildProgram(prog, 0, null, null, null, null);
        cl_kernel k = CL.clCreateKernel(prog, "bad", null);
        int n = 4;
        cl_mem buf = CL.clCreateBuffer(ctx, CL.CL_MEM_READ_WRITE, (long) n * Sizeof.cl_int, null, null);
        try {
            CL.clSetKernelArg(k, 0, Sizeof.cl_mem, Pointer.to(buf));
            CL.clEnqueueNDRangeKernel(q, k, 1, null, new long[] {n}, new long[] {n}, 0, null, null);
            CL.clFinish(q);
        } finally {
            CL.clReleaseMemObject(buf);
            CL.clReleaseKernel(k);
            CL.clReleaseProgram(prog);
            CL.clReleaseCommandQueue(q);
            CL.clReleaseContext(ctx);
        }
        String reports = OclgrindReports.newReports();
        assertFalse(reports.isBlank(), "Oclgrind reported nothing for a racy, out-of-bounds kernel");
        assertTrue(reports.contains("data race"), reports);
        assertTrue(reports.contains("Invalid write"), reports);
    }
}
