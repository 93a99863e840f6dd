package dev.clayers.backend.cpu;

import org.junit.jupiter.api.Test;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SpinPoolTest {

    @Test
    void everyTaskRunsOnceAndRunReturnsAfterAll() throws Exception {
        SpinPool pool = new SpinPool(2);
        AtomicInteger sum = new AtomicInteger();
        for (int round = 0; round < 2000; round++) {
            int r = round;
            assertTrue(pool.tryRun(new Runnable[] {() -> sum.addAndGet(1), () -> sum.addAndGet(10), () -> sum.addAndGet(100)}));
            assertEquals(111 * (r + 1), sum.get(), "after round " + r);
            if (round == 1000) Thread.sleep(5);   // let the workers park, then wake them
        }
    }

    @Test
    void aWorkersExceptionReachesTheCaller() {
        SpinPool pool = new SpinPool(1);
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> pool.tryRun(new Runnable[] {() -> { }, () -> { throw new IllegalStateException("boom"); }}));
        assertEquals("boom", e.getMessage());
        assertTrue(pool.tryRun(new Runnable[] {() -> { }, () -> { }}), "the pool still works after a failure");
    }

    @Test
    void aSecondCallerIsTurnedAwayNotBlocked() throws Exception {
        SpinPool pool = new SpinPool(1);
        CountDownLatch inside = new CountDownLatch(1), release = new CountDownLatch(1);
        Thread first = new Thread(() -> pool.tryRun(new Runnable[] {() -> {
            inside.countDown();
            try {
                release.await();
            } catch (InterruptedException ignored) {
                Thread.currentThread().interrupt();
            }
        }}));
        first.start();
        inside.await();
        AtomicBoolean ran = new AtomicBoolean();
        assertFalse(pool.tryRun(new Runnable[] {() -> ran.set(true)}));
        assertFalse(ran.get());
        release.countDown();
        first.join();
    }
}
