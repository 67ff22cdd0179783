package dev.loopline.model.train;

import dev.loopline.model.features.SparseVector;
import java.util.List;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt64;

/**
 * Builds the sparse (indices, values, dense_shape) tensors for a batch of vectors, in the layout
 * the exported signature takes. Package-private: the scorer has its own buffer-reusing copy of this
 * layout on DJL's side.
 */
final class SparseBatch implements AutoCloseable {
  final TInt64 indices;
  final TFloat32 values;
  final TInt64 denseShape;

  private SparseBatch(TInt64 indices, TFloat32 values, TInt64 denseShape) {
    this.indices = indices;
    this.values = values;
    this.denseShape = denseShape;
  }

  /** Full-width layout: columns are the feature buckets, shape [rows, width]. */
  static SparseBatch of(List<SparseVector> rows, int[] order, int from, int to, long width) {
    int nnz = 0;
    for (int i = from; i < to; i++) {
      nnz += rows.get(order == null ? i : order[i]).size();
    }
    long[] idx = new long[nnz * 2];
    float[] val = new float[nnz];
    int k = 0;
    for (int i = from; i < to; i++) {
      SparseVector v = rows.get(order == null ? i : order[i]);
      int[] cols = v.indices();
      float[] vals = v.values();
      long r = i - from;
      for (int j = 0; j < cols.length; j++) {
        idx[2 * k] = r;
        idx[2 * k + 1] = cols[j];
        val[k] = vals[j];
        k++;
      }
    }
    return make(idx, val, nnz, to - from, width);
  }

  static SparseBatch make(long[] idx, float[] val, int nnz, long rows, long width) {
    TInt64 i = TInt64.tensorOf(Shape.of(nnz, 2), DataBuffers.of(idx, true, false));
    TFloat32 v = TFloat32.tensorOf(Shape.of(nnz), DataBuffers.of(val, true, false));
    TInt64 s = TInt64.vectorOf(rows, width);
    return new SparseBatch(i, v, s);
  }

  @Override
  public void close() {
    indices.close();
    values.close();
    denseShape.close();
  }
}
