/**
 * <b>API.</b> Training: {@link dev.clayers.train.Training#fit} with {@link dev.clayers.train.FitOptions},
 * optimizers, learning-rate {@link dev.clayers.train.Schedule}s, {@link dev.clayers.train.EarlyStopping},
 * listeners, checkpoints and the history of a run; {@code DeviceChoice} picks a device by measuring.
 */
package dev.clayers.train;
