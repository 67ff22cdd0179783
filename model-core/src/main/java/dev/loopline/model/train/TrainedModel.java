package dev.loopline.model.train;

import dev.loopline.model.features.SparseVector;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The weights a {@link Trainer} produced, still in the training process. It predicts with the same
 * TensorFlow ops the exported SavedModel runs, so the probabilities it gives are what a scorer
 * loading the export must reproduce (the artifact's canaries are made from them). Not thread-safe.
 */
public interface TrainedModel extends AutoCloseable {

  /** The trainer's own probabilities: one row per input, columns in label order. */
  float[][] predict(List<SparseVector> batch);

  /**
   * Writes an inference-only SavedModel (no optimizer state) with signature {@code
   * serving_default}: inputs {@code indices} int64[-1,2], {@code values} float[-1], {@code
   * dense_shape} int64[2]; output {@code probabilities} float[-1, labels].
   *
   * @param dir a directory that does not exist yet or is empty
   */
  void exportSavedModel(Path dir);

  /** The labels, in output order. */
  List<String> labels();

  /** Settings, epochs run, device actually used, best validation loss; goes into metadata. */
  Map<String, String> trainerInfo();

  /** Frees the native graph, session and weights. Idempotent. */
  @Override
  void close();
}
