package dev.clayers.train;

/**
 * A training option with a value it cannot take. The message names the option as the API does
 * ({@code batch must be positive, got 0}); {@link #option()} lets a front end name it its own way
 * (the CLI says {@code --batch}).
 */
public final class InvalidOptionException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;
    /** The option as the API names it ({@code batch}). */
    private final String option;
    /** What is wrong with its value ({@code must be positive, got 0}). */
    private final String problem;

    /**
     * @param option  the option's name in {@link FitOptions}, e.g. {@code learningRate}
     * @param problem what is wrong, e.g. {@code must be positive, got 0}
     */
    public InvalidOptionException(String option, String problem) {
        super(option + " " + problem);
        this.option = option;
        this.problem = problem;
    }

    /** The option's name in {@link FitOptions}. */
    public String option() { return option; }

    /** The message without the option's name. */
    public String problem() { return problem; }
}
