package dev.clayers.spark;

import dev.clayers.data.Dataset;

import java.io.Serializable;

/**
 * The training set as Spark broadcasts it to every executor (through the block manager): row-major
 * features, labels and the image shape. Internal.
 */
final class TrainingData implements Serializable {
    private static final long serialVersionUID = 1L;
    final float[] features;
    final int[] labels;
    final int channels;
    final int height;
    final int width;
    final int classes;
    private transient Dataset dataset;

    TrainingData(float[] features, int[] labels, int channels, int height, int width, int classes) {
        this.features = features;
        this.labels = labels;
        this.channels = channels;
        this.height = height;
        this.width = width;
        this.classes = classes;
    }

    /** As a clayers data set (made once per JVM that holds this copy). */
    synchronized Dataset dataset() {
        if (dataset == null) dataset = new Dataset("spark training set", features, labels, channels, height, width, classes);
        return dataset;
    }
}
