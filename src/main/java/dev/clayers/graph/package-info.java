/**
 * <b>Internal (the book's chapter).</b> Scalar computational graphs: {@code MulLayer},
 * {@code AddLayer}, the apple-shopping example, and the graphs {@code clayers graph} draws.
 */
package dev.clayers.graph;
