package dev.clayers.cli;

import dev.clayers.graph.AppleShopping;
import picocli.CommandLine.Command;

import java.util.List;
import java.util.concurrent.Callable;

import static dev.clayers.graph.AppleShopping.fmt;

/** The book's computational-graph examples, forward and backward node by node. */
@Command(name = "apple",
        footer = {"", "Examples:", "  clayers apple                     the book's apple example: forward and backward through the graph"}, mixinStandardHelpOptions = true,
        description = "Shows the book's apple-shopping computational graphs: forward and backward pass node by node.")
final class AppleCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        for (AppleShopping.Result r : List.of(AppleShopping.apples(100, 2, 1.1),
                AppleShopping.applesAndOranges(100, 2, 150, 3, 1.1))) {
            System.out.println("== " + r.title());
            System.out.println("forward:");
            r.forward().forEach(s -> System.out.printf("  %-17s %s%n", s.node(), s.text()));
            System.out.println("backward:");
            r.backward().forEach(s -> System.out.printf("  %-17s %s%n", s.node(), s.text()));
            System.out.println("price: " + fmt(r.price()));
            StringBuilder g = new StringBuilder("gradients:");
            r.gradients().forEach(x -> g.append(" d ").append(x.name()).append(' ').append(fmt(x.value())).append(','));
            System.out.println(g.substring(0, g.length() - 1));
            System.out.println();
        }
        return 0;
    }
}
