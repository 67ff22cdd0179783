package dev.loopline.model.features;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class FeaturizerSpecsTest {

  @Test
  void jsonRoundTrips() {
    FeaturizerSpec spec =
        new FeaturizerSpec(1, 16, 3, 2, 4, 5000, List.of("channel", "tier"), 99, false, true);
    String json = FeaturizerSpecs.toJson(spec);
    assertThat(json).contains("\"hashBits\" : 16").doesNotContain("dimension");
    assertThat(FeaturizerSpecs.fromJson(json)).isEqualTo(spec);
    assertThat(FeaturizerSpecs.fromJson(FeaturizerSpecs.toJson(FeaturizerSpec.defaults())))
        .isEqualTo(FeaturizerSpec.defaults());
  }

  @Test
  void fingerprintIsStableAndSensitiveToEveryComponent() {
    FeaturizerSpec base = new FeaturizerSpec(1, 18, 2, 3, 5, 20_000, List.of("a"), 7, true, true);
    String fp = FeaturizerSpecs.fingerprint(base);
    assertThat(fp).hasSize(64).matches("[0-9a-f]+");
    assertThat(FeaturizerSpecs.fingerprint(base)).isEqualTo(fp);
    List<FeaturizerSpec> variants =
        List.of(
            new FeaturizerSpec(2, 18, 2, 3, 5, 20_000, List.of("a"), 7, true, true),
            new FeaturizerSpec(1, 17, 2, 3, 5, 20_000, List.of("a"), 7, true, true),
            new FeaturizerSpec(1, 18, 1, 3, 5, 20_000, List.of("a"), 7, true, true),
            new FeaturizerSpec(1, 18, 2, 2, 5, 20_000, List.of("a"), 7, true, true),
            new FeaturizerSpec(1, 18, 2, 3, 4, 20_000, List.of("a"), 7, true, true),
            new FeaturizerSpec(1, 18, 2, 3, 5, 10_000, List.of("a"), 7, true, true),
            new FeaturizerSpec(1, 18, 2, 3, 5, 20_000, List.of("b"), 7, true, true),
            new FeaturizerSpec(1, 18, 2, 3, 5, 20_000, List.of("a"), 8, true, true),
            new FeaturizerSpec(1, 18, 2, 3, 5, 20_000, List.of("a"), 7, false, true),
            new FeaturizerSpec(1, 18, 2, 3, 5, 20_000, List.of("a"), 7, true, false));
    Set<String> fps = new HashSet<>();
    fps.add(fp);
    for (FeaturizerSpec v : variants) {
      fps.add(FeaturizerSpecs.fingerprint(v));
    }
    assertThat(fps).hasSize(variants.size() + 1);
  }

  @Test
  void attributeKeyOrderDoesNotChangeTheFingerprint() {
    FeaturizerSpec ab = new FeaturizerSpec(1, 18, 2, 3, 5, 100, List.of("a", "b"), 7, true, true);
    FeaturizerSpec ba = new FeaturizerSpec(1, 18, 2, 3, 5, 100, List.of("b", "a"), 7, true, true);
    assertThat(FeaturizerSpecs.fingerprint(ab)).isEqualTo(FeaturizerSpecs.fingerprint(ba));
    assertThat(FeaturizerSpecs.canonicalJson(ab))
        .isEqualTo(
            "{\"attributeKeys\":[\"a\",\"b\"],\"charNgramMax\":5,\"charNgramMin\":3,"
                + "\"hashBits\":18,\"l2Normalize\":true,\"maxTextChars\":100,\"seed\":7,"
                + "\"sublinearTf\":true,\"version\":1,\"wordNgramMax\":2}");
  }

  @Test
  void fingerprintCoversTheCodeVersion() {
    FeaturizerSpec spec = FeaturizerSpec.defaults();
    String withoutCode =
        dev.loopline.model.store.Sha256.ofUtf8(FeaturizerSpecs.canonicalJson(spec));
    assertThat(FeaturizerSpecs.fingerprint(spec)).isNotEqualTo(withoutCode);
    assertThat(new Featurizer(spec).fingerprint()).isEqualTo(FeaturizerSpecs.fingerprint(spec));
  }

  @Test
  void fromJsonRejectsGarbageAndInvalidValues() {
    assertThatThrownBy(() -> FeaturizerSpecs.fromJson("{not json"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("FeaturizerSpec");
    String bad =
        FeaturizerSpecs.toJson(FeaturizerSpec.defaults())
            .replace("\"hashBits\" : 18", "\"hashBits\" : 40");
    assertThatThrownBy(() -> FeaturizerSpecs.fromJson(bad))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("hashBits");
    FeaturizerSpec noKeys =
        FeaturizerSpecs.fromJson(
            "{\"version\":1,\"hashBits\":10,\"wordNgramMax\":1,\"charNgramMin\":0,"
                + "\"charNgramMax\":0,\"maxTextChars\":10,\"seed\":1,\"sublinearTf\":true,"
                + "\"l2Normalize\":true}");
    assertThat(noKeys.attributeKeys()).isEmpty();
  }
}
