package dev.loopline.model.train;

import dev.loopline.model.artifact.ArtifactWriter;
import dev.loopline.model.artifact.CanaryCase;
import dev.loopline.model.artifact.ModelMetadata;
import dev.loopline.model.features.Featurizer;
import dev.loopline.model.features.FeaturizerSpec;
import dev.loopline.model.features.SparseVector;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Builds a complete artifact zip from a {@link TrainedModel}: inference-only SavedModel, metadata
 * (labels, featurizer spec and fingerprint, the sparse signature's names, trainer info) and a
 * canary set whose expected probabilities are the trainer's own. Whatever loads the artifact later
 * must reproduce those canaries.
 */
public final class ArtifactPackager {

  /** An input for the canary set; its expected output is computed here. */
  public record CanaryInput(String text, Map<String, String> attributes) {}

  private ArtifactPackager() {}

  /** Metadata for {@code model}, filling in everything the model and the spec determine. */
  public static ModelMetadata metadata(
      TrainedModel model,
      FeaturizerSpec spec,
      String name,
      int version,
      Instant createdAt,
      Integer parentVersion,
      long trainingExamples,
      Instant dataFrom,
      Instant dataTo,
      Map<String, Double> metrics) {
    return new ModelMetadata(
        name,
        version,
        model.labels(),
        spec,
        new Featurizer(spec).fingerprint(),
        SparseSignature.INPUT_KIND,
        SparseSignature.INPUT_NAMES,
        SparseSignature.OUTPUT,
        createdAt,
        parentVersion,
        trainingExamples,
        dataFrom,
        dataTo,
        metrics,
        model.trainerInfo());
  }

  /**
   * Exports {@code model} to a temporary directory next to {@code zipOut}, computes the canaries
   * and writes the zip with {@link ArtifactWriter}.
   *
   * @return the zip's sha256 (hex)
   */
  public static String write(
      TrainedModel model, ModelMetadata metadata, List<CanaryInput> canaryInputs, Path zipOut) {
    if (canaryInputs.isEmpty()) {
      throw new IllegalArgumentException("need at least one canary input");
    }
    if (!model.labels().equals(metadata.labels())) {
      throw new IllegalArgumentException("metadata labels differ from the model's");
    }
    Featurizer featurizer = new Featurizer(metadata.featurizer());
    List<SparseVector> vectors = new ArrayList<>();
    for (CanaryInput c : canaryInputs) {
      vectors.add(featurizer.featurize(c.text(), c.attributes()));
    }
    float[][] expected = model.predict(vectors);
    List<CanaryCase> canaries = new ArrayList<>();
    for (int i = 0; i < canaryInputs.size(); i++) {
      CanaryInput c = canaryInputs.get(i);
      canaries.add(
          new CanaryCase(
              c.text(), c.attributes() == null ? Map.of() : c.attributes(), expected[i]));
    }
    Path tmp;
    try {
      Path parent = zipOut.toAbsolutePath().getParent();
      Files.createDirectories(parent);
      tmp = Files.createTempDirectory(parent, ".export-");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    try {
      Path savedModel = tmp.resolve("saved_model");
      model.exportSavedModel(savedModel);
      return ArtifactWriter.write(savedModel, metadata, canaries, zipOut);
    } finally {
      try (Stream<Path> walk = Files.walk(tmp)) {
        walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      } catch (IOException ignored) {
        // best effort
      }
    }
  }
}
