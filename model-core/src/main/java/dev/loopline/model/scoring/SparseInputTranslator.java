package dev.loopline.model.scoring;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.translate.Batchifier;
import ai.djl.translate.Translator;
import ai.djl.translate.TranslatorContext;
import dev.loopline.model.features.SparseVector;
import dev.loopline.model.train.SparseSignature;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.util.List;

/**
 * Turns a batch of sparse vectors into the three named inputs of the sparse signature, and the
 * output back into rows of probabilities.
 *
 * <p>Why its own buffers: DJL copies a Java array input into a fresh direct buffer that only the GC
 * frees (RSS grew to 2.6 GB in STACK.md's measurements). This translator keeps one direct buffer
 * per input, grows it when a batch needs more, and rewinds it before each call. Inputs are named
 * because DJL feeds unnamed inputs in sorted-name order. One translator per predictor: not
 * thread-safe.
 */
final class SparseInputTranslator implements Translator<List<SparseVector>, float[][]> {
  private final long width;
  private final int classes;
  private ByteBuffer indices = allocate(16 * 1024);
  private ByteBuffer values = allocate(4 * 1024);
  private final ByteBuffer shape = allocate(16);
  private final long[] pairs = new long[2 * 1024]; // even: whole (row, column) pairs

  SparseInputTranslator(long width, int classes) {
    this.width = width;
    this.classes = classes;
  }

  private static ByteBuffer allocate(int bytes) {
    return ByteBuffer.allocateDirect(bytes).order(ByteOrder.nativeOrder());
  }

  @Override
  public NDList processInput(TranslatorContext ctx, List<SparseVector> batch) {
    return toInputs(ctx.getNDManager(), batch);
  }

  NDList toInputs(NDManager manager, List<SparseVector> batch) {
    int nnz = 0;
    for (SparseVector v : batch) {
      nnz += v.size();
    }
    if (indices.capacity() < nnz * 16) {
      indices = allocate(Math.max(nnz * 16, indices.capacity() * 2));
      values = allocate(Math.max(nnz * 4, values.capacity() * 2));
    }
    indices.clear();
    values.clear();
    shape.clear();
    // (row, column) pairs go through a small heap chunk and bulk copies: a put per long into the
    // direct buffer's view cost ~5% of featurize + predict.
    LongBuffer idx = indices.asLongBuffer();
    long[] chunk = pairs;
    int k = 0;
    FloatBuffer val = values.asFloatBuffer();
    long row = 0;
    for (SparseVector v : batch) {
      for (int col : v.indices()) {
        if (col < 0 || col >= width) {
          throw new IllegalArgumentException(
              "feature index " + col + " outside [0, " + width + "): featurizer spec mismatch");
        }
        if (k == chunk.length) {
          idx.put(chunk, 0, k);
          k = 0;
        }
        chunk[k++] = row;
        chunk[k++] = col;
      }
      val.put(v.values());
      row++;
    }
    idx.put(chunk, 0, k);
    indices.limit(nnz * 16);
    values.limit(nnz * 4);
    shape.asLongBuffer().put(batch.size()).put(width);
    shape.limit(16);
    NDArray i = manager.create(indices, new Shape(nnz, 2), DataType.INT64);
    i.setName(SparseSignature.INDICES);
    NDArray v = manager.create(values, new Shape(nnz), DataType.FLOAT32);
    v.setName(SparseSignature.VALUES);
    NDArray s = manager.create(shape, new Shape(2), DataType.INT64);
    s.setName(SparseSignature.DENSE_SHAPE);
    return new NDList(i, v, s);
  }

  @Override
  public float[][] processOutput(TranslatorContext ctx, NDList list) {
    NDArray probs = list.size() == 1 ? list.get(0) : list.get(SparseSignature.OUTPUT);
    if (probs == null) {
      probs = list.get(0);
    }
    Shape s = probs.getShape();
    if (s.dimension() != 2 || s.get(1) != classes) {
      throw new IllegalStateException(
          "model output has shape " + s + ", expected (rows, " + classes + ")");
    }
    float[] flat = probs.toFloatArray();
    int rows = (int) s.get(0);
    float[][] out = new float[rows][classes];
    for (int r = 0; r < rows; r++) {
      System.arraycopy(flat, r * classes, out[r], 0, classes);
    }
    return out;
  }

  @Override
  public Batchifier getBatchifier() {
    return null; // the input is already one batch
  }
}
