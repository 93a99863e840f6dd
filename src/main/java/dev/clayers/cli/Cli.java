package dev.clayers.cli;

import dev.clayers.data.DataSplit;
import dev.clayers.data.MnistDataset;

import java.io.IOException;
import java.nio.file.Path;

/** What several commands share: reading the --data option. */
final class Cli {
    private Cli() {}

    /** {@code bundled} (the default) or a folder with the four MNIST-format files. */
    static DataSplit loadData(String data) throws IOException {
        if (data == null || data.equals("bundled")) return MnistDataset.bundled();
        return MnistDataset.load(Path.of(data));
    }
}
