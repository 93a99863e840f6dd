package dev.clayers.data;

/**
 * A training set and the test set it is judged on. Both must have the same image size and
 * class count, so that one network fits both.
 */
public record DataSplit(Dataset train, Dataset test) {
    public DataSplit {
        if (train.rows() != test.rows() || train.cols() != test.cols() || train.classes() != test.classes()) {
            throw new IllegalArgumentException("train and test sets differ: " + train + " vs " + test);
        }
    }
}
