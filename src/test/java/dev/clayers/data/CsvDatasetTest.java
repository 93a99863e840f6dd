package dev.clayers.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class CsvDatasetTest {
    @TempDir
    Path dir;

    private Path csv(String text) throws IOException {
        return Files.writeString(dir.resolve("t.csv"), text);
    }

    @Test
    void labelByNameWithTextClassesSorted() throws IOException {
        Path f = csv("sepal,species,petal\n5.1, setosa ,1.4\r\n7.0,versicolor,4.7\n\n6.3,\"virginica, big\",6.0\n4.9,setosa,-1e-3\n");
        NamedDataset nd = CsvDataset.load(f, CsvDataset.Options.labelNamed("species"));
        Dataset d = nd.dataset();
        assertEquals(List.of("setosa", "versicolor", "virginica, big"), nd.classNames());
        assertEquals(4, d.size());
        assertEquals(2, d.features());
        assertFalseImage(d);
        assertArrayEquals(new int[] {0, 1, 2, 0}, d.labels());
        assertArrayEquals(new float[] {5.1f, 1.4f}, d.row(0));
        assertArrayEquals(new float[] {4.9f, -1e-3f}, d.row(3));
        assertEquals("t.csv", d.name());
    }

    private static void assertFalseImage(Dataset d) {
        assertEquals(false, d.isImage());
    }

    @Test
    void numericLabelsAreClassIndicesAndTheHeaderIsOptional() throws IOException {
        Path f = csv("2;0.5;1\n0;1.5;2\n");
        NamedDataset nd = CsvDataset.load(f, CsvDataset.Options.labelAt(0, false).separator(';'));
        assertEquals(List.of("0", "1", "2"), nd.classNames());
        assertEquals(3, nd.dataset().classes());
        assertArrayEquals(new int[] {2, 0}, nd.dataset().labels());
        assertArrayEquals(new float[] {1.5f, 2}, nd.dataset().row(1));
        NamedDataset last = CsvDataset.load(csv("a,b,y\n1,2,1\n3,4,0\n"), CsvDataset.Options.labelAt(2, true));
        assertArrayEquals(new float[] {1, 2, 3, 4}, last.dataset().images());
    }

    @Test
    void badValuesNameTheLineAndColumn() throws IOException {
        Path f = csv("x,y,label\n1,2,a\n1,two,b\n");
        assertEquals(f + ":3: column 2 (y): 'two' is not a number", message(f, CsvDataset.Options.labelNamed("label")));
        f = csv("x,y,label\n1,NaN,a\n");
        assertEquals(f + ":2: column 2 (y): 'NaN' is not a finite float", message(f, CsvDataset.Options.labelNamed("label")));
        f = csv("1,1e39,0\n");
        assertEquals(f + ":1: column 2: '1e39' is not a finite float", message(f, CsvDataset.Options.labelAt(2, false)));
        f = csv("x,y,label\n1,2,a\n1,2\n");
        assertEquals(f + ":3: 2 columns, but the header has 3", message(f, CsvDataset.Options.labelNamed("label")));
        f = csv("x,y,label\n1,2,a\n");
        assertEquals(f + ":1: no column named 'class' in the header; it has x, y, label",
                message(f, CsvDataset.Options.labelNamed("class")));
        assertEquals(f + ":1: the label column 5 is beyond the 3 columns (0-based)", message(f, CsvDataset.Options.labelAt(5, true)));
        f = csv("x,y,label\n1,2,\n");
        assertEquals(f + ":2: the label (column 3 (label)) is empty", message(f, CsvDataset.Options.labelNamed("label")));
        f = csv("x,y,label\n");
        assertEquals(f + ": no data rows", message(f, CsvDataset.Options.labelNamed("label")));
        f = csv("1,\"2,0\n");
        assertEquals(f + ":1: a quote is not closed", message(f, CsvDataset.Options.labelAt(0, false)));
        assertThrows(IllegalArgumentException.class, () -> new CsvDataset.Options(false, "label", -1, ','));
        assertThrows(IOException.class, () -> CsvDataset.load(dir.resolve("missing.csv"), CsvDataset.Options.labelAt(0, false)));
    }

    private static String message(Path f, CsvDataset.Options o) {
        return assertThrows(IllegalArgumentException.class, () -> CsvDataset.load(f, o)).getMessage();
    }
}
