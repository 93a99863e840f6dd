package dev.clayers.data;

/**
 * A training set and the set it is judged on (a test or validation set; {@link Dataset#split}
 * makes one). Both must have the same image shape and class count, so that one network fits both.
 *
 * @param train the set trained on
 * @param test  the set the network is judged on
 */
public record DataSplit(Dataset train, Dataset test) {
    /**
     * Checks the components.
     *
     * @throws IllegalArgumentException when the two sets differ in image shape or class count
     */
    public DataSplit {
        if (!train.sameShape(test)) {
            throw new IllegalArgumentException("train and test sets differ: " + train + " vs " + test);
        }
    }
}
