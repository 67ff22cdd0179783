package dev.loopline.model.features;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The output sort of {@code emit}: a counting pass on the top bits plus an insertion sort, with a
 * radix-sort fallback when the keys are not spread (never for hash buckets, so tested here).
 */
class FeaturizerSortTest {

  /** (bucket, count) pairs as emit packs them, buckets distinct. */
  private static long[] packed(int[] buckets) {
    long[] a = new long[buckets.length];
    for (int i = 0; i < a.length; i++) {
      a[i] = ((long) buckets[i] << 32) | ((i * 7 + 1) & 0xFFFFFFFFL);
    }
    return a;
  }

  private static long[] sortWithScratch(long[] input, int hashBits) {
    Featurizer.Scratch s = new Featurizer.Scratch();
    s.packed = input.clone();
    long[] out = s.sortByIndex(s.packed, input.length, hashBits);
    return Arrays.copyOf(out, input.length);
  }

  private static int[] distinctRandom(Random r, int n, int hashBits) {
    Set<Integer> seen = new HashSet<>();
    int[] out = new int[n];
    for (int i = 0; i < n; ) {
      int b = r.nextInt(1 << hashBits);
      if (seen.add(b)) {
        out[i++] = b;
      }
    }
    return out;
  }

  @Test
  void sortsSpreadKeysLikeArraysSort() {
    Random r = new Random(11);
    for (int hashBits : new int[] {6, 12, 18, 30}) {
      for (int n : new int[] {0, 1, 2, 47, 48, 49, 100, 1000, 5000}) {
        if (n > (1 << hashBits) / 2) {
          continue;
        }
        long[] a = packed(distinctRandom(r, n, hashBits));
        long[] expected = a.clone();
        Arrays.sort(expected);
        assertThat(sortWithScratch(a, hashBits))
            .as("n %d bits %d", n, hashBits)
            .isEqualTo(expected);
      }
    }
  }

  @Test
  void keysBunchedInOneBinFallBackToTheRadixSortAndStillSort() {
    // 2,000 buckets all below 2^11 with 18 bits: the counting pass puts them into 4 of 2,048 bins,
    // reversed, so the insertion sort gives up and the radix sort finishes the job
    int n = 2000;
    int[] buckets = new int[n];
    for (int i = 0; i < n; i++) {
      buckets[i] = n - i;
    }
    long[] a = packed(buckets);
    long[] expected = a.clone();
    Arrays.sort(expected);
    assertThat(sortWithScratch(a, 18)).isEqualTo(expected);
    // and the same keys shuffled
    Random r = new Random(12);
    for (int i = n - 1; i > 0; i--) {
      int j = r.nextInt(i + 1);
      long t = a[i];
      a[i] = a[j];
      a[j] = t;
    }
    assertThat(sortWithScratch(a, 18)).isEqualTo(expected);
  }
}
