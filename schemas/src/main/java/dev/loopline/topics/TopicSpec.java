package dev.loopline.topics;

import java.util.Map;

/**
 * A topic as the platform declares it: name, partitions, and configs (compaction, retention).
 * Topics are created from these declarations and nowhere else.
 */
public record TopicSpec(String name, int partitions, Map<String, String> configs) {

  public static final Map<String, String> COMPACTED = Map.of("cleanup.policy", "compact");
  public static final Map<String, String> DELETE = Map.of("cleanup.policy", "delete");

  public boolean compacted() {
    return "compact".equals(configs.get("cleanup.policy"));
  }
}
