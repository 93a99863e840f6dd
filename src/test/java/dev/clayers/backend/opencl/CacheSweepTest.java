package dev.clayers.backend.opencl;

import dev.clayers.Sweep;
import dev.clayers.backend.Backend;
import dev.clayers.backend.DeviceInfo;
import dev.clayers.io.CacheDir;
import dev.clayers.net.Layers;
import dev.clayers.net.Sequential;
import dev.clayers.net.WeightInit;
import dev.clayers.train.DeviceChoice;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Hostile sweep, caches (issue 27): {@code tuning.json}, {@code auto.json}, the kernel binaries
 * and the cache folder itself, each replaced by garbage, wrong types, huge numbers, an entry the
 * device cannot run, a FIFO, a link to {@code /dev/zero}, a folder, a dangling link. Every run
 * still opens the device and computes the same numbers as with no cache, and a damaged file
 * (one a reader must notice) is named in a WARN.
 */
class CacheSweepTest {
    @TempDir Path tmp;
    private String oldDir;
    private int counter;

    @BeforeEach void setUp() { oldDir = System.getProperty(CacheDir.PROPERTY); }

    @AfterEach void tearDown() { OpenClTestSupport.restoreCacheDir(oldDir); }

    private static final float[] A = new float[37 * 29], B = new float[29 * 41];

    static {
        for (int i = 0; i < A.length; i++) A[i] = (float) Math.sin(i);
        for (int i = 0; i < B.length; i++) B[i] = (float) Math.cos(i * 0.7);
    }

    /** A gemm and a small conv net's prediction on the device: the numbers a cache must not change. */
    private static float[] compute(int[] d) {
        try (OpenClBackend be = OpenClBackend.open(d[0], d[1]);
             var a = be.upload(A, 37, 29); var b = be.upload(B, 29, 41); var c = be.alloc(37, 41);
             Sequential net = Sequential.of(be, WeightInit.HE, 4, Layers.input(1, 6, 6).conv(2, 3).relu().maxPool(2).dense(3))) {
            be.gemm(false, false, 1f, a, b, 0f, c);
            float[] g = be.download(c);
            double[][] p = net.predictProbabilities(new float[][] {new float[36]});
            float[] out = Arrays.copyOf(g, g.length + 3);
            for (int i = 0; i < 3; i++) out[g.length + i] = (float) p[0][i];
            return out;
        }
    }

    private static String stderrOf(Sweep.Case body) throws Exception {
        PrintStream old = System.err;
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            body.run();
        } finally {
            System.setErr(old);
        }
        return err.toString(StandardCharsets.UTF_8);
    }

    private static void fifo(Path f) throws Exception {
        if (new ProcessBuilder("mkfifo", f.toString()).start().waitFor() != 0) throw new IOException("mkfifo failed");
    }

    private static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) return;
        try (Stream<Path> s = Files.walk(p)) {
            for (Path q : s.sorted(Comparator.reverseOrder()).toList()) Files.delete(q);
        }
    }

    /** A fresh cache folder holding a copy of {@code warm}. */
    private Path copyOf(Path warm) throws IOException {
        Path dir = tmp.resolve("cache" + counter++);
        try (Stream<Path> s = Files.walk(warm)) {
            for (Path p : s.toList()) {
                Path q = dir.resolve(warm.relativize(p).toString());
                if (Files.isDirectory(p)) Files.createDirectories(q);
                else Files.copy(p, q);
            }
        }
        return dir;
    }

    interface Damage {
        void apply(Path file) throws Exception;
    }

    @Test
    void sweep() throws Exception {
        Sweep sweep = Sweep.of("caches");
        int[] d = OpenClTestSupport.firstDevice();
        DeviceInfo info = OpenClDevices.find(d[0], d[1]).info();

        // The reference: no cache at all, then a warm cache (binaries written) and a real tuning entry.
        Path empty = tmp.resolve("empty");
        OpenClTestSupport.useCacheDir(empty);
        float[] want = compute(d);
        String defaultSpec;
        try (OpenClBackend be = OpenClBackend.open(d[0], d[1])) {
            defaultSpec = be.tunables().gemmSpec();
        }
        Path warm = tmp.resolve("warm");
        OpenClTestSupport.useCacheDir(warm);
        compute(d);
        String key = TuningCache.key(info, TuningCache.gemmSourceHash());
        TuningCache.store(info, new TuningCache.Entry(info.name(), info.driver(), TuningCache.gemmSourceHash(), defaultSpec, 1, "x", "t"));
        List<Path> binaries;
        try (Stream<Path> s = Files.list(warm.resolve("binaries"))) {
            binaries = s.sorted().toList();
        }
        sweep.check("the warm cache", () -> {
            OpenClTestSupport.useCacheDir(copyOf(warm));
            if (!Arrays.equals(want, compute(d))) throw new AssertionError("a warm cache changed the numbers");
        });

        String entry = "{\"device\":\"" + info.name() + "\",\"driver\":\"" + info.driver() + "\",\"sourceSha256\":\""
                + TuningCache.gemmSourceHash() + "\",\"gemm\":%s,\"gflops\":%s,\"benchmark\":\"x\",\"tunedAt\":\"t\"}";
        Map<String, String> tuning = new LinkedHashMap<>();
        String[] junk = {"", " ", "{", "}", "null", "[]", "[1,2]", "\"x\"", "1e999", "{\"version\":1}", "{\"version\":\"one\",\"entries\":{}}",
            "{\"version\":1,\"entries\":[]}", "{\"version\":1,\"entries\":null}", "{\"version\":1,\"entries\":{\"" + key + "\":null}}",
            "{\"version\":1,\"entries\":{\"" + key + "\":5}}", "{\"version\":1,\"entries\":{\"" + key + "\":[]}}",
            "{\"version\":999,\"entries\":{}}", "{\"version\":-1,\"entries\":{}}", "[".repeat(100_000), "\uFEFF{}", "{\"a\":\u0000}",
            "{\"version\":1,\"entries\":{}}".repeat(3)};
        for (int i = 0; i < junk.length; i++) tuning.put("junk #" + i + " " + (junk[i].length() > 30 ? junk[i].substring(0, 30) : junk[i]), junk[i]);
        String[][] values = {{"5", "1"}, {"null", "1"}, {"\"\"", "1"}, {"\"GEMM=foo\"", "1"}, {"\"GEMM=tiled,TSM=-1\"", "1"},
            {"\"GEMM=tiled,TSM=99999999999\"", "1"}, {"\"GEMM=tiled,TSM=128,TSN=128,TSK=8,WPTM=1,WPTN=1\"", "1"},
            {"\"GEMM=cpu,CPU_RM=6,CPU_VW=16,CPU_WGN=256,CPU_WGM=256\"", "1"}, {"\"GEMM=cpu,CPU_RM=0\"", "1"},
            {"\"GEMM=cpu,CPU_RM=6,CPU_VW=3\"", "1"}, {"\"" + defaultSpec + ",,,\"", "1"}, {"\"" + defaultSpec + "\"", "\"fast\""},
            {"\"" + defaultSpec + "\"", "1e999"}, {"\"" + defaultSpec + "\"", "-1"}, {"{\"GEMM\":\"cpu\"}", "1"},
            {"\"GEMM=cpu,CPU_RM=2147483648\"", "1"}, {"\"" + defaultSpec.replace("=", "==") + "\"", "1"}};
        for (String[] v : values) {
            tuning.put("entry gemm " + v[0] + " gflops " + v[1],
                    "{\"version\":1,\"entries\":{\"" + key + "\":" + String.format(entry, v[0], v[1]) + "}}");
        }
        for (Map.Entry<String, String> t : tuning.entrySet()) {
            String label = "tuning.json: " + t.getKey();
            if (t.getKey().startsWith("junk")) {
                // A file that is not a cache at all: the lookup a device open makes gives nothing, at once, with a WARN
                // (a device open per case would cost the sweep a second each; the special files below open one).
                boolean wasFixed = label.contains("\"one\"") || label.startsWith("tuning.json: junk #13 ");
                sweep.run(wasFixed, label, () -> {
                    Path dir = copyOf(warm);
                    Files.writeString(dir.resolve("tuning.json"), t.getValue());
                    OpenClTestSupport.useCacheDir(dir);
                    Object[] got = new Object[1];
                    String log = stderrOf(() -> got[0] = TuningCache.lookup(info));
                    if (got[0] != null) throw new AssertionError("read an entry from " + t.getValue());
                    boolean noEntries = t.getValue().equals("{\"version\":1,\"entries\":{}}".repeat(3));
                    if (!log.contains("WARN") && !noEntries) throw new AssertionError("no WARN: " + log);
                });
            } else {
                cacheCase(sweep, label, warm, "tuning.json", f -> Files.writeString(f, t.getValue()), d, want);
            }
        }
        Map<String, Damage> special = new LinkedHashMap<>();
        special.put("a FIFO", CacheSweepTest::fifo);
        special.put("a link to /dev/zero", f -> Files.createSymbolicLink(f, Path.of("/dev/zero")));
        special.put("a folder", Files::createDirectories);
        special.put("a dangling link", f -> Files.createSymbolicLink(f, f.resolveSibling("nowhere")));
        special.put("a link loop", f -> Files.createSymbolicLink(f, f));
        special.put("random bytes", f -> {
            byte[] b = new byte[5000];
            new java.util.Random(1).nextBytes(b);
            Files.write(f, b);
        });
        special.put("a sparse 2 GB file", f -> {
            try (RandomAccessFile r = new RandomAccessFile(f.toFile(), "rw")) {
                r.setLength(2L << 30);
            }
        });
        special.put("empty", f -> Files.write(f, new byte[0]));
        for (Map.Entry<String, Damage> s : special.entrySet()) {
            cacheCase(sweep, "tuning.json: " + s.getKey(), warm, "tuning.json", s.getValue(), d, want);
            for (int i = 0; i < Math.min(1, binaries.size()); i++) {
                String name = "binaries/" + binaries.get(i).getFileName();
                cacheCase(sweep, "binary #" + i + ": " + s.getKey(), warm, name, s.getValue(), d, want);
            }
        }
        for (Path bin : binaries.subList(0, Math.min(4, binaries.size()))) {
            String name = "binaries/" + bin.getFileName();
            cacheCase(sweep, bin.getFileName().toString().substring(0, 8) + ".bin truncated to half", warm, "keep:" + name, f -> {
                byte[] b = Files.readAllBytes(f);
                Files.write(f, Arrays.copyOf(b, b.length / 2));
            }, d, want);
            cacheCase(sweep, bin.getFileName().toString().substring(0, 8) + ".bin with a flipped byte", warm, "keep:" + name, f -> {
                byte[] b = Files.readAllBytes(f);
                b[b.length / 2] ^= 0x5a;
                Files.write(f, b);
            }, d, want);
        }
        cacheCase(sweep, "binaries: a file", warm, "binaries", f -> Files.writeString(f, "x"), d, want);
        cacheCase(sweep, "binaries: a FIFO", warm, "binaries", CacheSweepTest::fifo, d, want);
        cacheCase(sweep, "binaries: a link to /dev/null", warm, "binaries", f -> Files.createSymbolicLink(f, Path.of("/dev/null")), d, want);

        // The cache folder itself.
        Map<String, Damage> roots = new LinkedHashMap<>();
        roots.put("a file", f -> Files.writeString(f, "x"));
        roots.put("a FIFO", CacheSweepTest::fifo);
        roots.put("a link to /dev/null", f -> Files.createSymbolicLink(f, Path.of("/dev/null")));
        roots.put("under a file", f -> Files.writeString(f, "x"));
        for (Map.Entry<String, Damage> r : roots.entrySet()) {
            sweep.check("cache folder: " + r.getKey(), () -> {
                Path root = tmp.resolve("root" + counter++);
                r.getValue().apply(root);
                OpenClTestSupport.useCacheDir(r.getKey().startsWith("under") ? root.resolve("sub") : root);
                if (!Arrays.equals(want, compute(d))) throw new AssertionError("the numbers changed");
            });
        }
        sweep.check("cache folder: /proc/self", () -> {
            OpenClTestSupport.useCacheDir(Path.of("/proc/self/clayers"));
            if (!Arrays.equals(want, compute(d))) throw new AssertionError("the numbers changed");
        });

        // auto.json: the device choice still finishes and opens a device.
        String[] autos = {"", "{", "null", "[]", "{\"version\":1,\"entries\":{\"x\":{\"samplesPerSecond\":\"fast\"}}}",
            "{\"version\":1,\"entries\":{\"x\":{\"samplesPerSecond\":1e999,\"batch\":-1}}}", "[".repeat(100_000)};
        List<Damage> autoDamage = new ArrayList<>();
        for (String a : autos) autoDamage.add(f -> Files.writeString(f, a));
        autoDamage.add(CacheSweepTest::fifo);
        autoDamage.add(f -> Files.createSymbolicLink(f, Path.of("/dev/zero")));
        autoDamage.add(Files::createDirectories);
        for (int i = 0; i < autoDamage.size(); i++) {
            Damage dmg = autoDamage.get(i);
            // #4 and #5 (a figure of "fast", one of 1e999) ended the choice with an exception before the fix.
            sweep.run(i == 4 || i == 5, "auto.json #" + i + (i < autos.length ? " " + (autos[i].length() > 30 ? autos[i].substring(0, 30) : autos[i]) : ""), () -> {
                Path dir = copyOf(warm);
                OpenClTestSupport.useCacheDir(dir);
                dmg.apply(DeviceChoice.file());
                try (Backend be = DeviceChoice.fastest(Layers.input(4).dense(3).list(), 8)) {
                    if (be == null || be.id().isEmpty()) throw new AssertionError("no device");
                }
            });
        }
        sweep.finish();
    }

    /** One cache path damaged in a copy of the warm cache: the run computes {@code want}; a damaged file is in a WARN. */
    private void cacheCase(Sweep sweep, String label, Path warm, String relative, Damage damage, int[] d, float[] want) {
        // Before the fix: a version or a figure that is not a number ended the run with NumberFormatException; an
        // entry of null or without its gemm spec was dropped without a WARN.
        boolean wasFixed = label.contains("\"one\"") || label.contains("gflops \"fast\"") || label.contains("gemm null")
                || label.startsWith("tuning.json: junk #13 ");
        sweep.run(wasFixed, label, () -> {
            Path dir = copyOf(warm);
            boolean keep = relative.startsWith("keep:");
            Path f = dir.resolve(relative.substring(keep ? 5 : 0));
            if (!keep) deleteTree(f);
            damage.apply(f);
            OpenClTestSupport.useCacheDir(dir);
            float[][] got = new float[1][];
            String log = stderrOf(() -> got[0] = compute(d));
            if (!Arrays.equals(want, got[0])) throw new AssertionError("the numbers changed");
            // An empty file, and an entry whose spec reads as the defaults, cost nothing and need no WARN.
            boolean harmless = label.contains("empty") && relative.equals("tuning.json") || label.contains(",,,")
                    || label.contains("gemm \"\" ") || label.contains("gflops 1e999") || label.contains("gflops -1")
                    || label.contains("version\":1}") ;
            if (!harmless && !log.contains("WARN")) throw new AssertionError("no WARN: " + log);
        });
    }
}
