package dev.clayers.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ImageFolderTest {
    /** A grey picture holding these stored levels, row after row. */
    private static void grey(Path file, int w, int h, int... levels) throws IOException {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_BYTE_GRAY);
        for (int i = 0; i < levels.length; i++) img.getRaster().setSample(i % w, i / w, 0, levels[i]);
        Files.createDirectories(file.getParent());
        ImageIO.write(img, file.toString().toLowerCase(java.util.Locale.ROOT).endsWith(".png") ? "png" : "jpeg", file.toFile());
    }

    private static void rgb(Path file, int w, int h, int... rgbs) throws IOException {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int i = 0; i < rgbs.length; i++) img.setRGB(i % w, i / w, rgbs[i]);
        Files.createDirectories(file.getParent());
        ImageIO.write(img, "png", file.toFile());
    }

    @Test
    void classesAreSortedSubFoldersAndLevelsAreReadAsStored(@TempDir Path root) throws IOException {
        grey(root.resolve("dog/b.png"), 2, 2, 29, 0, 255, 128);
        grey(root.resolve("dog/a.PNG"), 2, 2, 10, 20, 30, 40);
        grey(root.resolve("cat/only.png"), 2, 2, 1, 2, 3, 4);
        Files.writeString(root.resolve("dog/notes.txt"), "skipped");
        Files.writeString(root.resolve("README"), "skipped");
        Files.createDirectories(root.resolve(".hidden"));
        NamedDataset nd = ImageFolder.load(root, 2, 2, ImageFolder.Colour.GREY);
        Dataset d = nd.dataset();
        assertEquals(List.of("cat", "dog"), nd.classNames());
        assertEquals(3, d.size());
        assertArrayEquals(new int[] {0, 1, 1}, d.labels());
        assertEquals(1, d.channels());
        assertEquals(2, d.imageHeight());
        assertArrayEquals(new float[] {1 / 255f, 2 / 255f, 3 / 255f, 4 / 255f}, d.row(0));
        assertArrayEquals(new float[] {10 / 255f, 20 / 255f, 30 / 255f, 40 / 255f}, d.row(1), "a.PNG before b.png");
        // A stored 29 is 29/255, not the 95 that getRGB's sRGB conversion gives.
        assertArrayEquals(new float[] {29 / 255f, 0, 1, 128 / 255f}, d.row(2));
        assertEquals(root.getFileName().toString(), d.name());
    }

    @Test
    void rgbGivesThreePlanesAndGreyTheLuma(@TempDir Path root) throws IOException {
        rgb(root.resolve("x/p.png"), 2, 1, 0xFF0000, 0x00FF80);
        Dataset c = ImageFolder.load(root, 1, 2, ImageFolder.Colour.RGB).dataset();
        assertEquals(6, c.features());
        assertArrayEquals(new float[] {1, 0, 0, 1, 0, 128 / 255f}, c.row(0), "R plane, G plane, B plane");
        Dataset g = ImageFolder.load(root, 1, 2, ImageFolder.Colour.GREY).dataset();
        assertEquals(0.299f, g.row(0)[0], 1e-6f);
        assertEquals((float) (0.587 + 0.114 * 128 / 255.0), g.row(0)[1], 1e-6f);
        // A grey picture read as RGB gives its level in each plane.
        grey(root.resolve("y/q.png"), 1, 1, 51);
        Dataset both = ImageFolder.load(root, 1, 1, ImageFolder.Colour.RGB).dataset();
        assertArrayEquals(new float[] {0.2f, 0.2f, 0.2f}, both.row(1));
    }

    @Test
    void resizingAveragesTheAreaEachPixelCovers(@TempDir Path root) throws IOException {
        grey(root.resolve("a/p.png"), 4, 2, 0, 40, 80, 120, 160, 200, 240, 255);
        Dataset half = ImageFolder.load(root, 1, 2, ImageFolder.Colour.GREY).dataset();
        assertArrayEquals(new float[] {(0 + 40 + 160 + 200) / 4f / 255, (80 + 120 + 240 + 255) / 4f / 255}, half.row(0), 1e-6f);
        // 2 -> 3 columns: the middle output pixel covers half of each source pixel.
        float[] up = ImageFolder.resize(new float[] {0, 0.6f}, 2, 1, 3, 1);
        assertArrayEquals(new float[] {0, 0.3f, 0.6f}, up, 1e-6f);
        float[] same = {0.1f, 0.2f, 0.3f, 0.4f};
        assertArrayEquals(same, ImageFolder.resize(same, 2, 2, 2, 2), 0f);
        // A JPEG loads too (lossy: only its shape is checked).
        grey(root.resolve("a/q.jpg"), 8, 8, new int[64]);
        assertEquals(2, ImageFolder.load(root, 3, 5, ImageFolder.Colour.GREY).dataset().size());
    }

    @Test
    void badInputFailsNamingTheFileOrFolder(@TempDir Path root) throws IOException {
        NoSuchFileException missing = assertThrows(NoSuchFileException.class,
                () -> ImageFolder.load(root.resolve("nope"), 2, 2, ImageFolder.Colour.GREY));
        assertTrue(missing.getMessage().contains("nope"));
        IOException noClasses = assertThrows(IOException.class, () -> ImageFolder.load(root, 2, 2, ImageFolder.Colour.GREY));
        assertTrue(noClasses.getMessage().contains("no class sub-folders"), noClasses.getMessage());
        Files.createDirectories(root.resolve("empty"));
        IOException empty = assertThrows(IOException.class, () -> ImageFolder.load(root, 2, 2, ImageFolder.Colour.GREY));
        assertTrue(empty.getMessage().startsWith(root.resolve("empty") + ": no .png"), empty.getMessage());
        grey(root.resolve("empty/ok.png"), 1, 1, 5);
        Files.writeString(root.resolve("empty/broken.png"), "not a picture");
        IOException broken = assertThrows(IOException.class, () -> ImageFolder.load(root, 2, 2, ImageFolder.Colour.GREY));
        assertTrue(broken.getMessage().startsWith(root.resolve("empty/broken.png").toString()), broken.getMessage());
        IllegalArgumentException big = assertThrows(IllegalArgumentException.class,
                () -> ImageFolder.load(root, 4000, 4000, ImageFolder.Colour.RGB));
        assertTrue(big.getMessage().contains("clayers.maxImageValues"), big.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ImageFolder.load(root, 0, 2, ImageFolder.Colour.GREY));
        Path file = Files.writeString(root.resolve("plain.txt"), "x");
        assertThrows(IOException.class, () -> ImageFolder.load(file, 2, 2, ImageFolder.Colour.GREY));
    }
}
