package dev.loopline.retrain.registry;

import dev.loopline.avro.Deployment;
import dev.loopline.avro.ModelVersion;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Everything {@code model-versions} and {@code model-deployments} say about one model name: its
 * versions (the last record per key wins, as compaction would leave it) and the deployment audit
 * trail in topic order (the last one says which version serves).
 */
public final class ModelHistory {

  private final String modelName;
  private final NavigableMap<Integer, ModelVersion> versions;
  private final List<Deployment> deployments;

  public ModelHistory(
      String modelName,
      NavigableMap<Integer, ModelVersion> versions,
      List<Deployment> deployments) {
    this.modelName = modelName;
    this.versions = Collections.unmodifiableNavigableMap(new TreeMap<>(versions));
    this.deployments = List.copyOf(deployments);
  }

  public static ModelHistory empty(String modelName) {
    return new ModelHistory(modelName, new TreeMap<>(), new ArrayList<>());
  }

  public String modelName() {
    return modelName;
  }

  public NavigableMap<Integer, ModelVersion> versions() {
    return versions;
  }

  public List<Deployment> deployments() {
    return deployments;
  }

  /** The highest version number recorded, 0 if none. */
  public int maxVersion() {
    return versions.isEmpty() ? 0 : versions.lastKey();
  }

  /** The version number the next run publishes. */
  public int nextVersion() {
    return maxVersion() + 1;
  }

  public Optional<ModelVersion> version(int v) {
    return Optional.ofNullable(versions.get(v));
  }

  /** The latest deployment record, which says what serves now. */
  public Optional<Deployment> currentDeployment() {
    return deployments.isEmpty()
        ? Optional.empty()
        : Optional.of(deployments.get(deployments.size() - 1));
  }

  /** The version serving now, if one was ever deployed and its record is known. */
  public Optional<ModelVersion> production() {
    return currentDeployment().flatMap(d -> version(d.getVersion()));
  }

  /** The newest version of any verdict (its lineage carries the split and feedback offsets). */
  public Optional<ModelVersion> latest() {
    return versions.isEmpty() ? Optional.empty() : Optional.of(versions.lastEntry().getValue());
  }
}
