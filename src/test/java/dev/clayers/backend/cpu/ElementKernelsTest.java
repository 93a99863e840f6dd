package dev.clayers.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link ElementKernels}: the scalar (branch-free) and loaded (Vector-API where the module is
 * present) versions against the plain definitions, bit for bit (NaN payloads aside), on odd lengths
 * (ragged vector tails) seeded with every special value.
 */
class ElementKernelsTest {
    private static final float[] SPECIAL = {Float.NaN, Float.intBitsToFloat(0xffc00001), -0f, 0f, Float.MIN_VALUE,
        -Float.MIN_VALUE, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.MAX_VALUE, -Float.MAX_VALUE, 1f, -1f};

    private static float[] input(int n) {
        Random r = new Random(n);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = r.nextInt(4) == 0 ? SPECIAL[r.nextInt(SPECIAL.length)] : (float) r.nextGaussian();
        return x;
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 7, 33, 100, 784, 1000})
    void reluForwardMatchesDefinition(int n) {
        float[] x = input(n);
        float[] wantOut = new float[n], wantMask = new float[n];
        for (int i = 0; i < n; i++) {
            boolean on = x[i] > 0f;
            wantOut[i] = on ? x[i] : 0f;
            wantMask[i] = on ? 1f : 0f;
        }
        for (ElementKernels k : new ElementKernels[] {ElementKernels.SCALAR, ElementKernels.INSTANCE}) {
            float[] out = new float[n], mask = new float[n];
            java.util.Arrays.fill(out, 42f);
            k.reluForward(x, out, mask, 0, n);
            assertArrayEquals(bits(wantOut), bits(out), k.name() + " out");
            assertArrayEquals(bits(wantMask), bits(mask), k.name() + " mask");
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 7, 33, 100, 784, 1000})
    void addBiasMatchesDefinitionInPlace(int cols) {
        int rows = 3;
        float[] x = input(rows * cols), b = input(cols);
        float[] want = new float[rows * cols];
        for (int i = 0; i < rows; i++) for (int j = 0; j < cols; j++) want[i * cols + j] = x[i * cols + j] + b[j];
        for (ElementKernels k : new ElementKernels[] {ElementKernels.SCALAR, ElementKernels.INSTANCE}) {
            float[] out = x.clone();
            k.addBias(out, b, out, rows, cols);
            // NaN compares equal to NaN here: which input's payload an add keeps is the hardware's choice.
            assertArrayEquals(want, out, k.name());
        }
    }

    private static int[] bits(float[] x) {
        int[] b = new int[x.length];
        for (int i = 0; i < x.length; i++) b[i] = Float.floatToRawIntBits(x[i]);
        return b;
    }
}
