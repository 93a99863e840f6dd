/**
 * clayers on Apache Spark (API): {@link dev.clayers.spark.ClayersClassifier}, a Spark ML estimator that
 * trains a clayers network synchronously on every executor's devices in barrier stages, and
 * {@link dev.clayers.spark.ClayersModel}, the model it gives, which predicts on the executors and
 * saves as a clayers model file. The other classes are internal. See docs/spark.md.
 */
package dev.clayers.spark;
