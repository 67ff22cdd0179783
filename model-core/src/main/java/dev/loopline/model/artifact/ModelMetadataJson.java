package dev.loopline.model.artifact;

import dev.loopline.model.features.FeaturizerSpecs;
import dev.loopline.model.json.Json;
import java.util.HashSet;
import java.util.List;
import java.util.Map;

/**
 * {@code metadata.json} mapping: indented JSON with ISO-8601 instants, and validation on read so a
 * broken artifact fails at load with a clear reason instead of later in scoring.
 */
public final class ModelMetadataJson {

  private ModelMetadataJson() {}

  public static String toJson(ModelMetadata metadata) {
    validate(metadata);
    return Json.toPrettyJson(metadata);
  }

  /**
   * Parses and validates metadata; missing {@code metrics} and {@code trainer} become empty maps.
   *
   * @throws IllegalArgumentException on malformed JSON or invalid content
   */
  public static ModelMetadata fromJson(String json) {
    ModelMetadata m = Json.fromJson(json, ModelMetadata.class);
    if (m == null) {
      throw new IllegalArgumentException("metadata JSON is null");
    }
    m =
        new ModelMetadata(
            m.name(),
            m.version(),
            m.labels(),
            m.featurizer(),
            m.featurizerFingerprint(),
            m.inputKind(),
            m.inputNames(),
            m.outputName(),
            m.createdAt(),
            m.parentVersion(),
            m.trainingExamples(),
            m.dataFrom(),
            m.dataTo(),
            m.metrics() == null ? Map.of() : m.metrics(),
            m.trainer() == null ? Map.of() : m.trainer());
    validate(m);
    return m;
  }

  /**
   * Checks what every consumer relies on: a name, a version, distinct non-empty labels, a valid
   * featurizer spec with a fingerprint, an input kind of {@code sparse} or {@code dense}, input and
   * output names.
   *
   * @throws IllegalArgumentException naming the first problem
   */
  public static void validate(ModelMetadata m) {
    if (m.name() == null || m.name().isBlank()) {
      throw new IllegalArgumentException("metadata: name is missing");
    }
    if (m.version() < 0) {
      throw new IllegalArgumentException("metadata: version must not be negative");
    }
    List<String> labels = m.labels();
    if (labels == null || labels.isEmpty()) {
      throw new IllegalArgumentException("metadata: labels are missing");
    }
    if (labels.stream().anyMatch(l -> l == null || l.isEmpty())) {
      throw new IllegalArgumentException("metadata: labels must not be null or empty");
    }
    if (new HashSet<>(labels).size() != labels.size()) {
      throw new IllegalArgumentException("metadata: labels must be distinct: " + labels);
    }
    if (m.featurizer() == null) {
      throw new IllegalArgumentException("metadata: featurizer spec is missing");
    }
    try {
      FeaturizerSpecs.validate(m.featurizer());
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("metadata: featurizer spec: " + e.getMessage(), e);
    }
    if (m.featurizerFingerprint() == null || m.featurizerFingerprint().isBlank()) {
      throw new IllegalArgumentException("metadata: featurizer fingerprint is missing");
    }
    if (!"sparse".equals(m.inputKind()) && !"dense".equals(m.inputKind())) {
      throw new IllegalArgumentException(
          "metadata: inputKind must be 'sparse' or 'dense', was '" + m.inputKind() + "'");
    }
    if (m.inputNames() == null || m.inputNames().isEmpty()) {
      throw new IllegalArgumentException("metadata: inputNames are missing");
    }
    if (m.outputName() == null || m.outputName().isBlank()) {
      throw new IllegalArgumentException("metadata: outputName is missing");
    }
  }
}
