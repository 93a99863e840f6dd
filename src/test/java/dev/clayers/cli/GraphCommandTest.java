package dev.clayers.cli;

import dev.clayers.backend.Backend;
import dev.clayers.backend.Backends;
import dev.clayers.net.ModelFile;
import dev.clayers.net.LayerSpec;
import dev.clayers.net.Sequential;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GraphCommandTest {
    @Test
    void appleTextHasTheBooksNumbers() {
        CliRunner.Result r = CliRunner.run("graph", "apple");
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.out().contains("output: price 220"), r.toString());
        assertTrue(r.out().contains("gradients: d apple 2.2, d apple_num 110, d tax 200"), r.toString());
    }

    @Test
    void appleOrangeTakesOtherPrices() {
        CliRunner.Result r = CliRunner.run("graph", "apple-orange", "--apple", "120", "--orange-num", "1", "--tax", "1");
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.out().contains("output: price 390"), r.toString());
        assertTrue(r.out().contains("d orange 1, d orange_num 150, d tax 390"), r.toString());
    }

    @Test
    void sigmoidAndSoftmaxLoss() {
        CliRunner.Result r = CliRunner.run("graph", "sigmoid", "--x", "0");
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.out().contains("output: y 0.5") && r.out().contains("gradients: d x 0.25"), r.toString());
        r = CliRunner.run("graph", "softmax-loss", "--scores", "0,0", "--label", "0");
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.out().contains("gradients: d a1 -0.5, d a2 0.5"), r.toString());
    }

    @Test
    void picturesOfEveryGraph(@TempDir Path dir) throws Exception {
        for (String name : GraphCommand.NAMES) {
            Path png = dir.resolve(name + ".png"), svg = dir.resolve(name + ".svg"), dot = dir.resolve(name + ".dot");
            CliRunner.Result r = CliRunner.run("graph", name, "--png", png.toString(), "--svg", svg.toString(), "--dot", dot.toString());
            assertEquals(0, r.code(), r.toString());
            assertTrue(r.out().isEmpty(), r.toString());
            assertNotNull(ImageIO.read(png.toFile()), name);
            assertTrue(Files.readString(svg).contains("<svg"), name);
            assertTrue(Files.readString(dot).startsWith("digraph"), name);
        }
    }

    @Test
    void savedModelsLayerGraph(@TempDir Path dir) throws Exception {
        Path model = dir.resolve("m.safetensors");
        try (Backend be = Backends.open("cpu");
             Sequential net = Sequential.of(be, LayerSpec.affine(784, 50), LayerSpec.relu(), LayerSpec.affine(50, 10))) {
            ModelFile.save(model, net, Map.of());
        }
        CliRunner.Result r = CliRunner.run("graph", "--model", model.toString());
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.out().contains("affine1") && r.out().contains("39,250") && r.out().contains("39,760"), r.toString());
        Path png = dir.resolve("m.png");
        r = CliRunner.run("graph", "--model", model.toString(), "--png", png.toString());
        assertEquals(0, r.code(), r.toString());
        assertNotNull(ImageIO.read(png.toFile()));
    }

    private static void badInput(String expected, String... args) {
        CliRunner.Result r = CliRunner.run(args);
        assertEquals(2, r.code(), r.toString());
        assertTrue(r.err().contains(expected), r.toString());
        assertTrue(r.out().isEmpty(), r.toString());
    }

    @Test
    void badInputIsExit2WithOneLine(@TempDir Path dir) throws java.io.IOException {
        badInput("unknown graph 'pear'", "graph", "pear");
        badInput("give a graph NAME", "graph");
        badInput("'abc' is not a double", "graph", "sigmoid", "--x", "abc");
        badInput("--x must be a finite number", "graph", "sigmoid", "--x", "NaN");
        badInput("--tax applies to apple and apple-orange, not to sigmoid", "graph", "sigmoid", "--tax", "2");
        badInput("--label must be 0 to 2", "graph", "softmax-loss", "--label", "3");
        badInput("no such file", "graph", "--model", dir.resolve("missing.safetensors").toString());
        // The output rule of every command (OutputFiles.check): a missing folder is made, as for train --save, but
        // not under a file.
        Path afile = Files.writeString(dir.resolve("afile"), "x");
        badInput("is a file", "graph", "apple", "--png", afile.resolve("no/a.png").toString());
        badInput("is a folder", "graph", "apple", "--svg", dir.toString());
        CliRunner.Result r = CliRunner.run("graph", "pear");
        assertEquals(1, r.err().lines().count(), r.toString());
        assertFalse(Files.exists(dir.resolve("no")));
    }
}
