package dev.clayers.backend;

import org.junit.jupiter.api.Test;

import java.lang.reflect.Method;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Keeps the {@link Op} catalogue complete: a new {@link Backend} op must either join it (and so be
 * verified, benchmarked and contract-tested on every device) or be one of the ops
 * {@link Verifier} checks with a method of its own, listed here. Element-wise ops have no Backend
 * method of their own: {@link Backend#elementwise} runs each {@link ElementOp}.
 */
class OpCatalogueTest {
    /**
     * Backend methods outside the catalogue: memory (the list forms, read included, in
     * ListTransferContractTest), gemm, bias, reductions, loss, lifecycle.
     */
    private static final Set<String> CHECKED_ELSEWHERE = Set.of("id", "info", "alloc", "upload", "write", "download", "read",
            "allocInts", "uploadInts", "writeInts", "downloadInts", "copy", "fill", "gatherRows", "gatherRowsShifted",
            "randomIndices", "gatherInts", "gemm", "addBias", "addBiasRelu", "sumColumns", "dropoutMask",
            "softmaxCrossEntropy", "softmaxCrossEntropyBackward", "softmaxCrossEntropyWithGradient",
            "softmaxCrossEntropyWithGradientAsync", "argmaxRows", "countCorrect", "finish", "liveBuffers", "liveBytes", "close",
            // ConvContractTest and BatchNormContractTest check these against the reference on every device:
            "im2col", "col2im", "transposeBlocks", "maxPoolForward", "maxPoolBackward", "avgPoolForward", "avgPoolBackward",
            "batchNormStats", "batchNormForward", "batchNormBackward");

    @Test
    void everyBackendOpIsInTheCatalogueOrCheckedElsewhere() {
        Set<String> catalogue = new HashSet<>();
        for (Op op : Op.all()) assertTrue(catalogue.add(op.id()), "twice in the catalogue: " + op.id());
        Set<String> missing = new TreeSet<>();
        for (Method m : Backend.class.getMethods()) {
            if (m.getName().equals("elementwise")) continue;   // the catalogue's own entry point
            if (!catalogue.contains(m.getName()) && !CHECKED_ELSEWHERE.contains(m.getName())) missing.add(m.getName());
        }
        assertEquals(Set.of(), missing, "Backend ops in no catalogue (add them to ElementOp or UpdateOp)");
    }

    @Test
    void everyOpNamesABackendMethodAndOnlyItsOwnArguments() {
        Set<String> methods = new HashSet<>(Arrays.stream(Backend.class.getMethods()).map(Method::getName).toList());
        for (UpdateOp op : UpdateOp.values()) assertTrue(methods.contains(op.id()), op + " names no Backend method: " + op.id());
        for (ElementOp op : ElementOp.values()) {
            assertFalse(methods.contains(op.id()), op + " must run through elementwise, not a Backend method of its own");
            assertFalse(op.outputs().isEmpty(), op + " writes something");
            assertTrue(op.positions(ElementOp.Role.IN).size() + op.positions(ElementOp.Role.FORWARD_INPUT).size()
                    + op.positions(ElementOp.Role.FORWARD_OUTPUT).size() > 0, op + " reads something");
        }
        for (Op op : Op.all()) {
            assertTrue(op.touched() >= op.inputs().size(), op + " reads every input");
            for (int k : op.outputs()) assertTrue(k >= 0 && k < op.inputs().size(), op + " output " + k);
        }
    }
}
