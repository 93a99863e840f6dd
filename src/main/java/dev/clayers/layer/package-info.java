/**
 * <b>API (advanced).</b> The layers a network is made of, each owning its device buffers:
 * {@code forward(x) -> y}, {@code backward(dout) -> dx}, parameters as named (value, gradient)
 * pairs. Most programs use {@link dev.clayers.net.Sequential} instead.
 */
package dev.clayers.layer;
