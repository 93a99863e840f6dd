package dev.clayers.graph;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

class AppleShoppingTest {
    private static double[] grads(AppleShopping.Result r) {
        return r.gradients().stream().mapToDouble(AppleShopping.Gradient::value).toArray();
    }

    @Test
    void applesMatchTheBook() {
        AppleShopping.Result r = AppleShopping.apples(100, 2, 1.1);
        assertEquals(220, r.price(), 1e-9);
        assertArrayEquals(new double[] {2.2, 110, 200}, grads(r), 1e-9);
    }

    @Test
    void applesAndOrangesMatchTheBook() {
        AppleShopping.Result r = AppleShopping.applesAndOranges(100, 2, 150, 3, 1.1);
        assertEquals(715, r.price(), 1e-9);
        assertArrayEquals(new double[] {2.2, 110, 3.3, 165, 650}, grads(r), 1e-9);
    }

    @Test
    void mulAndAddNodes() {
        MulLayer mul = new MulLayer();
        assertEquals(12, mul.forward(3, 4));
        assertArrayEquals(new double[] {8, 6}, mul.backward(2));
        AddLayer add = new AddLayer();
        assertEquals(7, add.forward(3, 4));
        assertArrayEquals(new double[] {2, 2}, add.backward(2));
    }

    @Test
    void formatHidesBinaryNoise() {
        assertEquals("220", AppleShopping.fmt(100 * 2 * 1.1));
        assertEquals("2.2", AppleShopping.fmt(1.1 * 2));
    }
}
