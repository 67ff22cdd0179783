package dev.loopline.model.scoring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import dev.loopline.model.features.SparseVector;
import dev.loopline.model.tf.TensorFlowNatives;
import dev.loopline.model.train.SparseSignature;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The translator's three inputs on the TensorFlow engine: every (row, column) pair and value in
 * order, also across batches whose pairs span several of its copy chunks and batches that make it
 * grow its buffers; an index outside the model's width is refused.
 */
@Tag("integration")
class SparseInputTranslatorIntegrationTest {

  private static final int WIDTH = 1 << 18;

  @Test
  void inputsHoldEveryPairAndValueInRowOrderAcrossChunksAndGrowth() {
    TensorFlowNatives.ensureLoaded();
    SparseInputTranslator translator = new SparseInputTranslator(WIDTH, 4);
    Random random = new Random(7);
    // Rows of 0-600 non-zeros: 3 rows, then 300 (many chunks, chunk boundaries inside rows, grown
    // buffers), then 5 again in the grown buffers.
    for (int rows : new int[] {3, 300, 5}) {
      List<SparseVector> batch = new ArrayList<>();
      for (int r = 0; r < rows; r++) {
        int n = r % 7 == 3 ? 0 : 1 + random.nextInt(600);
        int[] cols = new int[n];
        float[] vals = new float[n];
        for (int j = 0; j < n; j++) {
          cols[j] = random.nextInt(WIDTH);
          vals[j] = random.nextFloat();
        }
        batch.add(new SparseVector(cols, vals));
      }
      try (NDManager manager = NDManager.newBaseManager("TensorFlow")) {
        NDList in = translator.toInputs(manager, batch);
        long[] pairs = in.get(SparseSignature.INDICES).toLongArray();
        float[] values = in.get(SparseSignature.VALUES).toFloatArray();
        long[] shape = in.get(SparseSignature.DENSE_SHAPE).toLongArray();

        List<Long> expectedPairs = new ArrayList<>();
        List<Float> expectedValues = new ArrayList<>();
        for (int r = 0; r < rows; r++) {
          SparseVector v = batch.get(r);
          for (int j = 0; j < v.size(); j++) {
            expectedPairs.add((long) r);
            expectedPairs.add((long) v.indices()[j]);
            expectedValues.add(v.values()[j]);
          }
        }
        assertThat(pairs).as("%d rows", rows).containsExactly(toLongs(expectedPairs));
        assertThat(values).containsExactly(toFloats(expectedValues));
        assertThat(shape).containsExactly(rows, WIDTH);
      }
    }
  }

  @Test
  void anIndexOutsideTheModelsWidthIsRefused() {
    TensorFlowNatives.ensureLoaded();
    SparseInputTranslator translator = new SparseInputTranslator(WIDTH, 4);
    List<SparseVector> batch =
        List.of(
            new SparseVector(new int[] {1, 2}, new float[] {1, 1}),
            new SparseVector(new int[] {3, WIDTH}, new float[] {1, 1}));
    try (NDManager manager = NDManager.newBaseManager("TensorFlow")) {
      assertThatThrownBy(() -> translator.toInputs(manager, batch))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("feature index " + WIDTH + " outside [0, " + WIDTH + ")");
    }
  }

  private static long[] toLongs(List<Long> xs) {
    long[] out = new long[xs.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = xs.get(i);
    }
    return out;
  }

  private static float[] toFloats(List<Float> xs) {
    float[] out = new float[xs.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = xs.get(i);
    }
    return out;
  }
}
