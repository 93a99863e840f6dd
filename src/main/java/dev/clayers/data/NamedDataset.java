package dev.clayers.data;

import java.util.List;

/**
 * A loaded set and the name of each class, index by index: the sub-folders of a picture folder
 * ({@link ImageFolder}) or the label values of a table ({@link CsvDataset}). Pass the names to
 * {@code Evaluation.report(List)} to see them in the report.
 *
 * @param dataset    the rows and their class indices
 * @param classNames {@code classNames.get(c)} names class {@code c}; as many as {@code dataset.classes()}
 */
public record NamedDataset(Dataset dataset, List<String> classNames) {
    /**
     * Checks the components.
     *
     * @throws IllegalArgumentException when there are not exactly {@code dataset.classes()} names
     */
    public NamedDataset {
        classNames = List.copyOf(classNames);
        if (classNames.size() != dataset.classes()) {
            throw new IllegalArgumentException(dataset.name() + ": " + classNames.size() + " class names for "
                    + dataset.classes() + " classes");
        }
    }
}
