package dev.clayers.spark;

import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.NumericType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

import java.util.Arrays;
import java.util.List;

/** Reading features and labels out of rows, and the columns a model adds. Internal. */
final class Columns {
    private Columns() {}

    private static StructField field(StructType schema, String name, String what) {
        if (name == null || name.isBlank()) throw new IllegalArgumentException(what + " column name is empty");
        if (!Arrays.asList(schema.fieldNames()).contains(name)) {
            throw new IllegalArgumentException(what + " column '" + name + "' is not in the data; its columns are "
                    + Arrays.toString(schema.fieldNames()));
        }
        return schema.apply(name);
    }

    static void requireFeatures(StructType schema, String name) {
        DataType t = field(schema, name, "features").dataType();
        boolean ok = t.sameType(SQLDataTypes.VectorType())
                || (t instanceof ArrayType a && a.elementType() instanceof NumericType);
        if (!ok) {
            throw new IllegalArgumentException("features column '" + name + "' is " + t.simpleString()
                    + "; it must be a vector (VectorAssembler makes one) or an array of numbers");
        }
    }

    static void requireLabel(StructType schema, String name) {
        DataType t = field(schema, name, "label").dataType();
        if (!(t instanceof NumericType)) {
            throw new IllegalArgumentException("label column '" + name + "' is " + t.simpleString()
                    + "; it must hold class numbers 0, 1, 2, ... (StringIndexer makes them)");
        }
    }

    static StructType withOutputs(StructType schema, String prediction, String probability) {
        for (String c : List.of(prediction, probability)) {
            if (Arrays.asList(schema.fieldNames()).contains(c)) {
                throw new IllegalArgumentException("output column '" + c + "' is already in the data; choose another name");
            }
        }
        if (prediction.equals(probability)) throw new IllegalArgumentException("prediction and probability columns are both '" + prediction + "'");
        return schema.add(prediction, DataTypes.DoubleType, false).add(probability, SQLDataTypes.VectorType(), false);
    }

    /** The features of {@code row}'s column {@code index} as floats. */
    static float[] features(Row row, int index) {
        Object v = row.get(index);
        if (v == null) throw new IllegalArgumentException("a row has no features (null)");
        if (v instanceof Vector vec) {
            double[] d = vec.toArray();
            float[] f = new float[d.length];
            for (int i = 0; i < d.length; i++) f[i] = (float) d[i];
            return f;
        }
        List<Object> list = row.getList(index);
        float[] f = new float[list.size()];
        for (int i = 0; i < f.length; i++) {
            Object o = list.get(i);
            if (o == null) throw new IllegalArgumentException("a row's features hold a null");
            f[i] = ((Number) o).floatValue();
        }
        return f;
    }

    private static final class Packed implements java.io.Serializable {
        private static final long serialVersionUID = 1L;
        final float[] x;
        final int y;

        Packed(float[] x, int y) {
            this.x = x;
            this.y = y;
        }
    }

    /**
     * Every row's features and label, read on the executors into floats and collected on the driver.
     *
     * @throws IllegalArgumentException for rows of different widths, labels that are not class numbers, or none
     */
    static TrainingData collect(org.apache.spark.sql.Dataset<Row> df, String featuresCol, String labelCol, int classes) {
        org.apache.spark.sql.Dataset<Row> two = df.select(featuresCol, labelCol);
        List<Packed> rows;
        try {
            rows = read(two, labelCol);
        } catch (Exception e) {   // SparkException is checked in Java's terms, and Scala throws it undeclared
            // A bad row found on an executor comes back wrapped in Spark's job failure: give the caller the row's message.
            for (Throwable t = e; t != null; t = t.getCause()) {
                if (t instanceof IllegalArgumentException bad) throw new IllegalArgumentException(bad.getMessage(), e);
            }
            throw Columns.<RuntimeException>rethrow(e);
        }
        return pack(rows, featuresCol, classes);
    }

    @SuppressWarnings("unchecked")
    private static <T extends Exception> T rethrow(Exception e) throws T {
        throw (T) e;
    }

    private static List<Packed> read(org.apache.spark.sql.Dataset<Row> two, String labelCol) {
        return two.javaRDD().map(r -> {
            if (r.isNullAt(1)) throw new IllegalArgumentException("label column '" + labelCol + "' holds a null");
            double l = ((Number) r.get(1)).doubleValue();
            if (!(l >= 0) || l != Math.rint(l) || l > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("label column '" + labelCol + "' holds " + l + "; labels must be class numbers 0, 1, 2, ...");
            }
            return new Packed(features(r, 0), (int) l);
        }).collect();
    }

    private static TrainingData pack(List<Packed> rows, String featuresCol, int classes) {
        if (rows.isEmpty()) throw new IllegalArgumentException("the training data has no rows");
        int width = rows.get(0).x.length;
        if (width == 0) throw new IllegalArgumentException("features column '" + featuresCol + "' holds empty vectors");
        float[] x = new float[Math.multiplyExact(rows.size(), width)];
        int[] y = new int[rows.size()];
        int maxLabel = 0;
        for (int i = 0; i < rows.size(); i++) {
            Packed p = rows.get(i);
            if (p.x.length != width) {
                throw new IllegalArgumentException("features column '" + featuresCol + "': row " + i + " has " + p.x.length
                        + " values, the first row " + width);
            }
            System.arraycopy(p.x, 0, x, i * width, width);
            y[i] = p.y;
            maxLabel = Math.max(maxLabel, p.y);
        }
        int n = classes > 0 ? classes : maxLabel + 1;
        if (maxLabel >= n) {
            throw new IllegalArgumentException("label " + maxLabel + " is outside the " + n + " classes numClasses sets");
        }
        if (n < 2) throw new IllegalArgumentException("the labels hold one class only; a classifier needs at least 2");
        return new TrainingData(x, y, 1, 1, width, n);
    }
}
