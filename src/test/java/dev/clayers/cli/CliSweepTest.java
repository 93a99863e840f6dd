package dev.clayers.cli;

import dev.clayers.Sweep;
import dev.clayers.data.Idx;
import dev.clayers.data.MnistDataset;
import dev.clayers.io.CacheDir;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * Hostile sweep, the command line (issue 27): odd, huge, NaN, negative and malformed values for
 * every numeric and path option of train, eval, predict, bench, graph, export and import, run
 * in-process. Every case exits 0, or 2 with exactly one line on stderr starting with
 * {@code clayers <command>:} (1 for a diverged run, which is a result), and writes no file it was
 * not asked for: the inputs' folder and the working directory are compared before and after.
 */
class CliSweepTest {
    @TempDir static Path dir;
    static Path inputs, data, model, png, onnx, cache;
    static String oldCache;
    static int counter;

    @BeforeAll
    static void setUp() throws Exception {
        oldCache = System.getProperty(CacheDir.PROPERTY);
        cache = dir.resolve("cache");
        System.setProperty(CacheDir.PROPERTY, cache.toString());
        inputs = Files.createDirectories(dir.resolve("in"));
        data = Files.createDirectories(inputs.resolve("digits"));
        Random rng = new Random(1);
        for (String[] split : new String[][] {{MnistDataset.TRAIN_IMAGES, MnistDataset.TRAIN_LABELS, "120"},
                {MnistDataset.TEST_IMAGES, MnistDataset.TEST_LABELS, "40"}}) {
            int n = Integer.parseInt(split[2]);
            byte[] px = new byte[n * 784];
            int[] labels = new int[n];
            for (int i = 0; i < n; i++) {
                labels[i] = i % 10;
                for (int j = 0; j < 784; j++) if (rng.nextInt(10) < labels[i]) px[i * 784 + j] = (byte) rng.nextInt(256);
            }
            Idx.writeImages(data.resolve(split[0]), new Idx.Images(n, 28, 28, px), false);
            Idx.writeLabels(data.resolve(split[1]), labels, false);
        }
        model = HostileInputTest.model(inputs);
        png = inputs.resolve("digit.png");
        Files.write(png, HostileInputTest.blackPng(28, 28));
        onnx = inputs.resolve("m.onnx");
        CliRunner.Result r = CliRunner.run("export", "--model", model.toString(), "--onnx", onnx.toString());
        if (r.code() != 0) throw new AssertionError(r.toString());
    }

    @AfterAll
    static void tearDown() {
        if (oldCache == null) System.clearProperty(CacheDir.PROPERTY);
        else System.setProperty(CacheDir.PROPERTY, oldCache);
    }

    /** Every path under {@code p} with its size and modification time. */
    static Set<String> listing(Path p) throws IOException {
        Set<String> out = new TreeSet<>();
        try (Stream<Path> s = Files.walk(p)) {
            for (Path q : s.toList()) {
                out.add(q + " " + (Files.isRegularFile(q) ? Files.size(q) + " " + Files.getLastModifiedTime(q).toMillis() : "dir"));
            }
        }
        return out;
    }

    static Set<String> symmetricDifference(Set<String> a, Set<String> b) {
        Set<String> out = new TreeSet<>(a);
        out.addAll(b);
        Set<String> both = new TreeSet<>(a);
        both.retainAll(b);
        out.removeAll(both);
        return out;
    }

    static Set<String> names(Path p) throws IOException {
        try (Stream<Path> s = Files.list(p)) {
            return new TreeSet<>(s.map(q -> q.getFileName().toString()).toList());
        }
    }

    /**
     * Runs {@code args} ({@code {out}} stands for a fresh empty folder) and checks the outcome; files
     * may appear in that folder only under {@code allowed} names.
     */
    static void cli(Sweep sweep, String label, Set<String> allowed, String... args) {
        sweep.check(label, () -> {
            Path out = Files.createDirectories(dir.resolve("out" + counter++));
            String[] a = Arrays.stream(args).map(s -> s.replace("{out}", out.toString())).toArray(String[]::new);
            Set<String> before = listing(inputs), cwd = names(Path.of(""));
            CliRunner.Result r = CliRunner.run(a);
            String command = a[0];
            if (r.code() == 2 || r.code() == 1) {
                // INFO lines are the test logger's (the CLI's own JVM logs from WARN up).
                List<String> lines = r.err().strip().lines().filter(l -> !l.startsWith("INFO ")).toList();
                if (lines.size() != 1 || !lines.get(0).startsWith("clayers " + command + ":")) {
                    throw new AssertionError("stderr is not one 'clayers " + command + ":' line: " + r);
                }
                // Before the fix a value picocli could not convert printed a second line (the usage hint); export and
                // import wrote over their own input.
                if (lines.get(0).endsWith("for usage)") || label.endsWith("itself")) {
                    sweep.markFixed();
                }
                if (r.code() == 1 && !lines.get(0).contains("diverged")) throw new AssertionError("exit 1 without divergence: " + r);
                if (lines.get(0).contains("Exception") && !lines.get(0).contains("InvalidOption")) {
                    throw new AssertionError("an exception's name in the message: " + lines.get(0));
                }
            } else if (r.code() != 0) {
                throw new AssertionError("exit " + r.code() + ": " + r);
            }
            if (label.endsWith("itself") && r.code() != 2) throw new AssertionError("wrote over its own input: " + r);
            // What the command was asked to write: the values of its output options.
            List<Path> targets = new ArrayList<>();
            Set<String> outputOptions = new TreeSet<>(List.of("--save", "--metrics", "--plot", "--checkpoint-dir", "--png", "--svg", "--dot",
                    "--json", "--csv"));
            if (command.equals("export")) outputOptions.add("--onnx");
            if (command.equals("import")) outputOptions.add("--model");
            for (int i = 0; i + 1 < a.length; i++) {
                if (outputOptions.contains(a[i]) && !a[i + 1].isBlank()) targets.add(Path.of(a[i + 1]).toAbsolutePath().normalize());
            }
            Set<String> after = listing(inputs);
            for (String changed : symmetricDifference(before, after)) {
                Path p = Path.of(changed.substring(0, changed.indexOf(' ')));
                if (targets.stream().noneMatch(t -> p.equals(t) || p.startsWith(t) && a[0].equals("train"))) {
                    throw new AssertionError("changed " + p + " in the inputs' folder, not asked for (exit " + r.code() + ")");
                }
            }
            if (!names(Path.of("")).equals(cwd)) throw new AssertionError("a file appeared in the working directory");
            for (String n : names(out)) {
                if (targets.stream().noneMatch(t -> t.startsWith(out.resolve(n)) || out.resolve(n).startsWith(t))) {
                    throw new AssertionError("wrote " + n + ", not asked for (exit " + r.code() + ")");
                }
            }
            if (r.code() != 0 && !names(out).isEmpty() && !label.contains("checkpoint")) {
                throw new AssertionError("a failed run left " + names(out));
            }
        });
    }

    static final String[] NUMBERS = {"0", "-1", "NaN", "Infinity", "-Infinity", "1e309", "99999999999", "2147483648", "-0", "",
        " ", "0x10", "1_000", "\u0663", "1e-45", "3e38", "abc", "1,", "--"};

    @Test
    void sweep() throws IOException {
        Sweep sweep = Sweep.of("CLI");
        String[] train = {"train", "--device", "cpu", "--data", data.toString(), "--hidden", "8", "--epochs", "1", "--batch", "20",
            "--no-progress"};
        cli(sweep, "train, plain", Set.of(), train);
        for (String opt : new String[] {"--hidden", "--lr", "--epochs", "--batch", "--seed", "--weight-decay", "--dropout", "--augment",
            "--early-stop", "--min-delta", "--stop-after", "--init"}) {
            for (String v : NUMBERS) {
                String[] a = with(train, opt, v);
                if (opt.equals("--early-stop") || opt.equals("--min-delta")) a = with(a, "--monitor", "loss");
                cli(sweep, "train " + opt + " '" + v + "'", Set.of(), a);
            }
        }
        for (String v : new String[] {"-", "---", "conv", "conv0k3", "conv8k0", "conv8k3s0", "conv8k3p-1", "conv8k99", "pool0",
            "conv8k3-pool9", "bn-bn-bn", "relu", "conv2147483647k3", "conv8k3 relu", "conv8k3,,", "dense99999999999", "conv1k28p27-conv1k28p27"}) {
            cli(sweep, "train --net '" + v + "'", Set.of(), with(train, "--net", v));
        }
        for (String[] pair : new String[][] {{"--save", "m.safetensors"}, {"--metrics", "m.csv"}, {"--plot", "p.png"},
            {"--checkpoint-dir", "ck"}}) {
            cli(sweep, "train " + pair[0] + " into {out}", Set.of(pair[1]), with(train, pair[0], "{out}/" + pair[1]));
            cli(sweep, "train " + pair[0] + " ''", Set.of(), with(train, pair[0], ""));
            cli(sweep, "train " + pair[0] + " into a folder", Set.of(), with(train, pair[0], "{out}"));
            cli(sweep, "train " + pair[0] + " into the data folder", Set.of(), with(train, pair[0], data.toString()));
            cli(sweep, "train " + pair[0] + " under a missing folder", Set.of(), with(train, pair[0], "{out}/no/such/" + pair[1]));
            cli(sweep, "train " + pair[0] + " over the model", Set.of(), with(train, pair[0], model.toString()));
        }
        cli(sweep, "train --save and --metrics on one file", Set.of(), with(with(train, "--save", "{out}/x"), "--metrics", "{out}/x"));
        cli(sweep, "train --from the model", Set.of(), with(train, "--from", model.toString()));
        cli(sweep, "train --from the png", Set.of(), with(train, "--from", png.toString()));
        cli(sweep, "train --from the onnx", Set.of(), with(train, "--from", onnx.toString()));
        cli(sweep, "train --resume an empty folder", Set.of(), "train", "--resume", "{out}", "--device", "cpu", "--no-progress");
        cli(sweep, "train --data the model", Set.of(), with(train, "--data", model.toString()));
        for (String d : new String[] {"", "cpu:1", "opencl", "opencl:0", "opencl:-1:0", "opencl:99999999999:0", "opencl:0:0:0", "OPENCL:0:0",
            "auto,cpu", "cpu,cpu", "gpu"}) {
            cli(sweep, "train --device '" + d + "'", Set.of(), with(train, "--device", d));
        }

        String[] eval = {"eval", "--model", model.toString(), "--device", "cpu", "--data", data.toString()};
        cli(sweep, "eval, plain", Set.of(), eval);
        for (String m : new String[] {"", inputs.toString(), png.toString(), onnx.toString(), "/dev/null", "/dev/zero", data.resolve(MnistDataset.TRAIN_IMAGES).toString()}) {
            cli(sweep, "eval --model '" + m + "'", Set.of(), with(eval, "--model", m));
            cli(sweep, "predict --model '" + m + "'", Set.of(), "predict", "--model", m, "--device", "cpu", png.toString());
            cli(sweep, "export --model '" + m + "'", Set.of(), "export", "--model", m, "--onnx", "{out}/x.onnx");
        }
        for (String d : new String[] {"", model.toString(), "/dev/null", inputs.toString(), "{out}"}) {
            cli(sweep, "eval --data '" + d + "'", Set.of(), with(eval, "--data", d));
        }
        for (String d : new String[] {"opencl:5:5", "-1", "cpu,opencl:0:0", "all"}) cli(sweep, "eval --device " + d, Set.of(), with(eval, "--device", d));

        String[] predict = {"predict", "--model", model.toString(), "--device", "cpu", png.toString()};
        cli(sweep, "predict, plain", Set.of(), predict);
        for (String p : new String[] {"", model.toString(), "/dev/null", "/dev/zero", inputs.toString(), "{out}/none.png", "-"}) {
            cli(sweep, "predict '" + p + "'", Set.of(), "predict", "--model", model.toString(), "--device", "cpu", p);
        }
        List<String> many = new ArrayList<>(Arrays.asList(predict));
        for (int k = 0; k < 50; k++) many.add(png.toString());
        cli(sweep, "predict the same picture 50 times", Set.of(), many.toArray(new String[0]));

        pictureCases(sweep, predict);
        dataCases(sweep, eval);

        String[] export = {"export", "--model", model.toString(), "--onnx", "{out}/m.onnx"};
        cli(sweep, "export, plain", Set.of("m.onnx"), export);
        for (String o : new String[] {"", "{out}", "/dev/null", model.toString(), onnx.toString(), "{out}/no/such/m.onnx", "/proc/self/x.onnx"}) {
            cli(sweep, "export --onnx '" + o + "'", Set.of(), "export", "--model", model.toString(), "--onnx", o);
        }
        cli(sweep, "export --onnx the model itself", Set.of(), "export", "--model", model.toString(), "--onnx", model.toString());

        String[] imp = {"import", "--onnx", onnx.toString(), "--model", "{out}/m.safetensors"};
        cli(sweep, "import, plain", Set.of("m.safetensors"), imp);
        for (String o : new String[] {"", "{out}", "/dev/null", model.toString(), onnx.toString(), "{out}/no/such/m.safetensors"}) {
            cli(sweep, "import --model '" + o + "'" + (o.equals(onnx.toString()) ? ", the input itself" : ""), Set.of(),
                    "import", "--onnx", onnx.toString(), "--model", o);
        }
        for (String i : new String[] {"", model.toString(), png.toString(), "/dev/zero", "/dev/null", inputs.toString()}) {
            cli(sweep, "import --onnx '" + i + "'", Set.of(), "import", "--onnx", i, "--model", "{out}/m.safetensors");
        }

        String[] graph = {"graph", "apple", "--svg", "{out}/g.svg"};
        cli(sweep, "graph, plain", Set.of("g.svg"), graph);
        for (String opt : new String[] {"--apple", "--apple-num", "--tax"}) {
            for (String v : new String[] {"NaN", "-1", "1e309", "99999999999", "abc", "3e38", ""}) {
                cli(sweep, "graph apple " + opt + " '" + v + "'", Set.of("g.svg"), with(graph, opt, v));
            }
        }
        for (String s : new String[] {"1,2,NaN", "", ",", "1e309,1", "1", String.join(",", java.util.Collections.nCopies(101, "1"))}) {
            cli(sweep, "graph softmax-loss --scores '" + (s.length() > 20 ? "101 scores" : s) + "'", Set.of("g.svg"),
                    "graph", "softmax-loss", "--scores", s, "--label", "0", "--svg", "{out}/g.svg");
        }
        for (String l : new String[] {"-1", "3", "2147483648", "NaN"}) {
            cli(sweep, "graph softmax-loss --label " + l, Set.of("g.svg"), "graph", "softmax-loss", "--scores", "1,2,3", "--label", l,
                    "--svg", "{out}/g.svg");
        }
        for (String o : new String[] {"", "{out}", "/dev/null", model.toString(), "{out}/no/such/g.svg"}) {
            cli(sweep, "graph --svg '" + o + "'", Set.of(), "graph", "apple", "--svg", o);
            cli(sweep, "graph --png '" + o + "'", Set.of(), "graph", "apple", "--png", o);
        }
        cli(sweep, "graph --svg and --dot on one file", Set.of(), "graph", "apple", "--svg", "{out}/g", "--dot", "{out}/g");
        cli(sweep, "graph an unknown kind", Set.of(), "graph", "pear", "--svg", "{out}/g.svg");
        cli(sweep, "graph --model the png", Set.of(), "graph", "--model", png.toString(), "--svg", "{out}/g.svg");

        String[] bench = {"bench", "--quick", "--device", "cpu", "--only", "gemm", "--gemm", "8x8x8", "--reps", "1"};
        cli(sweep, "bench, plain", Set.of(), bench);
        for (String g : new String[] {"0x8x8", "-8x8x8", "8x8", "99999999999x1x1", "100000x100000x100000", "8x8x8x8", "axbxc", ""}) {
            cli(sweep, "bench --gemm " + g, Set.of(), with(bench, "--gemm", g));
        }
        for (String v : new String[] {"0", "-1", "99999999999", "NaN"}) {
            cli(sweep, "bench --reps " + v, Set.of(), with(bench, "--reps", v));
            cli(sweep, "bench --batch " + v, Set.of(), with(with(bench, "--only", "step"), "--batch", v));
        }
        for (String w : new String[] {"", "nothing", "gemm,,", "GEMM"}) cli(sweep, "bench --only '" + w + "'", Set.of(), with(bench, "--only", w));
        for (String[] pair : new String[][] {{"--json", "b.json"}, {"--csv", "b.csv"}}) {
            cli(sweep, "bench " + pair[0] + " into {out}", Set.of(pair[1]), with(bench, pair[0], "{out}/" + pair[1]));
            cli(sweep, "bench " + pair[0] + " /dev/null", Set.of(), with(bench, pair[0], "/dev/null"));
            cli(sweep, "bench " + pair[0] + " over the model", Set.of(), with(bench, pair[0], model.toString()));
        }
        cli(sweep, "bench --compare the model and the png", Set.of(), "bench", "--compare", model.toString(), png.toString());
        cli(sweep, "bench --compare /dev/zero twice", Set.of(), "bench", "--compare", "/dev/zero", "/dev/zero");
        sweep.finish();
    }

    /** Pictures of every kind ImageIO writes, and damaged ones: predicted or refused in one line. */
    static void pictureCases(Sweep sweep, String[] predict) throws IOException {
        Path pics = Files.createDirectories(dir.resolve("pics"));
        List<Path> files = new ArrayList<>();
        int[] types = {java.awt.image.BufferedImage.TYPE_BYTE_GRAY, java.awt.image.BufferedImage.TYPE_USHORT_GRAY,
            java.awt.image.BufferedImage.TYPE_INT_RGB, java.awt.image.BufferedImage.TYPE_INT_ARGB, java.awt.image.BufferedImage.TYPE_BYTE_BINARY,
            java.awt.image.BufferedImage.TYPE_BYTE_INDEXED};
        for (int type : types) {
            for (int[] size : new int[][] {{1, 1}, {28, 28}, {3, 500}}) {
                java.awt.image.BufferedImage img = new java.awt.image.BufferedImage(size[0], size[1], type);
                for (int y = 0; y < size[1]; y++) for (int x = 0; x < size[0]; x++) img.setRGB(x, y, (x * 37 + y * 11) % 2 == 0 ? 0xff000000 : 0xffffffff);
                for (String format : type == java.awt.image.BufferedImage.TYPE_INT_ARGB ? new String[] {"png"} : new String[] {"png", "bmp", "gif"}) {
                    Path f = pics.resolve("t" + type + "-" + size[0] + "x" + size[1] + "." + format);
                    if (javax.imageio.ImageIO.write(img, format, f.toFile())) files.add(f);
                }
            }
        }
        byte[] good = Files.readAllBytes(png);
        for (int cut : new int[] {0, 4, 8, 16, 33, good.length / 2, good.length - 12, good.length - 1}) {
            Path f = pics.resolve("cut" + cut + ".png");
            Files.write(f, Arrays.copyOf(good, cut));
            files.add(f);
        }
        Path text = pics.resolve("text.png");
        Files.writeString(text, "not a picture");
        files.add(text);
        Path jpegHead = pics.resolve("head.jpg");
        Files.write(jpegHead, new byte[] {(byte) 0xff, (byte) 0xd8, (byte) 0xff, (byte) 0xe0, 0, 16});
        files.add(jpegHead);
        for (int w : new int[] {0, -1, 65536}) {
            byte[] b = good.clone();
            java.nio.ByteBuffer.wrap(b).putInt(16, w);   // IHDR width, its CRC now wrong
            Path f = pics.resolve("width" + w + ".png");
            Files.write(f, b);
            files.add(f);
        }
        for (Path f : files) {
            String[] a = Arrays.copyOf(predict, predict.length);
            a[a.length - 1] = f.toString();
            cli(sweep, "predict " + f.getFileName(), Set.of(), a);
        }
    }

    /** Damaged MNIST folders: evaluated or refused in one line, quickly, never allocating what a header claims. */
    static void dataCases(Sweep sweep, String[] eval) throws IOException {
        byte[] images = Files.readAllBytes(data.resolve(MnistDataset.TEST_IMAGES));
        byte[] labels = Files.readAllBytes(data.resolve(MnistDataset.TEST_LABELS));
        java.util.Map<String, byte[][]> cases = new java.util.LinkedHashMap<>();
        java.util.function.BiFunction<Integer, Integer, byte[]> imagesWith = (at, v) -> {
            byte[] b = images.clone();
            java.nio.ByteBuffer.wrap(b).putInt(at, v);
            return b;
        };
        cases.put("image magic 0", new byte[][] {imagesWith.apply(0, 0), labels});
        cases.put("image count MAX", new byte[][] {imagesWith.apply(4, Integer.MAX_VALUE), labels});
        cases.put("image count -1", new byte[][] {imagesWith.apply(4, -1), labels});
        cases.put("image count 0", new byte[][] {imagesWith.apply(4, 0), labels});
        cases.put("image rows 0", new byte[][] {imagesWith.apply(8, 0), labels});
        cases.put("image rows 65536", new byte[][] {imagesWith.apply(8, 65536), labels});
        cases.put("image rows -28", new byte[][] {imagesWith.apply(8, -28), labels});
        cases.put("image cols 14", new byte[][] {imagesWith.apply(12, 14), labels});
        cases.put("images truncated", new byte[][] {Arrays.copyOf(images, images.length / 2), labels});
        cases.put("images header only", new byte[][] {Arrays.copyOf(images, 16), labels});
        cases.put("images 3 bytes", new byte[][] {Arrays.copyOf(images, 3), labels});
        cases.put("images with trailing bytes", new byte[][] {Arrays.copyOf(images, images.length + 100), labels});
        byte[] bigLabel = labels.clone();
        bigLabel[8] = (byte) 200;
        cases.put("a label of 200", new byte[][] {images, bigLabel});
        byte[] fewer = labels.clone();
        java.nio.ByteBuffer.wrap(fewer).putInt(4, 39);
        cases.put("a label count one short", new byte[][] {images, Arrays.copyOf(fewer, fewer.length - 1)});
        cases.put("labels empty", new byte[][] {images, new byte[0]});
        for (java.util.Map.Entry<String, byte[][]> c : cases.entrySet()) {
            Path d = Files.createDirectories(dir.resolve("data" + counter++));
            for (String name : new String[] {MnistDataset.TRAIN_IMAGES, MnistDataset.TRAIN_LABELS}) Files.copy(data.resolve(name), d.resolve(name));
            Files.write(d.resolve(MnistDataset.TEST_IMAGES), c.getValue()[0]);
            Files.write(d.resolve(MnistDataset.TEST_LABELS), c.getValue()[1]);
            cli(sweep, "eval --data with " + c.getKey(), Set.of(), with(eval, "--data", d.toString()));
        }
    }

    /** {@code args} with {@code option value} set: replaced where the option is, else appended. */
    static String[] with(String[] args, String option, String value) {
        List<String> a = new ArrayList<>(Arrays.asList(args));
        int i = a.indexOf(option);
        if (i >= 0 && i + 1 < a.size()) {
            a.set(i + 1, value);
        } else {
            a.add(option);
            a.add(value);
        }
        return a.toArray(new String[0]);
    }
}
