package dev.clayers.cli;

import dev.clayers.graph.BookGraphs;
import dev.clayers.graph.Graph;
import dev.clayers.graph.GraphText;
import dev.clayers.graph.Numbers;
import dev.clayers.graph.render.Diagram;
import dev.clayers.graph.render.Dot;
import dev.clayers.graph.render.GraphPainter;
import dev.clayers.graph.render.LayerDiagram;
import dev.clayers.graph.render.LayerPainter;
import dev.clayers.graph.render.Layout;
import dev.clayers.graph.render.SvgOutput;
import dev.clayers.io.AtomicFiles;
import dev.clayers.io.OutputFiles;
import dev.clayers.net.ModelFile;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** The book's computational graphs, run forward and backward, as text or as a picture. */
@Command(name = "graph",
        footer = {"", "Examples:", "  clayers graph apple --png apple.png      the book's apple graph as a picture", "  clayers graph sigmoid --dot sigmoid.dot  the sigmoid graph for Graphviz", "  clayers graph --model m.safetensors --png m.png   a trained network, layer by layer"}, mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Draws a computational graph with the forward value over every edge and dL/d(edge) under it.",
                "NAME: apple, apple-orange, sigmoid, affine, softmax-loss; or --model FILE for a saved network's layers.",
                "Text on stdout unless --png, --svg or --dot is given."})
final class GraphCommand implements Callable<Integer> {
    static final List<String> NAMES = List.of("apple", "apple-orange", "sigmoid", "affine", "softmax-loss");

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", arity = "0..1", paramLabel = "NAME", description = "apple, apple-orange, sigmoid, affine or softmax-loss.")
    String name;

    @Option(names = "--model", paramLabel = "FILE.safetensors", description = "Draw a saved network's layer graph instead (a .safetensors or .onnx model).")
    Path model;

    @Option(names = "--png", paramLabel = "FILE", description = "Write a PNG picture.")
    Path png;

    @Option(names = "--svg", paramLabel = "FILE", description = "Write an SVG picture.")
    Path svg;

    @Option(names = "--dot", paramLabel = "FILE", description = "Write Graphviz text (dot -Tpng FILE).")
    Path dot;

    @Option(names = "--apple", paramLabel = "PRICE", description = "apple, apple-orange: price of an apple (default: 100).")
    Double apple;

    @Option(names = "--apple-num", paramLabel = "N", description = "apple, apple-orange: apples bought (default: 2).")
    Double appleNum;

    @Option(names = "--orange", paramLabel = "PRICE", description = "apple-orange: price of an orange (default: 150).")
    Double orange;

    @Option(names = "--orange-num", paramLabel = "N", description = "apple-orange: oranges bought (default: 3).")
    Double orangeNum;

    @Option(names = "--tax", paramLabel = "FACTOR", description = "apple, apple-orange: tax factor (default: 1.1).")
    Double tax;

    @Option(names = "--x", paramLabel = "V", description = "sigmoid: the input (default: 1).")
    Double x;

    @Option(names = "--scores", split = ",", paramLabel = "A1,A2,A3", description = "softmax-loss: the scores, 2 to " + BookGraphs.MAX_SOFTMAX_SCORES + " (default: 0.3,2.9,4.0).")
    double[] scores;

    @Option(names = "--label", paramLabel = "K", description = "softmax-loss: the true class, 0-based (default: 2).")
    Integer label;

    /** Which graph each option applies to, so an option given to another graph is an error, not ignored. */
    private static final Map<String, List<String>> OPTION_GRAPHS = Map.of(
            "--apple", List.of("apple", "apple-orange"), "--apple-num", List.of("apple", "apple-orange"),
            "--tax", List.of("apple", "apple-orange"), "--orange", List.of("apple-orange"),
            "--orange-num", List.of("apple-orange"), "--x", List.of("sigmoid"),
            "--scores", List.of("softmax-loss"), "--label", List.of("softmax-loss"));

    @Override
    public Integer call() throws Exception {
        Diagram diagram;
        LayerDiagram.Stack stack = null;
        String text;
        if (model != null) {
            if (name != null) throw new IllegalArgumentException("give a graph NAME or --model, not both");
            checkOptions("the --model graph");
            checkOutputs();
            ModelFile.Model m = Cli.loadModel(model);
            diagram = LayerDiagram.of(m.layers(), model.getFileName().toString());
            stack = LayerDiagram.stack(m.layers(), model.getFileName().toString());
            text = layerText(m, diagram.title());
        } else {
            if (name == null) throw new IllegalArgumentException("give a graph NAME (" + String.join(", ", NAMES) + ") or --model FILE");
            if (!NAMES.contains(name)) {
                throw new IllegalArgumentException("unknown graph '" + name + "'; choose " + String.join(", ", NAMES) + " or --model FILE");
            }
            checkOptions(name);
            checkOutputs();
            String title = title();
            Graph g = build();
            if (!Double.isFinite(g.output().value().sum())) {
                System.err.println("clayers graph: the output is " + g.output().value() + ": exp overflowed or a log met 0;"
                        + " the book's node-by-node graph has no safeguards (the fused layers subtract the row max)");
            }
            diagram = Diagram.of(g, title, switch (name) {
                case "sigmoid" -> BookGraphs.SIGMOID_RULES;
                case "affine" -> BookGraphs.AFFINE_RULES;
                case "softmax-loss" -> BookGraphs.softmaxLossRules(g.inputs().size());
                default -> Map.<String, String>of();
            });
            text = GraphText.describe(g, title);
        }
        boolean picture = png != null || svg != null || dot != null;
        if (picture) {
            Layout layout = Layout.of(diagram);
            // A network's layers as a column of boxes; the book's graphs as its circles and wires.
            if (png != null) AtomicFiles.write(png, stack != null ? LayerPainter.png(stack) : GraphPainter.png(layout));
            if (svg != null) AtomicFiles.write(svg, stack != null ? SvgOutput.svg(stack) : SvgOutput.svg(layout));
            if (dot != null) AtomicFiles.write(dot, Dot.of(diagram).getBytes(StandardCharsets.UTF_8));
            for (Path p : new Path[] {png, svg, dot}) if (p != null) System.err.println("wrote " + p);
        } else {
            System.out.print(text);
        }
        return 0;
    }

    private Graph build() {
        return switch (name) {
            case "apple" -> BookGraphs.apple(num("--apple", apple, 100), num("--apple-num", appleNum, 2), num("--tax", tax, 1.1));
            case "apple-orange" -> BookGraphs.appleOrange(num("--apple", apple, 100), num("--apple-num", appleNum, 2),
                    num("--orange", orange, 150), num("--orange-num", orangeNum, 3), num("--tax", tax, 1.1));
            case "sigmoid" -> BookGraphs.sigmoid(num("--x", x, 1));
            case "affine" -> BookGraphs.affine();
            case "softmax-loss" -> {
                double[] a = scores == null ? new double[] {0.3, 2.9, 4.0} : scores;
                for (double v : a) num("--scores", v, 0);
                if (a.length < 2) throw new IllegalArgumentException("--scores needs at least 2 numbers, got " + a.length);
                if (a.length > BookGraphs.MAX_SOFTMAX_SCORES) {
                    throw new IllegalArgumentException("--scores takes at most " + BookGraphs.MAX_SOFTMAX_SCORES + " numbers, got "
                            + a.length + ": the node-by-node graph is for reading a few");
                }
                int k = label == null ? a.length - 1 : label;
                if (k < 0 || k >= a.length) throw new IllegalArgumentException("--label must be 0 to " + (a.length - 1) + ", got " + k);
                yield BookGraphs.softmaxLoss(a, k);
            }
            default -> throw new IllegalStateException(name);
        };
    }

    private String title() {
        return switch (name) {
            case "apple" -> "apple: " + n(appleNum, 2) + " apples at " + n(apple, 100) + ", tax " + n(tax, 1.1);
            case "apple-orange" -> "apple-orange: " + n(appleNum, 2) + " apples at " + n(apple, 100) + ", "
                    + n(orangeNum, 3) + " oranges at " + n(orange, 150) + ", tax " + n(tax, 1.1);
            case "sigmoid" -> "sigmoid: y = 1 / (1 + exp(-x)), x = " + n(x, 1);
            case "affine" -> "affine: Y = X·W + B for a batch of N = 2";
            case "softmax-loss" -> "softmax-with-loss: scores " + (scores == null ? "0.3, 2.9, 4" : String.join(", ",
                    java.util.Arrays.stream(scores).mapToObj(Numbers::format).toList())) + ", label "
                    + (label == null ? (scores == null ? 2 : scores.length - 1) : label);
            default -> name;
        };
    }

    private static String n(Double v, double dflt) {
        return Numbers.format(v == null ? dflt : v);
    }

    private static double num(String option, Double v, double dflt) {
        double d = v == null ? dflt : v;
        if (!Double.isFinite(d)) throw new IllegalArgumentException(option + " must be a finite number, got " + d);
        return d;
    }

    private void checkOptions(String graph) {
        CommandLine.ParseResult pr = spec.commandLine().getParseResult();
        OPTION_GRAPHS.forEach((opt, graphs) -> {
            if (pr.hasMatchedOption(opt) && !graphs.contains(graph)) {
                throw new IllegalArgumentException(opt + " applies to " + String.join(" and ", graphs) + ", not to " + graph);
            }
        });
    }

    /** Before any work, the outputs pass the rule every command's do ({@link OutputFiles#check}). */
    private void checkOutputs() throws OutputFiles.UnwritableException {
        Map<String, Path> outputs = new LinkedHashMap<>();
        outputs.put("--png", png);
        outputs.put("--svg", svg);
        outputs.put("--dot", dot);
        Map<String, Path> inputs = new LinkedHashMap<>();
        inputs.put("--model", model);
        OutputFiles.check(outputs, inputs);
    }

    private static String layerText(ModelFile.Model m, String title) {
        List<LayerDiagram.Row> rows = LayerDiagram.rows(m.layers());
        // Columns as wide as their longest entry: a conv layer's name, conv(1x28x28,30,5,1,0), is long.
        int name = Math.max(18, rows.stream().mapToInt(r -> r.layer().length()).max().orElse(0));
        int out = Math.max(12, rows.stream().mapToInt(r -> r.output().length()).max().orElse(0));
        String row = "%-" + name + "s %-" + out + "s %12s%n";
        StringBuilder sb = new StringBuilder("== " + title + "\n");
        sb.append(String.format(row, "layer", "output", "params"));
        sb.append(String.format(row, "input", "(N, " + m.inputs() + ")", ""));
        long total = 0;
        for (LayerDiagram.Row r : rows) {
            sb.append(String.format(row, r.layer(), r.output(), String.format("%,d", r.params())));
            total += r.params();
        }
        return sb.append(String.format(row, "total", "", String.format("%,d", total))).toString();
    }
}
