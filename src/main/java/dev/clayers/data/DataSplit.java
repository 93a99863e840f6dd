package dev.clayers.data;

/**
 * A training set and the set it is judged on (a test or validation set; {@link Dataset#split}
 * makes one). Both must have the same image shape and class count, so that one network fits both.
 */
public record DataSplit(Dataset train, Dataset test) {
    public DataSplit {
        if (!train.sameShape(test)) {
            throw new IllegalArgumentException("train and test sets differ: " + train + " vs " + test);
        }
    }
}
