package dev.loopline.model.json;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.loopline.model.artifact.ModelMetadata;
import dev.loopline.model.artifact.ModelMetadataJson;
import dev.loopline.model.features.FeaturizerSpec;
import dev.loopline.model.features.FeaturizerSpecs;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ModelMetadataJsonTest {

  private static ModelMetadata metadata(Integer parent, Map<String, Double> metrics) {
    FeaturizerSpec spec = FeaturizerSpec.defaults();
    return new ModelMetadata(
        "tickets",
        7,
        List.of("billing", "tech support", "\u8ba2\u5355"),
        spec,
        FeaturizerSpecs.fingerprint(spec),
        "dense",
        List.of("features"),
        "probabilities",
        Instant.parse("2026-11-23T10:15:30.123Z"),
        parent,
        1000,
        Instant.parse("2026-10-01T00:00:00Z"),
        null,
        metrics,
        Map.of("device", "cpu"));
  }

  @Test
  void roundTripsWithIsoInstantsAndNulls() {
    ModelMetadata m = metadata(6, Map.of("macroF1", 0.8, "recall.billing", 0.75));
    String json = ModelMetadataJson.toJson(m);
    assertThat(json)
        .contains("\"createdAt\" : \"2026-11-23T10:15:30.123Z\"")
        .contains("\"featurizerFingerprint\"")
        .contains("\"hashBits\"");
    assertThat(ModelMetadataJson.fromJson(json)).isEqualTo(m);
    ModelMetadata noParent = metadata(null, Map.of());
    assertThat(ModelMetadataJson.fromJson(ModelMetadataJson.toJson(noParent))).isEqualTo(noParent);
  }

  @Test
  void toleratesUnknownFieldsAndMissingMaps() {
    String json =
        ModelMetadataJson.toJson(metadata(1, Map.of()))
            .replace("\"metrics\" : { }", "\"futureField\" : [1, 2]")
            .replace("\"trainer\" : {\n    \"device\" : \"cpu\"\n  }", "\"trainer\" : null");
    ModelMetadata m = ModelMetadataJson.fromJson(json);
    assertThat(m.metrics()).isEmpty();
    assertThat(m.trainer()).isEmpty();
  }

  @Test
  void epochMillisAreAcceptedForInstants() {
    String json =
        ModelMetadataJson.toJson(metadata(1, Map.of()))
            .replace("\"2026-11-23T10:15:30.123Z\"", "1795428930123");
    assertThat(ModelMetadataJson.fromJson(json).createdAt())
        .isEqualTo(Instant.ofEpochMilli(1795428930123L));
  }

  @Test
  void rejectsInvalidMetadataWithAReason() {
    String json = ModelMetadataJson.toJson(metadata(1, Map.of()));
    assertThatThrownBy(() -> ModelMetadataJson.fromJson(json.replace("\"dense\"", "\"ragged\"")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("inputKind");
    assertThatThrownBy(() -> ModelMetadataJson.fromJson(json.replace("\"tickets\"", "\"\"")))
        .hasMessageContaining("name");
    assertThatThrownBy(
            () ->
                ModelMetadataJson.fromJson(
                    json.replace("\"2026-10-01T00:00:00Z\"", "\"yesterday\"")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("ModelMetadata");
    assertThatThrownBy(() -> ModelMetadataJson.fromJson("[]"))
        .isInstanceOf(IllegalArgumentException.class);
    ModelMetadata dup =
        new ModelMetadata(
            "m",
            1,
            List.of("a", "a"),
            FeaturizerSpec.defaults(),
            "x",
            "sparse",
            List.of("indices"),
            "p",
            null,
            null,
            0,
            null,
            null,
            Map.of(),
            Map.of());
    assertThatThrownBy(() -> ModelMetadataJson.toJson(dup)).hasMessageContaining("distinct");
  }
}
