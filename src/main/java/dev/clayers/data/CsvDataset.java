package dev.clayers.data;

import dev.clayers.Limits;
import dev.clayers.io.InputFiles;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeSet;

/**
 * Loads a table: one row per line, numeric feature columns and one label column.
 *
 * <pre>{@code
 * NamedDataset iris = CsvDataset.load(Path.of("iris.csv"), CsvDataset.Options.labelNamed("species"));
 * NamedDataset raw = CsvDataset.load(Path.of("data.csv"), CsvDataset.Options.labelAt(0, false));
 * }</pre>
 *
 * <p>Every column but the label is a feature, in file order, parsed as a float; a value that is
 * not a number, or is not finite ({@code NaN}, {@code Infinity}, {@code 1e99} beyond float), is
 * refused with the line and the column. Labels: when every label is a whole number
 * {@code 0, 1, 2, ...} (digits only) it is the class index (classes {@code 0 .. max}, named by
 * their numbers); otherwise each distinct label text is a class, sorted, so {@code setosa,
 * versicolor, virginica} become 0, 1, 2 ({@link NamedDataset#classNames()} keeps the texts).
 * Fields are trimmed; a field may be quoted with {@code "} (a doubled {@code ""} inside is one
 * quote), which lets a label hold the separator. Blank lines are skipped.
 *
 * <p>Caps: lines of at most {@link Limits#MAX_CSV_LINE_CHARS} characters, at most
 * {@link Limits#MAX_LAYER_WIDTH} columns, the whole table within one array
 * ({@link Limits#MAX_MATRIX_ELEMENTS} values).
 *
 * <p>Thread rule: stateless; any number of threads may load at once.
 */
public final class CsvDataset {
    private CsvDataset() {}

    /**
     * How to read a table.
     *
     * @param header     whether the first line names the columns
     * @param labelName  the label column's name in the header, or null to use {@code labelIndex}
     * @param labelIndex the label column's 0-based index when {@code labelName} is null
     * @param separator  the field separator ({@code ','}; {@code ';'} or a tab in some locales)
     */
    public record Options(boolean header, String labelName, int labelIndex, char separator) {
        /**
         * Checks the options.
         *
         * @throws IllegalArgumentException when a label column is named without a header, an index is negative, or the
         *         separator is a quote or a line break
         */
        public Options {
            if (labelName != null && !header) {
                throw new IllegalArgumentException("a label column by name (" + labelName + ") needs a header line");
            }
            if (labelName == null && labelIndex < 0) {
                throw new IllegalArgumentException("the label column index must be >= 0, got " + labelIndex);
            }
            if (separator == '"' || separator == '\n' || separator == '\r') {
                throw new IllegalArgumentException("the separator cannot be a quote or a line break");
            }
        }

        /** A header line, the label in the column of this name, comma-separated. */
        public static Options labelNamed(String name) {
            if (name == null || name.isBlank()) throw new IllegalArgumentException("the label column needs a name");
            return new Options(true, name, -1, ',');
        }

        /** The label in column {@code index} (0-based), with or without a header line, comma-separated. */
        public static Options labelAt(int index, boolean header) {
            return new Options(header, null, index, ',');
        }

        /** These options with another separator. */
        public Options separator(char c) {
            return new Options(header, labelName, labelIndex, c);
        }
    }

    /**
     * Reads the table.
     *
     * @throws IOException when the file cannot be read, naming it
     * @throws IllegalArgumentException one line naming the file, the line and the column of the
     *         first bad value, row width or label, or the cap exceeded
     */
    public static NamedDataset load(Path file, Options options) throws IOException {
        InputFiles.requireRegularFile(file, "a CSV file");
        List<String> columns = null;
        int labelColumn = options.labelName() == null ? options.labelIndex() : -1;
        int width = -1;
        float[] values = new float[1024];
        long used = 0;
        List<String> labelTexts = new ArrayList<>();
        List<Integer> labelLines = new ArrayList<>();
        try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            StringBuilder line = new StringBuilder();
            for (long number = 1; readLine(in, line, file, number); number++) {
                if (line.toString().isBlank()) continue;
                List<String> fields = split(line, options.separator(), file, number);
                if (width < 0) {
                    width = fields.size();
                    if (width > Limits.MAX_LAYER_WIDTH) {
                        throw new IllegalArgumentException(where(file, number) + fields.size() + " columns, more than the limit of "
                                + Limits.format(Limits.MAX_LAYER_WIDTH) + "; " + Limits.howToRaise("clayers.maxLayerWidth"));
                    }
                    if (width < 2) {
                        throw new IllegalArgumentException(where(file, number) + "one column; a table needs a label and at least one"
                                + " feature (is the separator '" + options.separator() + "' right?)");
                    }
                    if (options.header()) {
                        columns = fields;
                        if (options.labelName() != null) {
                            labelColumn = fields.indexOf(options.labelName());
                            if (labelColumn < 0) {
                                throw new IllegalArgumentException(where(file, number) + "no column named '" + options.labelName()
                                        + "' in the header; it has " + String.join(", ", fields));
                            }
                        }
                    }
                    if (labelColumn >= width) {
                        throw new IllegalArgumentException(where(file, number) + "the label column " + labelColumn
                                + " is beyond the " + width + " columns (0-based)");
                    }
                    if (options.header()) continue;
                }
                if (fields.size() != width) {
                    throw new IllegalArgumentException(where(file, number) + fields.size() + " columns, but "
                            + (columns != null ? "the header has " : "the first line has ") + width);
                }
                if (used + width - 1 > Limits.MAX_MATRIX_ELEMENTS) {
                    throw new IllegalArgumentException(where(file, number) + "the table exceeds "
                            + Limits.format(Limits.MAX_MATRIX_ELEMENTS) + " values, more than one array holds");
                }
                if (used + width > values.length) {
                    values = Arrays.copyOf(values, (int) Math.min(Limits.MAX_MATRIX_ELEMENTS,
                            Math.max(used + width, 2L * values.length)));
                }
                for (int c = 0; c < width; c++) {
                    if (c == labelColumn) continue;
                    values[(int) used++] = number(fields.get(c), file, number, c, columns);
                }
                String label = fields.get(labelColumn);
                if (label.isEmpty()) {
                    throw new IllegalArgumentException(where(file, number) + "the label (" + column(labelColumn, columns)
                            + ") is empty");
                }
                labelTexts.add(label);
                labelLines.add((int) Math.min(Integer.MAX_VALUE, number));
            }
        }
        if (labelTexts.isEmpty()) throw new IllegalArgumentException(file + ": no data rows");
        int[] labels = new int[labelTexts.size()];
        List<String> names = classes(labelTexts, labels, file, labelLines);
        String name = file.getFileName().toString();
        return new NamedDataset(new Dataset(name, Arrays.copyOf(values, (int) used), labels, 1, 1, width - 1, names.size()),
                names);
    }

    /** Fills {@code labels} and returns the class names (see the class comment for the two ways). */
    private static List<String> classes(List<String> texts, int[] labels, Path file, List<Integer> lines) {
        boolean numbers = texts.stream().allMatch(t -> t.chars().allMatch(ch -> ch >= '0' && ch <= '9'));
        if (numbers) {
            int max = 0;
            for (int i = 0; i < labels.length; i++) {
                String t = texts.get(i);
                long v = t.length() > 10 ? Long.MAX_VALUE : Long.parseLong(t);
                if (v >= Limits.MAX_LAYER_WIDTH) {
                    throw new IllegalArgumentException(file + ":" + lines.get(i) + ": label " + t + " is beyond the limit of "
                            + Limits.format(Limits.MAX_LAYER_WIDTH) + " classes");
                }
                labels[i] = (int) v;
                max = Math.max(max, labels[i]);
            }
            List<String> names = new ArrayList<>();
            for (int c = 0; c <= max; c++) names.add(Integer.toString(c));
            return names;
        }
        List<String> names = new ArrayList<>(new TreeSet<>(texts));
        if (names.size() > Limits.MAX_LAYER_WIDTH) {
            throw new IllegalArgumentException(file + ": " + names.size() + " distinct labels, more than the limit of "
                    + Limits.format(Limits.MAX_LAYER_WIDTH) + " classes");
        }
        for (int i = 0; i < labels.length; i++) labels[i] = java.util.Collections.binarySearch(names, texts.get(i));
        return names;
    }

    private static float number(String field, Path file, long line, int c, List<String> columns) {
        float v;
        try {
            v = Float.parseFloat(field);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(where(file, line) + column(c, columns) + ": '" + abbreviate(field)
                    + "' is not a number");
        }
        // parseFloat also takes "NaN", "Infinity", "1e99" (to infinity) and a trailing f or d; the first three are refused.
        if (!Float.isFinite(v)) {
            throw new IllegalArgumentException(where(file, line) + column(c, columns) + ": '" + abbreviate(field)
                    + "' is not a finite float");
        }
        return v;
    }

    private static String column(int c, List<String> columns) {
        return "column " + (c + 1) + (columns != null ? " (" + columns.get(c) + ")" : "");
    }

    private static String where(Path file, long line) {
        return file + ":" + line + ": ";
    }

    private static String abbreviate(String s) {
        return s.length() <= 40 ? s : s.substring(0, 37) + "...";
    }

    /** Reads one line (without its terminator) into {@code line}; false at the end. Refuses a line over the cap. */
    private static boolean readLine(BufferedReader in, StringBuilder line, Path file, long number) throws IOException {
        line.setLength(0);
        int ch = in.read();
        if (ch < 0) return false;
        while (ch >= 0 && ch != '\n') {
            if (ch != '\r') {
                if (line.length() >= Limits.MAX_CSV_LINE_CHARS) {
                    throw new IllegalArgumentException(where(file, number) + "the line is longer than "
                            + Limits.format(Limits.MAX_CSV_LINE_CHARS) + " characters; " + Limits.howToRaise("clayers.maxCsvLineChars"));
                }
                line.append((char) ch);
            }
            ch = in.read();
        }
        return true;
    }

    /** Splits a line at the separator, honouring double quotes; fields trimmed. */
    static List<String> split(CharSequence line, char sep, Path file, long number) {
        List<String> out = new ArrayList<>();
        StringBuilder field = new StringBuilder();
        boolean quoted = false, wasQuoted = false;
        for (int i = 0; i < line.length(); i++) {
            char ch = line.charAt(i);
            if (quoted) {
                if (ch == '"') {
                    if (i + 1 < line.length() && line.charAt(i + 1) == '"') {
                        field.append('"');
                        i++;
                    } else {
                        quoted = false;
                    }
                } else {
                    field.append(ch);
                }
            } else if (ch == '"' && field.toString().isBlank()) {
                quoted = true;
                wasQuoted = true;
                field.setLength(0);
            } else if (ch == sep) {
                out.add(wasQuoted ? field.toString() : field.toString().trim());
                field.setLength(0);
                wasQuoted = false;
            } else {
                field.append(ch);
            }
        }
        if (quoted) throw new IllegalArgumentException(where(file, number) + "a quote is not closed");
        out.add(wasQuoted ? field.toString() : field.toString().trim());
        return out;
    }
}
