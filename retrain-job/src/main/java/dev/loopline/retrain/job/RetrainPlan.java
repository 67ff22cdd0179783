package dev.loopline.retrain.job;

import dev.loopline.config.LooplineConfig;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * What the client decided before the job starts, shipped to the training task: the version number
 * to publish, what serves now, the sticky split, the exact feedback offsets read, and the
 * configuration (as a plain map, so the task rebuilds trainer, gate and publisher settings from the
 * one config layer).
 */
public final class RetrainPlan implements Serializable {

  private static final long serialVersionUID = 1L;

  /** The version that serves now, as far as the training task needs to know it. */
  public record Production(
      int version, String artifactUri, String sha256, List<String> labels, List<Integer> chain)
      implements Serializable {}

  public final HashMap<String, String> config;
  public final String modelName;
  public final int nextVersion;

  /** Labels from config ({@code model.labels}); null: production's labels, else the data's. */
  public final ArrayList<String> configuredLabels;

  public final Production production;
  public final HoldoutSplit split;
  public final double recentFraction;
  public final String feedbackTopic;

  /** Partition to exclusive end offset read from the feedback topic. */
  public final TreeMap<Integer, Long> feedbackOffsets;

  public final long startedAtMillis;

  /** Event ids on the {@code forgotten} topic at start: skipped, never trained or evaluated on. */
  public final HashSet<String> forgotten;

  public RetrainPlan(
      LooplineConfig config,
      String modelName,
      int nextVersion,
      List<String> configuredLabels,
      Production production,
      HoldoutSplit split,
      double recentFraction,
      String feedbackTopic,
      Map<Integer, Long> feedbackOffsets,
      long startedAtMillis,
      Set<String> forgotten) {
    this.config = new HashMap<>(config.asMap());
    this.modelName = modelName;
    this.nextVersion = nextVersion;
    this.configuredLabels = configuredLabels == null ? null : new ArrayList<>(configuredLabels);
    this.production = production;
    this.split = split;
    this.recentFraction = recentFraction;
    this.feedbackTopic = feedbackTopic;
    this.feedbackOffsets = new TreeMap<>(feedbackOffsets);
    this.startedAtMillis = startedAtMillis;
    this.forgotten = forgotten == null ? new HashSet<>() : new HashSet<>(forgotten);
  }

  public LooplineConfig looplineConfig() {
    return LooplineConfig.of(config);
  }
}
