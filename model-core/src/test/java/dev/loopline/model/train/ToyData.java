package dev.loopline.model.train;

import dev.loopline.model.features.FeaturizerSpec;
import dev.loopline.model.features.SparseVector;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.TreeMap;

/** Seeded sparse toy problems over a small hashed width, for fast trainer tests. */
final class ToyData {
  static final int BITS = 12;

  /** Default featurizer spec narrowed to {@link #BITS}: the trainer only reads the width. */
  static FeaturizerSpec spec() {
    FeaturizerSpec d = FeaturizerSpec.defaults();
    return new FeaturizerSpec(
        d.version(),
        BITS,
        d.wordNgramMax(),
        d.charNgramMin(),
        d.charNgramMax(),
        d.maxTextChars(),
        d.attributeKeys(),
        d.seed(),
        d.sublinearTf(),
        d.l2Normalize());
  }

  final List<SparseVector> x = new ArrayList<>();
  final int[] y;

  /**
   * @param classShare relative frequency per class
   * @param signal features per row drawn from the row's class block (the rest are shared noise)
   * @param flip probability that a row's label is replaced by a random one
   */
  ToyData(long seed, int n, double[] classShare, int signal, int noise, double flip) {
    this(seed, n, classShare, signal, noise, flip, 0);
  }

  /**
   * @param confuse probability that a signal feature of a class other than 0 comes from class 0's
   *     block instead (makes the classes overlap)
   */
  ToyData(
      long seed, int n, double[] classShare, int signal, int noise, double flip, double confuse) {
    SplittableRandom rng = new SplittableRandom(seed);
    y = new int[n];
    double total = 0;
    for (double s : classShare) {
      total += s;
    }
    for (int i = 0; i < n; i++) {
      double u = rng.nextDouble() * total;
      int c = 0;
      while (c < classShare.length - 1 && u > classShare[c]) {
        u -= classShare[c];
        c++;
      }
      TreeMap<Integer, Float> f = new TreeMap<>();
      for (int k = 0; k < signal; k++) {
        int block = rng.nextDouble() < confuse ? 0 : c;
        f.put(block * 64 + rng.nextInt(64), 1f);
      }
      for (int k = 0; k < noise; k++) {
        f.put(1024 + rng.nextInt(2048), 1f);
      }
      int[] idx = new int[f.size()];
      float[] val = new float[f.size()];
      float norm = (float) (1 / Math.sqrt(f.size()));
      int k = 0;
      for (int key : f.keySet()) {
        idx[k] = key;
        val[k++] = norm;
      }
      x.add(new SparseVector(idx, val));
      y[i] = rng.nextDouble() < flip ? rng.nextInt(classShare.length) : c;
    }
  }

  static int argmax(float[] p) {
    int best = 0;
    for (int c = 1; c < p.length; c++) {
      if (p[c] > p[best]) {
        best = c;
      }
    }
    return best;
  }

  static double accuracy(float[][] probs, int[] y) {
    int ok = 0;
    for (int i = 0; i < y.length; i++) {
      ok += argmax(probs[i]) == y[i] ? 1 : 0;
    }
    return ok / (double) y.length;
  }

  static double recall(float[][] probs, int[] y, int label) {
    int hit = 0;
    int total = 0;
    for (int i = 0; i < y.length; i++) {
      if (y[i] == label) {
        total++;
        hit += argmax(probs[i]) == label ? 1 : 0;
      }
    }
    return hit / (double) total;
  }
}
