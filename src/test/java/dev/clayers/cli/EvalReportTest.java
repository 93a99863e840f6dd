package dev.clayers.cli;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.clayers.backend.Backend;
import dev.clayers.backend.Backends;
import dev.clayers.data.MnistDataset;
import dev.clayers.data.Normaliser;
import dev.clayers.net.Evaluation;
import dev.clayers.net.ModelFile;
import dev.clayers.net.Sequential;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Map;

import static dev.clayers.net.LayerSpec.affine;
import static dev.clayers.net.LayerSpec.relu;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** eval prints the classification report and carries it in --json; a saved normaliser is applied. */
class EvalReportTest {
    @Test
    void evalPrintsAndCarriesTheReport(@TempDir Path dir) throws Exception {
        Path model = dir.resolve("m.safetensors");
        var test = MnistDataset.bundled().test();
        Evaluation expected;
        try (Backend be = Backends.open("cpu"); Sequential net = Sequential.of(be, affine(784, 16), relu(), affine(16, 10))) {
            // An untrained net with a normaliser: eval's numbers must be the library's, normaliser applied.
            net.setNormaliser(Normaliser.standardise(MnistDataset.bundled().train().subset(0, 2000)));
            ModelFile.save(model, net, Map.of());
            expected = net.evaluate(test);
        }
        CliRunner.Result text = CliRunner.run("eval", "--model", model.toString(), "--device", "cpu");
        assertEquals(0, text.code(), text.toString());
        assertTrue(text.out().contains(String.format("accuracy %.4f (%d/%d)", expected.accuracy(), expected.correct(),
                expected.total())), text.out());
        assertTrue(text.out().contains(expected.report()), text.out());
        assertTrue(text.out().contains("weighted avg") && text.out().contains("top-5")
                && text.out().contains("confusion matrix (rows: true class, columns: predicted):"), text.out());

        CliRunner.Result json = CliRunner.run("eval", "--model", model.toString(), "--device", "cpu", "--json");
        assertEquals(0, json.code(), json.toString());
        JsonObject o = JsonParser.parseString(json.out()).getAsJsonObject();
        assertEquals(expected.correct(), o.get("correct").getAsInt());
        JsonObject report = o.getAsJsonObject("report");
        assertEquals(expected.classScores().size(), report.getAsJsonArray("classes").size());
        JsonObject first = report.getAsJsonArray("classes").get(0).getAsJsonObject();
        assertEquals(expected.classScores().get(0).f1(), first.get("f1").getAsDouble(), 0.0);
        assertEquals(expected.macroAverage().recall(), report.getAsJsonObject("macro_avg").get("recall").getAsDouble(), 0.0);
        assertEquals(expected.accuracy(), report.getAsJsonObject("top_k").get("1").getAsDouble(), 0.0);
        assertEquals(expected.topKAccuracy(5), report.getAsJsonObject("top_k").get("5").getAsDouble(), 0.0);
        assertEquals(expected.report(), report.get("text").getAsString());
    }
}
