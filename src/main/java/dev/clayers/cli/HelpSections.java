package dev.clayers.cli;

import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.UsageMessageSpec;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Help that reads in groups: a command's options listed under headings (Data, Network, Training,
 * Output, Device), whatever no group names (help, version, verbose) last under General. The
 * options stay plain fields of the command; only their listing is grouped.
 */
final class HelpSections {
    private HelpSections() {}

    /** Heading to option names, in order, for each command that groups its help. */
    static final Map<String, Map<String, List<String>>> GROUPS = Map.of(
            "train", groups(
                    "Data", List.of("--data"),
                    "Network", List.of("--hidden", "--net", "--activation", "--init", "--dropout", "--from"),
                    "Training", List.of("--epochs", "--batch", "--optimizer", "--lr", "--schedule", "--weight-decay", "--augment",
                            "--seed", "--book", "--early-stop", "--monitor", "--min-delta", "--restore-best"),
                    "Output", List.of("--save", "--metrics", "--plot", "--checkpoint-dir", "--keep-best", "--resume", "--stop-after",
                            "--no-progress"),
                    "Device", List.of("--device")),
            "gradcheck", groups(
                    "Network", List.of("--hidden", "--activation", "--init"),
                    "Check", List.of("--batch", "--entries", "--h", "--seed"),
                    "Output", List.of("--json"),
                    "Device", List.of("--device")),
            "bench", groups(
                    "Workloads", List.of("--only", "--net", "--batch", "--gemm", "--quick", "--reps"),
                    "Output", List.of("--json", "--csv", "--plot", "--compare"),
                    "Device", List.of("--device")));

    private static Map<String, List<String>> groups(Object... headingThenNames) {
        Map<String, List<String>> m = new LinkedHashMap<>();
        for (int i = 0; i < headingThenNames.length; i += 2) {
            @SuppressWarnings("unchecked") List<String> names = (List<String>) headingThenNames[i + 1];
            m.put((String) headingThenNames[i], names);
        }
        return m;
    }

    /** Lists the options of every subcommand of {@code root} that {@link #GROUPS} names under its headings. */
    static void install(CommandLine root) {
        GROUPS.forEach((name, groups) -> {
            CommandLine sub = root.getSubcommands().get(name);
            if (sub != null) sub.getHelpSectionMap().put(UsageMessageSpec.SECTION_KEY_OPTION_LIST, help -> render(help, groups));
        });
    }

    static String render(CommandLine.Help help, Map<String, List<String>> groups) {
        CommandLine.Model.CommandSpec spec = help.commandSpec();
        Set<OptionSpec> placed = new HashSet<>();
        StringBuilder sb = new StringBuilder();
        Map<String, List<OptionSpec>> sections = new LinkedHashMap<>();
        groups.forEach((heading, names) -> sections.put(heading, names.stream().map(spec::findOption).filter(Objects::nonNull).toList()));
        sections.values().forEach(placed::addAll);
        List<OptionSpec> rest = new ArrayList<>();
        for (OptionSpec o : spec.options()) if (!placed.contains(o) && !o.hidden()) rest.add(o);
        sections.put("General", rest);
        sections.forEach((heading, options) -> {
            if (options.isEmpty()) return;
            sb.append('\n').append(heading).append(":\n");
            sb.append(help.optionListExcludingGroups(options, help.createDefaultLayout(), null, help.createDefaultParamLabelRenderer()));
        });
        return sb.toString();
    }
}
