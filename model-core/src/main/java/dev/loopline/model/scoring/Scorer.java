package dev.loopline.model.scoring;

import dev.loopline.model.artifact.ModelMetadata;
import dev.loopline.model.features.SparseVector;
import java.util.List;

/**
 * A loaded, frozen model version. The scoring topology, backtest and evaluation talk only to this
 * interface; the DJL TensorFlow implementation lives behind it. Not thread-safe: one per stream
 * thread or task.
 */
public interface Scorer extends AutoCloseable {

  /** Name, version, labels (in output order) and featurizer spec of the loaded artifact. */
  ModelMetadata metadata();

  /**
   * Probabilities for a batch: one row per input, columns in {@code metadata().labels()} order,
   * each row summing to 1.
   */
  float[][] predict(List<SparseVector> batch);

  /** Frees native memory. Idempotent. */
  @Override
  void close();
}
