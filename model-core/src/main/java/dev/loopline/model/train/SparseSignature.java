package dev.loopline.model.train;

import java.util.List;

/**
 * The serving contract of every SavedModel the trainer exports, shared by the exporter, the
 * artifact metadata and the scorer so the names live in one place.
 */
public final class SparseSignature {
  /** SavedModel tag set. */
  public static final String TAG = "serve";

  /** Signature key. */
  public static final String KEY = "serving_default";

  /** int64 [nnz, 2]: (row, feature bucket) pairs. */
  public static final String INDICES = "indices";

  /** float [nnz]: the feature values. */
  public static final String VALUES = "values";

  /** int64 [2]: (batch rows, 2^hashBits). */
  public static final String DENSE_SHAPE = "dense_shape";

  /** float [batch, labels]: softmax probabilities. */
  public static final String OUTPUT = "probabilities";

  /** Metadata's {@code inputKind}. */
  public static final String INPUT_KIND = "sparse";

  /** Input names in the order the metadata lists them. */
  public static final List<String> INPUT_NAMES = List.of(INDICES, VALUES, DENSE_SHAPE);

  private SparseSignature() {}
}
