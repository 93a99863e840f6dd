/**
 * <b>API.</b> ONNX files: {@link dev.clayers.onnx.OnnxExport} writes a network (with its input
 * normaliser) for other runtimes, {@link dev.clayers.onnx.OnnxImport} reads the ONNX networks made
 * of the layer kinds clayers has; {@link dev.clayers.onnx.OnnxFormatException} names what a file
 * that cannot be read does wrong. The protobuf classes behind them ({@code dev.clayers.onnx.proto},
 * generated at build time) are internal.
 */
package dev.clayers.onnx;
