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

    @Test
    void splitCoversEveryItemOnceInAlignedPiecesThatDependOnlyOnTheShape() {
        for (int n : new int[] {1, 17, 1000, 100_000}) {
            int pieces = SpinPool.pieces(n, 10);
            int[] seen = new int[n];
            int[][] cuts = new int[pieces][];
            for (int round = 0; round < 50; round++) {
                SpinPool.split(n, 10, 16, (piece, from, to) -> {
                    synchronized (seen) {
                        for (int i = from; i < to; i++) seen[i]++;
                        if (cuts[piece] == null) cuts[piece] = new int[] {from, to};
                        assertEquals(cuts[piece][0], from, "piece " + piece + " moved");
                        assertEquals(cuts[piece][1], to, "piece " + piece + " moved");
                    }
                });
            }
            for (int i = 0; i < n; i++) assertEquals(50, seen[i], "item " + i + " of " + n);
            for (int p = 0; p < pieces; p++) {
                assertTrue(cuts[p][0] % 16 == 0, "piece " + p + " starts at " + cuts[p][0]);
                if (p > 0) assertEquals(cuts[p - 1][1], cuts[p][0], "pieces are contiguous and in order");
            }
        }
    }

    @Test
    void tryShareRunsTheWorkAndReturnsWhenNoWorkerTookIt() {
        SpinPool pool = new SpinPool(1);
        AtomicInteger runs = new AtomicInteger();
        for (int round = 0; round < 2000; round++) assertTrue(pool.tryShare(runs::incrementAndGet));
        // Each round runs on the caller, and on the worker at most once more.
        assertTrue(runs.get() >= 2000 && runs.get() <= 4000, "runs " + runs.get());
    }
}
