package dev.loopline.model.features;

import dev.loopline.model.json.Json;
import dev.loopline.model.store.Sha256;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/**
 * The featurizer spec as data: JSON for the artifact, validation, and the fingerprint that a scorer
 * compares at load time. The fingerprint covers the spec in canonical form (sorted keys, attribute
 * keys as a sorted set) and {@link Featurizer#CODE_VERSION}, so both a spec change and a featurizer
 * code change make old and new artifacts distinguishable.
 */
public final class FeaturizerSpecs {

  private FeaturizerSpecs() {}

  /** Indented JSON with the record's component names. */
  public static String toJson(FeaturizerSpec spec) {
    return Json.toPrettyJson(spec);
  }

  /**
   * Parses and validates a spec.
   *
   * @throws IllegalArgumentException on malformed JSON or invalid values
   */
  public static FeaturizerSpec fromJson(String json) {
    FeaturizerSpec spec = Json.fromJson(json, FeaturizerSpec.class);
    if (spec == null) {
      throw new IllegalArgumentException("invalid FeaturizerSpec JSON: null");
    }
    if (spec.attributeKeys() == null) {
      spec =
          new FeaturizerSpec(
              spec.version(),
              spec.hashBits(),
              spec.wordNgramMax(),
              spec.charNgramMin(),
              spec.charNgramMax(),
              spec.maxTextChars(),
              List.of(),
              spec.seed(),
              spec.sublinearTf(),
              spec.l2Normalize());
    }
    validate(spec);
    return spec;
  }

  /** The spec with its attribute keys sorted and de-duplicated, as hashed by the fingerprint. */
  public static FeaturizerSpec canonical(FeaturizerSpec spec) {
    List<String> keys =
        spec.attributeKeys() == null
            ? List.of()
            : List.copyOf(new ArrayList<>(new TreeSet<>(spec.attributeKeys())));
    return new FeaturizerSpec(
        spec.version(),
        spec.hashBits(),
        spec.wordNgramMax(),
        spec.charNgramMin(),
        spec.charNgramMax(),
        spec.maxTextChars(),
        keys,
        spec.seed(),
        spec.sublinearTf(),
        spec.l2Normalize());
  }

  /** Canonical one-line JSON (sorted keys), the input of the fingerprint. */
  public static String canonicalJson(FeaturizerSpec spec) {
    return Json.toCompactJson(canonical(spec));
  }

  /** sha256 hex of {@code canonicalJson(spec) + "\n" + Featurizer.CODE_VERSION}. */
  public static String fingerprint(FeaturizerSpec spec) {
    return Sha256.ofUtf8(canonicalJson(spec) + "\n" + Featurizer.CODE_VERSION);
  }

  /**
   * Checks the values a featurizer can work with.
   *
   * @throws IllegalArgumentException naming the first bad component
   */
  public static void validate(FeaturizerSpec spec) {
    if (spec == null) {
      throw new IllegalArgumentException("featurizer spec is missing");
    }
    if (spec.hashBits() < 1 || spec.hashBits() > 30) {
      throw new IllegalArgumentException("hashBits must be within [1, 30], was " + spec.hashBits());
    }
    if (spec.wordNgramMax() < 0 || spec.wordNgramMax() > 8) {
      throw new IllegalArgumentException(
          "wordNgramMax must be within [0, 8], was " + spec.wordNgramMax());
    }
    if (spec.charNgramMin() != 0
        && (spec.charNgramMin() < 1
            || spec.charNgramMax() < spec.charNgramMin()
            || spec.charNgramMax() > 16)) {
      throw new IllegalArgumentException(
          "char n-grams must satisfy 1 <= charNgramMin <= charNgramMax <= 16 (or charNgramMin = 0),"
              + " was "
              + spec.charNgramMin()
              + ".."
              + spec.charNgramMax());
    }
    if (spec.wordNgramMax() == 0 && spec.charNgramMin() == 0) {
      throw new IllegalArgumentException("no text features: both word and char n-grams disabled");
    }
    if (spec.maxTextChars() < 1) {
      throw new IllegalArgumentException(
          "maxTextChars must be positive, was " + spec.maxTextChars());
    }
    if (spec.attributeKeys() == null) {
      throw new IllegalArgumentException("attributeKeys must not be null (empty = all)");
    }
    for (String k : spec.attributeKeys()) {
      if (k == null || k.isEmpty()) {
        throw new IllegalArgumentException("attributeKeys contains an empty key");
      }
    }
  }
}
