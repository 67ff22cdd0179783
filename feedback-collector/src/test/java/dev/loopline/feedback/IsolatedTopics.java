package dev.loopline.feedback;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

/**
 * Topic-name overrides that give one integration test class its own topics on the broker it shares
 * with the module's other integration tests. Without them the classes read each other's records
 * (another class's labels in a confusion matrix, another class's near-now timestamps advancing the
 * collector's stream time past this class's records).
 */
public final class IsolatedTopics {

  private IsolatedTopics() {}

  /** Overrides for every {@code topic.*} key {@code Topics.from} reads, under a unique prefix. */
  public static Map<String, String> overrides(String owner) {
    String p = owner + "-" + UUID.randomUUID().toString().substring(0, 8) + ".";
    Map<String, String> m = new LinkedHashMap<>();
    m.put("topic.events", p + "events");
    m.put("topic.predictions", p + "predictions");
    m.put("topic.triage", p + "triage");
    m.put("topic.routed.prefix", p + "routed.");
    m.put("topic.shadow", p + "predictions.shadow");
    m.put("topic.corrections", p + "corrections");
    m.put("topic.corrections.unmatched", p + "corrections.unmatched");
    m.put("topic.feedback", p + "feedback");
    m.put("topic.model.versions", p + "model-versions");
    m.put("topic.model.deployments", p + "model-deployments");
    m.put("topic.forgotten", p + "forgotten");
    return m;
  }
}
