package dev.loopline.model.artifact;

import dev.loopline.model.features.FeaturizerSpec;
import dev.loopline.model.features.FeaturizerSpecs;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** Test data builders for artifacts: a stand-in SavedModel directory and metadata. */
final class Artifacts {

  static final FeaturizerSpec SPEC =
      new FeaturizerSpec(1, 12, 2, 3, 5, 5000, List.of(), 0x10091, true, true);

  private Artifacts() {}

  static ModelMetadata metadata() {
    return new ModelMetadata(
        "tickets",
        3,
        List.of("billing", "shipping", "tech support"),
        SPEC,
        FeaturizerSpecs.fingerprint(SPEC),
        "sparse",
        List.of("indices", "values", "dense_shape"),
        "probabilities",
        Instant.parse("2026-11-23T10:15:30Z"),
        2,
        12_345,
        Instant.parse("2026-10-01T00:00:00Z"),
        Instant.parse("2026-11-01T00:00:00Z"),
        Map.of("accuracy", 0.91, "macroF1", 0.88),
        Map.of("device", "cpu", "epochs", "5"));
  }

  static List<CanaryCase> canaries() {
    return List.of(
        new CanaryCase(
            "charged twice", Map.of("channel", "email"), new float[] {0.9f, 0.05f, 0.05f}),
        new CanaryCase("where is my parcel", Map.of(), new float[] {0.1f, 0.8f, 0.1f}));
  }

  /** A directory shaped like a SavedModel (the bytes are not a real graph). */
  static Path savedModel(Path dir) throws IOException {
    Files.createDirectories(dir.resolve("variables"));
    Files.write(dir.resolve("saved_model.pb"), new byte[] {8, 1, 18, 3, 'a', 'b', 'c'});
    Files.writeString(dir.resolve("variables/variables.index"), "index", StandardCharsets.UTF_8);
    byte[] weights = new byte[100_000];
    for (int i = 0; i < weights.length; i++) {
      weights[i] = (byte) (i * 31);
    }
    Files.write(dir.resolve("variables/variables.data-00000-of-00001"), weights);
    Files.createDirectories(dir.resolve("assets"));
    return dir;
  }
}
