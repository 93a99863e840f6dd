/**
 * <b>Internal.</b> The command line: a thin shell that turns flags into library options and
 * library errors into one-line messages and exit codes.
 */
package dev.clayers.cli;
