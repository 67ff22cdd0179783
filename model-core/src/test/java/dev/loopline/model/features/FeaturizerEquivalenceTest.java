package dev.loopline.model.features;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The optimized featurizer (n-gram cache, incremental hashing, bucket sort) against {@link
 * NaiveFeaturizer}, a plain implementation of the spec, bit for bit: many specs, random text of
 * every kind, budgets and caps, attributes, cache hits and misses, hash collisions, eviction, ring
 * wrap-around, several specs on one thread, many threads.
 */
class FeaturizerEquivalenceTest {

  private static final String[] VOCAB =
      ("the my order refund late payment account password reset invoice shipping delivery broken"
              + " damaged charge card billing issue help please urgent customer support login"
              + " Stra\u00dfe caf\u00e9 na\u00efve \u0437\u0430\u043a\u0430\u0437"
              + " \u0432\u043e\u0437\u0432\u0440\u0430\u0442 \u6211\u7684\u8ba2\u5355"
              + " \u0928\u092e\u0938\u094d\u0924\u0947 \u0e2a\u0e27\u0e31\u0e2a\u0e14\u0e35"
              + " I\u0307stanbul \u0130NCE \ufb01le \uff21\uff22\uff23")
          .split(" ");

  private static final FeaturizerSpec BASE = GoldenCorpus.SPEC;

  static FeaturizerSpec spec(int hashBits, int wordMax, int charMin, int charMax, int seed) {
    return new FeaturizerSpec(
        1, hashBits, wordMax, charMin, charMax, 20_000, List.of(), seed, true, true);
  }

  static List<FeaturizerSpec> specs() {
    return List.of(
        BASE,
        FeaturizerSpec.defaults(),
        spec(18, 2, 3, 5, 7),
        spec(4, 2, 3, 5, 0x10091),
        spec(30, 3, 1, 16, 0x10091),
        spec(12, 0, 2, 4, 3),
        spec(18, 8, 0, 0, 0x10091),
        spec(20, 1, 5, 5, 11),
        new FeaturizerSpec(1, 16, 2, 3, 5, 300, List.of("tier"), 5, false, false));
  }

  /** Random text of every kind the featurizer treats specially. */
  static String randomText(Random r) {
    StringBuilder sb = new StringBuilder();
    int parts = 1 + r.nextInt(r.nextInt(10) == 0 ? 200 : 30);
    if (r.nextInt(8) == 0) {
      sb.append("From: a@b.c\nTo: d@e.f\nSubject: ").append(VOCAB[r.nextInt(VOCAB.length)]);
      sb.append("\nX-Mailer: x\n  folded\n\n");
    }
    for (int i = 0; i < parts; i++) {
      switch (r.nextInt(16)) {
        case 0, 1, 2, 3, 4 -> sb.append(VOCAB[r.nextInt(VOCAB.length)]);
        case 5 -> sb.append(randomWord(r, 1 + r.nextInt(12), "abcdefghijklmnopqrstuvwxyz"));
        case 6 -> sb.append(randomWord(r, 28 + r.nextInt(16), "abcdefXYZ0123456789")); // ~32 B
        case 7 -> sb.append(randomWord(r, 9 + r.nextInt(5), "\u0430\u0431\u0432\u0433\u0434"));
        case 8 -> sb.append(randomWord(r, 1 + r.nextInt(40), "\u6211\u7684\u8ba2\u5355\u6ca1"));
        case 9 -> sb.append("\ud83d\ude21\ud83d\udc68\u200d\ud83d\udc69 \u00ad\u200b");
        case 10 -> sb.append(r.nextBoolean() ? "<p>x&amp;y&nbsp;" : "</p><br>&#x1F600;&#233;");
        case 11 -> sb.append(Integer.toString(r.nextInt(1_000_000)));
        case 12 -> sb.append(r.nextBoolean() ? "\ud800" : "\udc00x"); // unpaired surrogates
        case 13 -> sb.append("\n").append(randomWord(r, 48, "AbC0+/=")).append("\n");
        case 14 -> sb.append(randomWord(r, 1 + r.nextInt(6), "\u0928\u092e\u094d\u0924\u0947"));
        default -> sb.append(randomWord(r, 1 + r.nextInt(60), "ab\u00e9\u00df\u0131\u0130"));
      }
      sb.append(" ,.\t\n!?".charAt(r.nextInt(7)));
    }
    return sb.toString();
  }

  static String randomWord(Random r, int len, String alphabet) {
    StringBuilder w = new StringBuilder(len);
    for (int i = 0; i < len; i++) {
      w.append(alphabet.charAt(r.nextInt(alphabet.length())));
    }
    return w.toString();
  }

  static List<String> corpus(long seed, int n) {
    Random r = new Random(seed);
    List<String> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      out.add(randomText(r));
    }
    return out;
  }

  private static void assertBitIdentical(SparseVector actual, SparseVector expected, String text) {
    int[] a = new int[actual.size()];
    int[] e = new int[expected.size()];
    for (int i = 0; i < a.length; i++) {
      a[i] = Float.floatToRawIntBits(actual.values()[i]);
    }
    for (int i = 0; i < e.length; i++) {
      e[i] = Float.floatToRawIntBits(expected.values()[i]);
    }
    if (!Arrays.equals(actual.indices(), expected.indices()) || !Arrays.equals(a, e)) {
      // the plain comparison first: AssertJ on every vector would dominate the test's time
      assertThat(actual.indices()).as(text).containsExactly(expected.indices());
      assertThat(a).as(text).containsExactly(e);
    }
  }

  @Test
  void matchesTheReferenceOnRandomTextForManySpecsWithCacheMissesThenHits() {
    List<String> texts = corpus(1, 300);
    Map<String, String> attrs = Map.of("tier", "Gold", "amount", "129.99");
    for (FeaturizerSpec spec : specs()) {
      Featurizer f = new Featurizer(spec);
      NaiveFeaturizer ref = new NaiveFeaturizer(spec);
      for (int pass = 0; pass < 2; pass++) {
        for (String t : texts) {
          assertBitIdentical(f.featurize(t, attrs), ref.featurize(t, attrs), t);
        }
      }
      if (spec.charNgramMin() > 0) {
        long[] counters = f.ngramCacheCounters();
        assertThat(counters).as("hits and misses of %s", spec).isNotNull();
        assertThat(counters[0]).as("hits").isPositive();
        assertThat(counters[1]).as("misses").isPositive();
      }
    }
  }

  @Test
  void matchesTheReferenceOnTheGoldenCorpusAndTokensAroundTheCachedLength() {
    Featurizer f = new Featurizer(BASE);
    NaiveFeaturizer ref = new NaiveFeaturizer(BASE);
    List<String> texts = new ArrayList<>(GoldenCorpus.TEXTS);
    for (int len = 1; len <= 45; len++) {
      texts.add("x".repeat(len) + " " + "\u00e9".repeat(len) + " " + "\u6211".repeat(len));
      texts.add("ab".repeat(len) + " " + "ab".repeat(len)); // repeated within one text
    }
    for (int pass = 0; pass < 3; pass++) {
      for (String t : texts) {
        assertBitIdentical(f.featurize(t), ref.featurize(t), t);
      }
    }
    assertThat(GoldenCorpus.digest(f)).isEqualTo(FeaturizerGoldenTest.CORPUS_DIGEST);
  }

  @Test
  void specsOnOneThreadNeverShareEntries() {
    // differ only in seed, only in hashBits, only in the n-gram sizes; more specs than a thread
    // keeps caches for, so the least recently used cache is reassigned while texts interleave
    List<FeaturizerSpec> specs =
        List.of(
            spec(18, 2, 3, 5, 1),
            spec(18, 2, 3, 5, 2),
            spec(17, 2, 3, 5, 1),
            spec(18, 2, 3, 4, 1),
            spec(18, 2, 2, 5, 1),
            spec(10, 1, 3, 5, 1));
    assertThat(specs.size()).isGreaterThan(NgramCache.PER_THREAD);
    List<Featurizer> fs = specs.stream().map(Featurizer::new).toList();
    List<NaiveFeaturizer> refs = specs.stream().map(NaiveFeaturizer::new).toList();
    List<String> texts = corpus(2, 150);
    Random r = new Random(3);
    for (int round = 0; round < 3; round++) {
      for (String t : texts) {
        // two specs in a row (cache hits for the common words), then a random one
        for (int i : new int[] {0, 1, r.nextInt(specs.size()), r.nextInt(2)}) {
          assertBitIdentical(fs.get(i).featurize(t), refs.get(i).featurize(t), t);
        }
      }
    }
    assertThat(fs.get(0).ngramCacheCounters()[0]).isPositive();
  }

  @Test
  void tokensWithTheSameWordHashAreToldApartByTheirBytes() {
    int seedWord = MurmurHash3.hash32("word", BASE.seed());
    // distinct 6-letter words whose word hashes are equal (birthday search over 26^6 words)
    int n = 400_000;
    long[] keyed = new long[n];
    for (int i = 0; i < n; i++) {
      keyed[i] = ((long) MurmurHash3.hash32(sixLetters(i), seedWord) << 32) | i;
    }
    Arrays.sort(keyed);
    List<String[]> pairs = new ArrayList<>();
    for (int i = 1; i < n; i++) {
      if ((keyed[i] >>> 32) == (keyed[i - 1] >>> 32)) {
        pairs.add(new String[] {sixLetters((int) keyed[i - 1]), sixLetters((int) keyed[i])});
      }
    }
    assertThat(pairs).hasSizeGreaterThan(2);
    Featurizer f = new Featurizer(BASE);
    NaiveFeaturizer ref = new NaiveFeaturizer(BASE);
    for (String[] p : pairs) {
      assertThat(p[0]).isNotEqualTo(p[1]);
      assertThat(MurmurHash3.hash32(p[0], seedWord)).isEqualTo(MurmurHash3.hash32(p[1], seedWord));
      for (String t : List.of(p[0], p[1], p[0] + " " + p[1], p[1], p[0], p[1] + " " + p[1])) {
        assertBitIdentical(f.featurize(t), ref.featurize(t), t);
      }
      assertThat(f.featurize(p[0]).indices()).isNotEqualTo(f.featurize(p[1]).indices());
    }
  }

  private static String sixLetters(int i) {
    long x = (i * 2_654_435_761L) % 308_915_776L; // 26^6, a bijection of the indices used
    char[] c = new char[6];
    for (int k = 0; k < 6; k++) {
      c[k] = (char) ('a' + x % 26);
      x /= 26;
    }
    return new String(c);
  }

  @Test
  void evictionWithinASetAndRingWrapKeepTheOutputExact() {
    int seedWord = MurmurHash3.hash32("word", BASE.seed());
    // five words of one set (two entries): every round evicts
    List<String> sameSet = new ArrayList<>();
    int targetSet = -1;
    for (int i = 0; sameSet.size() < 5; i++) {
      String w = sixLetters(i);
      int set = NgramCache.setOf(MurmurHash3.hash32(w, seedWord));
      if (targetSet < 0) {
        targetSet = set;
      }
      if (set == targetSet) {
        sameSet.add(w);
      }
    }
    Featurizer f = new Featurizer(BASE);
    NaiveFeaturizer ref = new NaiveFeaturizer(BASE);
    Random r = new Random(4);
    for (int round = 0; round < 20; round++) {
      List<String> order = new ArrayList<>(sameSet);
      Collections.shuffle(order, r);
      for (String w : order) {
        assertBitIdentical(f.featurize(w + " refund"), ref.featurize(w + " refund"), w);
      }
    }
    long[] afterSets = f.ngramCacheCounters();
    assertThat(afterSets[1]).as("misses: evictions").isGreaterThan(5 + 20);
    assertThat(afterSets[0]).as("hits").isPositive();

    // far more unique tokens than the ring holds, then the first texts again: their entries were
    // overwritten by the ring and must be recomputed, never read stale
    List<String> early = corpus(5, 50);
    for (String t : early) {
      assertBitIdentical(f.featurize(t), ref.featurize(t), t);
    }
    StringBuilder flood = new StringBuilder();
    Random fr = new Random(6);
    int unique = 3 * NgramCache.POOL / 10; // ~10 buckets each: three times the ring
    for (int i = 0; i < unique; i++) {
      flood.append(randomWord(fr, 3 + fr.nextInt(4), "abcdefghijklmnopqrstuvwxyz")).append(' ');
      if (flood.length() > 2000) {
        String t = flood.toString();
        assertThat(f.featurize(t).indices()).isEqualTo(ref.featurize(t).indices());
        flood.setLength(0);
      }
    }
    for (String t : early) {
      assertBitIdentical(f.featurize(t), ref.featurize(t), t);
    }
  }

  @Test
  void manyThreadsSharingFeaturizersGetTheReferenceVectors() throws Exception {
    List<String> texts = corpus(7, 400);
    FeaturizerSpec other = spec(16, 2, 3, 5, 99);
    Featurizer a = new Featurizer(BASE);
    Featurizer b = new Featurizer(other);
    NaiveFeaturizer refA = new NaiveFeaturizer(BASE);
    NaiveFeaturizer refB = new NaiveFeaturizer(other);
    List<SparseVector> expectA = texts.stream().map(refA::featurize).toList();
    List<SparseVector> expectB = texts.stream().map(refB::featurize).toList();
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      List<Future<Integer>> results = new ArrayList<>();
      for (int thread = 0; thread < 8; thread++) {
        long seed = thread;
        results.add(
            pool.submit(
                () -> {
                  Random r = new Random(seed);
                  int checked = 0;
                  for (int k = 0; k < 3 * texts.size(); k++) {
                    int i = r.nextInt(texts.size());
                    boolean useA = r.nextBoolean();
                    SparseVector v = (useA ? a : b).featurize(texts.get(i));
                    SparseVector e = (useA ? expectA : expectB).get(i);
                    if (!Arrays.equals(v.indices(), e.indices())
                        || !Arrays.equals(v.values(), e.values())) {
                      throw new AssertionError("differs: " + texts.get(i));
                    }
                    checked++;
                  }
                  return checked;
                }));
      }
      for (Future<Integer> fut : results) {
        assertThat(fut.get(120, TimeUnit.SECONDS)).isEqualTo(3 * texts.size());
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void incrementalHashesEqualTheReferenceHash() {
    Random r = new Random(8);
    for (int i = 0; i < 2000; i++) {
      byte[] data = randomWord(r, r.nextInt(40), "ab\u00e9\u6211").getBytes(StandardCharsets.UTF_8);
      int seed = r.nextInt();
      int off = data.length == 0 ? 0 : r.nextInt(data.length);
      int len = data.length - off;
      assertThat(MurmurHash3.hash32(data, off, len, seed))
          .isEqualTo(NaiveFeaturizer.murmur3(data, off, len, seed));
    }
  }

  @Test
  void theOraclesMurmurMatchesPublishedVectors() {
    // the vectors of MurmurHash3Test: the oracle's hash is checked independently of production
    assertThat(NaiveFeaturizer.murmur3(new byte[0], 1)).isEqualTo(0x514e28b7);
    assertThat(NaiveFeaturizer.murmur3("hello".getBytes(StandardCharsets.UTF_8), 0))
        .isEqualTo(0x248bfa47);
    assertThat(NaiveFeaturizer.murmur3("abc".getBytes(StandardCharsets.UTF_8), 0))
        .isEqualTo(0xb3dd93fa);
    assertThat(NaiveFeaturizer.murmur3("abcd".getBytes(StandardCharsets.UTF_8), 0))
        .isEqualTo(0x43ed676a);
    byte[] fox = "The quick brown fox jumps over the lazy dog".getBytes(StandardCharsets.UTF_8);
    assertThat(NaiveFeaturizer.murmur3(fox, 0x9747b28c)).isEqualTo(0x2fa826cd);
  }

  @Test
  void tokensBudgetsAndCapsMatchTheOracle() {
    List<String> texts = new ArrayList<>(corpus(9, 200));
    texts.add("a".repeat(69) + "\ud83d\ude00" + "b"); // the raw cap (10 x 7) inside a pair
    texts.add("ab" + ",;  ".repeat(30) + "cd ef gh ij kl"); // a separator run counts once
    texts.add("\u00ad\u200b".repeat(40) + "word \u0301mark e\u0301t\u00e9 \u2460 \u216b x");
    texts.add("\ud83d\ude21\ud83d\ude21abc\ud83d\ude21 \u0663\u0664 \uff41\uff42 \u0130i\u0307");
    for (int maxChars : new int[] {1, 2, 7, 13, 64, 300}) {
      FeaturizerSpec spec = new FeaturizerSpec(1, 20, 3, 1, 4, maxChars, List.of(), 17, true, true);
      Featurizer f = new Featurizer(spec);
      NaiveFeaturizer ref = new NaiveFeaturizer(spec);
      for (String t : texts) {
        assertThat(f.tokens(t)).as(t).isEqualTo(ref.tokens(t));
        assertBitIdentical(f.featurize(t), ref.featurize(t), t);
      }
    }
    Featurizer f = new Featurizer(BASE);
    assertThat(f.tokens("Stra\u00dfe 42 \ud83d\ude00x"))
        .containsExactly("stra\u00dfe", "00", "\ud83d\ude00", "x");
  }

  @Test
  void attributesMatchTheOracle() {
    String longValue = "v".repeat(255) + "\ud83d\ude00tail"; // the 256-char cap inside a pair
    List<String> values =
        List.of(
            "Gold",
            " gold\t",
            "129.99",
            "-007.50",
            "+3",
            "5.",
            ".5",
            ".",
            "-",
            "",
            "1e5",
            "12345678901234567890123",
            "\uff11\uff12",
            "\u0130NCE",
            "Stra\u00dfe",
            "\ud800x",
            longValue,
            "a=b",
            "\u0663");
    FeaturizerSpec filtered =
        new FeaturizerSpec(1, 16, 2, 3, 5, 300, List.of("tier", "k\ud800"), 5, false, false);
    for (FeaturizerSpec spec : List.of(BASE, filtered, spec(8, 1, 0, 0, 3))) {
      Featurizer f = new Featurizer(spec);
      NaiveFeaturizer ref = new NaiveFeaturizer(spec);
      for (String v : values) {
        for (String key : List.of("tier", "Amount", "k\ud800")) {
          Map<String, String> attrs = new HashMap<>();
          attrs.put(key, v);
          attrs.put("other", null);
          assertBitIdentical(f.featurize("x y", attrs), ref.featurize("x y", attrs), key + v);
          assertBitIdentical(f.featurize(null, attrs), ref.featurize(null, attrs), key + v);
          // the parallel-arrays overload: the same vector as the map
          String[] names = {key, "other"};
          String[] vals = {v, null};
          assertBitIdentical(f.featurize("x y", names, vals), ref.featurize("x y", attrs), key + v);
        }
      }
    }
  }
}
