package dev.clayers.layer;

import dev.clayers.backend.Backend;
import dev.clayers.backend.Matrix;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Batch normalization (the book's ch. 6.3): {@code out = gamma * (x - mean) / sqrt(var + eps) + beta}
 * per channel. Training passes use the batch's mean and (biased) variance and move the running
 * averages toward them ({@code running = momentum * running + (1 - momentum) * batch}); prediction
 * uses the running averages, so a prediction does not depend on the rest of its batch. The input
 * is N x (C*P): C features after an affine layer (P = 1), or C channels of P = H*W pixels after a
 * conv layer, normalised over every pixel of the channel.
 *
 * <p>Backward (training passes only) is the book's, folded into one formula per element:
 * {@code dx = gamma / std * (dout - mean(dout) - xhat * mean(dout * xhat))}, with
 * {@code dgamma = sum dout * xhat} and {@code dbeta = sum dout} per channel.
 */
public final class BatchNormalization implements Layer, TrainingMode {
    /** The book's {@code 10e-7}, added to the variance so a constant channel does not divide by zero. */
    public static final float EPS = 1e-6f;
    /** The book's running-average momentum. */
    public static final float MOMENTUM = 0.9f;

    private final Backend backend;
    private final String name;
    private final int channels;
    private final float epsilon;
    private final Matrix gamma;
    private final Matrix beta;
    private final Matrix runMean;
    private final Matrix runVar;
    private final Matrix dgamma;
    private final Matrix dbeta;
    private final Matrix mean;
    private final Matrix var;
    private boolean training;
    private boolean trainedForward;
    private Matrix xhat;
    private Matrix out;
    private Matrix dx;

    /** Takes ownership of the four 1 x channels vectors; epsilon {@link #EPS}. */
    public BatchNormalization(Backend backend, String name, int channels, Matrix gamma, Matrix beta, Matrix runMean,
                              Matrix runVar) {
        this(backend, name, channels, EPS, gamma, beta, runMean, runVar);
    }

    /** Takes ownership of the four 1 x channels vectors; {@code epsilon} is added to every variance. */
    public BatchNormalization(Backend backend, String name, int channels, float epsilon, Matrix gamma, Matrix beta,
                              Matrix runMean, Matrix runVar) {
        if (!(epsilon > 0f)) throw new IllegalArgumentException(name + ": epsilon must be positive, got " + epsilon);
        for (Matrix m : new Matrix[] {gamma, beta, runMean, runVar}) {
            if (m.rows() != 1 || m.cols() != channels) {
                throw new IllegalArgumentException(name + ": gamma, beta and the running averages must be 1x" + channels
                        + ", got " + m.shape());
            }
        }
        this.backend = backend;
        this.name = name;
        this.channels = channels;
        this.epsilon = epsilon;
        this.gamma = gamma;
        this.beta = beta;
        this.runMean = runMean;
        this.runVar = runVar;
        this.dgamma = backend.alloc(1, channels);
        this.dbeta = backend.alloc(1, channels);
        this.mean = backend.alloc(1, channels);
        this.var = backend.alloc(1, channels);
    }

    @Override public String name() { return name; }
    /** Channels normalised, each with its own gamma, beta and running statistics. */
    public int channels() { return channels; }

    /** Training passes normalise with the batch's statistics and update the running averages. */
    @Override
    public void setTraining(boolean training, int seed, int firstRow) { this.training = training; }

    @Override
    public Matrix forward(Matrix x) {
        if (x.cols() % channels != 0) {
            throw new IllegalArgumentException(name + ": input is " + x.shape() + " but its columns must be a multiple of "
                    + channels + " channels");
        }
        xhat = Buffers.reuse(backend, xhat, x.rows(), x.cols());
        out = Buffers.reuse(backend, out, x.rows(), x.cols());
        if (training) {
            backend.batchNormStats(x, channels, MOMENTUM, mean, var, runMean, runVar);
            backend.batchNormForward(x, mean, var, gamma, beta, epsilon, xhat, out);
        } else {
            backend.batchNormForward(x, runMean, runVar, gamma, beta, epsilon, xhat, out);
        }
        trainedForward = training;
        return out;
    }

    @Override
    public Matrix backward(Matrix dout) {
        if (!trainedForward) {
            throw new IllegalStateException(name + ": backward needs a training-mode forward pass (batch statistics)");
        }
        dx = Buffers.reuse(backend, dx, dout.rows(), dout.cols());
        backend.batchNormBackward(dout, xhat, var, gamma, epsilon, dgamma, dbeta, dx);
        return dx;
    }

    @Override
    public List<Param> params() {
        return List.of(new Param(name + ".gamma", gamma, dgamma), new Param(name + ".beta", beta, dbeta));
    }

    @Override
    public Map<String, Matrix> state() {
        Map<String, Matrix> s = new LinkedHashMap<>();
        s.put(name + ".running_mean", runMean);
        s.put(name + ".running_var", runVar);
        return s;
    }

    @Override public void close() { Buffers.close(gamma, beta, runMean, runVar, dgamma, dbeta, mean, var, xhat, out, dx); }
}
