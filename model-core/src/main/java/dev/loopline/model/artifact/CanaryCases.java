package dev.loopline.model.artifact;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import dev.loopline.model.json.Json;
import java.util.List;
import java.util.Map;

/** {@code canaries.json} mapping: a JSON array of {@link CanaryCase}. */
public final class CanaryCases {

  private static final TypeReference<List<CanaryCase>> LIST = new TypeReference<>() {};

  private CanaryCases() {}

  public static String toJson(List<CanaryCase> canaries) {
    return Json.toPrettyJson(canaries);
  }

  /**
   * Parses canaries; null attributes become an empty map.
   *
   * @throws IllegalArgumentException on malformed JSON or a canary without expected output
   */
  public static List<CanaryCase> fromJson(String json) {
    List<CanaryCase> raw;
    try {
      raw = Json.compact().readValue(json, LIST);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("invalid canaries JSON: " + e.getOriginalMessage(), e);
    }
    if (raw == null) {
      return List.of();
    }
    return raw.stream()
        .map(
            c -> {
              if (c == null || c.expected() == null) {
                throw new IllegalArgumentException("canary without expected probabilities");
              }
              return new CanaryCase(
                  c.text(), c.attributes() == null ? Map.of() : c.attributes(), c.expected());
            })
        .toList();
  }

  /**
   * Checks each canary has one finite probability per label.
   *
   * @throws IllegalArgumentException naming the first bad canary
   */
  public static void validate(List<CanaryCase> canaries, int labels) {
    for (int i = 0; i < canaries.size(); i++) {
      float[] e = canaries.get(i).expected();
      if (e == null || e.length != labels) {
        throw new IllegalArgumentException(
            "canary " + i + ": expected " + labels + " probabilities");
      }
      for (float v : e) {
        if (!Float.isFinite(v)) {
          throw new IllegalArgumentException("canary " + i + ": non-finite probability");
        }
      }
    }
  }
}
