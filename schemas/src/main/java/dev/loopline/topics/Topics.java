package dev.loopline.topics;

import dev.loopline.config.LooplineConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The topic catalog: every topic name the platform uses, declared once and read from configuration
 * ({@code topic.events=...}); production code and tests use the same instance.
 */
public record Topics(
    String events,
    String predictions,
    String triage,
    String routedPrefix,
    String shadow,
    String corrections,
    String correctionsUnmatched,
    String feedback,
    String modelVersions,
    String modelDeployments,
    String forgotten,
    int partitions) {

  public static final String DLQ_SUFFIX = ".dlq";

  public static Topics defaults() {
    return from(LooplineConfig.of(Map.of()));
  }

  public static Topics from(LooplineConfig c) {
    return new Topics(
        c.get("topic.events", "events"),
        c.get("topic.predictions", "predictions"),
        c.get("topic.triage", "triage"),
        c.get("topic.routed.prefix", "routed."),
        c.get("topic.shadow", "predictions.shadow"),
        c.get("topic.corrections", "corrections"),
        c.get("topic.corrections.unmatched", "corrections.unmatched"),
        c.get("topic.feedback", "feedback"),
        c.get("topic.model.versions", "model-versions"),
        c.get("topic.model.deployments", "model-deployments"),
        c.get("topic.forgotten", "forgotten"),
        c.getInt("topic.partitions", 4));
  }

  /** The dead-letter topic of a source topic. */
  public static String dlq(String topic) {
    return topic + DLQ_SUFFIX;
  }

  /** The auto-route topic of a label: {@code routed.<slug>}. */
  public String routed(String label) {
    return routedPrefix + slug(label);
  }

  /** A label made topic-safe: lower case, runs of anything but [a-z0-9] become one '-'. */
  public static String slug(String label) {
    String s = NOT_TOPIC_SAFE.matcher(label.toLowerCase(Locale.ROOT)).replaceAll("-");
    s = EDGE_DASHES.matcher(s).replaceAll("");
    return s.isEmpty() ? "unnamed" : s;
  }

  private static final java.util.regex.Pattern NOT_TOPIC_SAFE =
      java.util.regex.Pattern.compile("[^a-z0-9]+");
  private static final java.util.regex.Pattern EDGE_DASHES =
      java.util.regex.Pattern.compile("^-+|-+$");

  /** The platform's fixed topics (routed.* topics come from the decision policy at start). */
  public List<TopicSpec> core() {
    List<TopicSpec> out = new ArrayList<>();
    out.add(new TopicSpec(events, partitions, TopicSpec.DELETE));
    out.add(new TopicSpec(predictions, partitions, TopicSpec.DELETE));
    out.add(new TopicSpec(triage, partitions, TopicSpec.DELETE));
    out.add(new TopicSpec(shadow, partitions, TopicSpec.DELETE));
    out.add(new TopicSpec(corrections, partitions, TopicSpec.DELETE));
    out.add(new TopicSpec(correctionsUnmatched, partitions, TopicSpec.DELETE));
    out.add(new TopicSpec(feedback, partitions, TopicSpec.COMPACTED));
    out.add(new TopicSpec(modelVersions, 1, TopicSpec.COMPACTED));
    out.add(new TopicSpec(modelDeployments, 1, TopicSpec.DELETE));
    out.add(new TopicSpec(forgotten, 1, TopicSpec.COMPACTED));
    out.add(new TopicSpec(dlq(events), 1, TopicSpec.DELETE));
    out.add(new TopicSpec(dlq(corrections), 1, TopicSpec.DELETE));
    return out;
  }
}
