package dev.loopline.backtest;

import java.io.Serializable;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Everything the backtest job's tasks need, resolved by the client before the job starts: the
 * versions (with where their artifacts are and what they trained on), the model store, the slice
 * attribute, the forgotten ids and the micro-batch size.
 *
 * @param servedModelName predictions of this model name are joined as "what actually served"
 * @param storeUri base URI of the model store the artifacts are fetched through
 * @param workDir local directory where tasks unpack artifacts
 * @param sliceAttribute event attribute to slice by, or null
 * @param forgotten event ids removed on request: never evaluated
 * @param policy the decision policy's settings the figures are computed under
 * @param includeTrained keep (and flag) events a version trained on instead of excluding them
 * @param from start of the range (ISO-8601), for the report
 * @param to end of the range (exclusive), for the report
 */
public record BacktestPlan(
    List<VersionSpec> versions,
    String servedModelName,
    String storeUri,
    String workDir,
    String sliceAttribute,
    Set<String> forgotten,
    int batchSize,
    Map<String, String> policy,
    boolean includeTrained,
    String from,
    String to)
    implements Serializable {

  public BacktestPlan {
    versions = List.copyOf(versions);
    forgotten = Set.copyOf(forgotten);
    policy = new java.util.TreeMap<>(policy);
    if (versions.isEmpty() || versions.size() > 63) {
      throw new IllegalArgumentException("between 1 and 63 versions, got " + versions.size());
    }
    if (batchSize < 1) {
      throw new IllegalArgumentException("batch size must be positive");
    }
  }

  /** Offset of version {@code i}'s probabilities in a concatenated row. */
  public int probOffset(int i) {
    int o = 0;
    for (int j = 0; j < i; j++) {
      o += versions.get(j).labels().size();
    }
    return o;
  }

  public int probWidth() {
    return probOffset(versions.size());
  }
}
