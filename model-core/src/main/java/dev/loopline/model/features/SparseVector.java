package dev.loopline.model.features;

/**
 * A sparse feature vector: sorted, distinct bucket {@code indices} in {@code [0, 2^hashBits)} and
 * their {@code values}. This is what the featurizer emits and what every model consumes, in
 * training, serving and backtest alike.
 */
public record SparseVector(int[] indices, float[] values) {
  public SparseVector {
    if (indices.length != values.length) {
      throw new IllegalArgumentException("indices and values differ in length");
    }
  }

  public int size() {
    return indices.length;
  }
}
