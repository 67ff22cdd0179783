package dev.loopline.backtest;

import java.io.Serializable;
import java.util.List;

/**
 * A chosen model version, as {@code model-versions} records it, plus what it and its warm-start
 * ancestors trained on.
 *
 * @param trainingSets the version's own training set first, then each ancestor's (parentChain)
 */
public record VersionSpec(
    String name,
    int version,
    String artifactUri,
    String sha256,
    List<String> labels,
    String featurizerFingerprint,
    List<TrainingSet> trainingSets)
    implements Serializable {

  public VersionSpec {
    labels = List.copyOf(labels);
    trainingSets = List.copyOf(trainingSets);
  }

  public String key() {
    return name + ":" + version;
  }

  /** Whether this version or an ancestor trained on the feedback record at partition/offset. */
  public boolean trainedOn(String eventId, int partition, long offset) {
    for (TrainingSet t : trainingSets) {
      if (t.contains(eventId, partition, offset)) {
        return true;
      }
    }
    return false;
  }
}
