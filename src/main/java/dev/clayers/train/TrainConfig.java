package dev.clayers.train;

import dev.clayers.net.Architecture;
import dev.clayers.net.WeightInit;

/**
 * Everything that determines a training run besides the device and data.
 *
 * @param architecture   layer sizes and activation
 * @param init           weight initialisation
 * @param optimizer      sgd, momentum, adagrad or adam
 * @param learningRate   positive step size
 * @param batch          mini-batch size
 * @param epochs         passes over the training set (epoch mode), or epoch-equivalents to report (book mode)
 * @param seed           seeds weights and the order of batches
 * @param bookIterations 0 for epoch mode (each epoch a shuffled pass without replacement); else
 *                       the book's recipe: this many iterations of batches sampled with replacement
 * @param weightDecay    L2 penalty {@code (lambda/2) sum W^2} on the weights (not biases), added to
 *                       the gradient as {@code lambda W}; 0 for none
 * @param dropout        inverted-dropout ratio after each hidden activation in training; 0 for none
 * @param augment        largest random translation in pixels applied to training images; 0 for none
 * @param schedule       {@code constant}, or {@code cosine}: the learning rate of epoch e (1-based) of E
 *                       is {@code lr * (1 + cos(pi (e-1) / E)) / 2}, so the last epochs take small,
 *                       steady steps instead of ending wherever a large step left the weights
 */
public record TrainConfig(Architecture architecture, WeightInit init, String optimizer, float learningRate,
                          int batch, int epochs, long seed, int bookIterations, float weightDecay, float dropout,
                          int augment, String schedule) {
    public TrainConfig {
        if (batch <= 0) throw new IllegalArgumentException("--batch must be positive, got " + batch);
        if (epochs <= 0) throw new IllegalArgumentException("--epochs must be positive, got " + epochs);
        if (!(learningRate > 0) || !Float.isFinite(learningRate)) {
            throw new IllegalArgumentException("--lr must be a positive number, got " + learningRate);
        }
        if (bookIterations < 0) throw new IllegalArgumentException("iterations must be >= 0, got " + bookIterations);
        if (!(weightDecay >= 0) || !Float.isFinite(weightDecay)) {
            throw new IllegalArgumentException("--weight-decay must be >= 0, got " + weightDecay);
        }
        if (!(dropout >= 0 && dropout < 1)) throw new IllegalArgumentException("--dropout must be in [0, 1), got " + dropout);
        if (augment < 0 || augment > 8) throw new IllegalArgumentException("--augment must be 0..8 pixels, got " + augment);
        if (!schedule.equals("constant") && !schedule.equals("cosine")) {
            throw new IllegalArgumentException("--schedule must be constant or cosine, got '" + schedule + "'");
        }
    }

    public boolean book() { return bookIterations > 0; }

    /** The same run with another epoch count (resuming a checkpoint for longer). */
    public TrainConfig withEpochs(int epochs) {
        return new TrainConfig(architecture, init, optimizer, learningRate, batch, epochs, seed, bookIterations,
                weightDecay, dropout, augment, schedule);
    }

    /** The learning rate for epoch {@code epoch} (1-based) under the schedule. */
    public float learningRate(int epoch) {
        if (schedule.equals("constant")) return learningRate;
        return (float) (learningRate * 0.5 * (1 + Math.cos(Math.PI * (epoch - 1) / epochs)));
    }

    /** The book's recipe: 784-50-10 ReLU, std 0.01, SGD lr 0.1, batch 100, 10,000 iterations. */
    public static TrainConfig book(int input, int classes, int trainSize, long seed) {
        int iterPerEpoch = Math.max(trainSize / 100, 1);
        int epochs = (10_000 + iterPerEpoch - 1) / iterPerEpoch;
        return new TrainConfig(new Architecture(input, new int[] {50}, classes, dev.clayers.net.Activation.RELU),
                WeightInit.BOOK, "sgd", 0.1f, 100, epochs, seed, 10_000, 0f, 0f, 0, "constant");
    }
}
