/**
 * <b>API.</b> Devices: {@link dev.clayers.backend.Backends} opens one by id ({@code cpu},
 * {@code opencl:P:D}, {@code auto}); {@link dev.clayers.backend.Backend} is the narrow op
 * vocabulary every device implements once; {@link dev.clayers.backend.DeviceInfo} describes a device.
 * Layers and networks speak only this package.
 */
package dev.clayers.backend;
