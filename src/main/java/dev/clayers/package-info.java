/**
 * <b>API.</b> {@link dev.clayers.Limits}: every cap on input sizes, in one place. The top-level
 * package holds nothing else.
 */
package dev.clayers;
