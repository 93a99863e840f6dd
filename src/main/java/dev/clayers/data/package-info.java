/**
 * <b>API.</b> Data: {@link dev.clayers.data.Dataset} (rows of features with class labels), the
 * bundled and IDX-format MNIST digits, and pictures for prediction.
 */
package dev.clayers.data;
