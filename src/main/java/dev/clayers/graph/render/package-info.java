/**
 * <b>Internal.</b> Drawing graphs and a network's layers as PNG, SVG and Graphviz.
 */
package dev.clayers.graph.render;
