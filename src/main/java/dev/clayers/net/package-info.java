/**
 * <b>API.</b> Networks: layer kinds ({@link dev.clayers.net.LayerSpec} and one record per kind),
 * shape-inferred layer lists ({@link dev.clayers.net.Layers}), {@link dev.clayers.net.Sequential}
 * (predict, evaluate, summary), model files ({@link dev.clayers.net.ModelFile}) and the
 * {@code --net} notation ({@link dev.clayers.net.NetSpec}).
 */
package dev.clayers.net;
