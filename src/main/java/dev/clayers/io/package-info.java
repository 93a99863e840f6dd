/**
 * <b>API (files).</b> The leaf package: safetensors files, atomic writes, checks of input and
 * output paths, the cache folder. Imports nothing of clayers.
 */
package dev.clayers.io;
