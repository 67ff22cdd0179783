package dev.loopline.model.features;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;

class FeaturizerTest {

  private final Featurizer f = new Featurizer(GoldenCorpus.SPEC);

  private static void assertWellFormed(SparseVector v, int dimension) {
    int[] idx = v.indices();
    for (int i = 0; i < idx.length; i++) {
      assertThat(idx[i]).isBetween(0, dimension - 1);
      if (i > 0) {
        assertThat(idx[i]).isGreaterThan(idx[i - 1]);
      }
      assertThat(v.values()[i]).isPositive();
    }
    if (v.size() > 0) {
      double sq = 0;
      for (float x : v.values()) {
        sq += x * x;
      }
      assertThat(sq).isCloseTo(1.0, Offset.offset(1e-5));
    }
  }

  private static void assertSame(SparseVector a, SparseVector b) {
    assertThat(a.indices()).containsExactly(b.indices());
    assertThat(a.values()).containsExactly(b.values());
  }

  @Test
  void everyGoldenInputGivesAWellFormedVector() {
    for (String t : GoldenCorpus.TEXTS) {
      assertWellFormed(f.featurize(t, Map.of()), 1 << 18);
    }
  }

  @Test
  void emptyNullAndPunctuationOnlyGiveTheEmptyVector() {
    assertThat(f.featurize("", Map.of()).size()).isZero();
    assertThat(f.featurize(null, null).size()).isZero();
    assertThat(f.featurize("?!... --- *** \t\n", Map.of()).size()).isZero();
    assertThat(f.featurize("\u200b\u200d\ufeff", Map.of()).size()).isZero();
  }

  @Test
  void isDeterministicAndHasNoStateBetweenCalls() {
    SparseVector first = f.featurize("Where is my parcel? Tracking 1Z999", Map.of("lang", "en"));
    f.featurize("x".repeat(50_000), Map.of("other", "attribute"));
    f.featurize("\u6211\u7684\u8ba2\u5355", Map.of());
    SparseVector again = f.featurize("Where is my parcel? Tracking 1Z999", Map.of("lang", "en"));
    assertSame(first, again);
    assertSame(
        first,
        new Featurizer(GoldenCorpus.SPEC)
            .featurize("Where is my parcel? Tracking 1Z999", Map.of("lang", "en")));
  }

  @Test
  void isThreadSafe() throws Exception {
    Random r = new Random(7);
    List<String> texts = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      StringBuilder sb = new StringBuilder();
      int len = 1 + r.nextInt(400);
      for (int j = 0; j < len; j++) {
        sb.append(r.nextInt(8) == 0 ? ' ' : (char) ('a' + r.nextInt(26)));
      }
      texts.add(sb.toString());
    }
    List<SparseVector> expected = texts.stream().map(t -> f.featurize(t, Map.of())).toList();
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<Boolean>> results = new ArrayList<>();
      for (int th = 0; th < 4; th++) {
        int offset = th;
        results.add(
            pool.submit(
                () -> {
                  for (int round = 0; round < 5; round++) {
                    for (int i = 0; i < texts.size(); i++) {
                      int k = (i + offset * 37) % texts.size();
                      SparseVector v = f.featurize(texts.get(k), Map.of());
                      if (!Arrays.equals(v.indices(), expected.get(k).indices())
                          || !Arrays.equals(v.values(), expected.get(k).values())) {
                        return false;
                      }
                    }
                  }
                  return true;
                }));
      }
      for (Future<Boolean> res : results) {
        assertThat(res.get(60, TimeUnit.SECONDS)).isTrue();
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void caseWidthAndCompatibilityFormsFoldTogether() {
    assertSame(f.featurize("HELLO World", Map.of()), f.featurize("hello world", Map.of()));
    assertSame(
        f.featurize("\uff28\uff25\uff2c\uff2c\uff2f", Map.of()), f.featurize("hello", Map.of()));
    assertSame(f.featurize("\ufb01le", Map.of()), f.featurize("file", Map.of()));
    assertSame(f.featurize("cafe\u0301", Map.of()), f.featurize("caf\u00e9", Map.of()));
    assertSame(
        f.featurize("\u039f\u0394\u039f\u03a3", Map.of()),
        f.featurize("\u03bf\u03b4\u03bf\u03c2", Map.of()));
  }

  @Test
  void numbersBecomeShapeTokens() {
    assertThat(f.tokens("Order #12345 on 2026-11-23, \u0661\u0662\u0663"))
        .containsExactly("order", "00000", "on", "0000", "00", "00", "000");
    assertSame(f.featurize("order 12345", Map.of()), f.featurize("order 99999", Map.of()));
    assertThat(f.featurize("order 123", Map.of()).indices())
        .isNotEqualTo(f.featurize("order 12345", Map.of()).indices());
  }

  @Test
  void scriptsWithoutSpacesAndCombiningMarksStayWhole() {
    // Devanagari vowel signs are combining marks: they must not split words
    assertThat(
            f.tokens("\u0928\u092e\u0938\u094d\u0924\u0947 \u0926\u0941\u0928\u093f\u092f\u093e"))
        .containsExactly(
            "\u0928\u092e\u0938\u094d\u0924\u0947", "\u0926\u0941\u0928\u093f\u092f\u093e");
    // Thai and Chinese: one token per run, char n-grams give the features
    SparseVector thai = f.featurize("\u0e04\u0e37\u0e19\u0e40\u0e07\u0e34\u0e19", Map.of());
    assertThat(thai.size()).isGreaterThan(10);
    SparseVector zh1 = f.featurize("\u6211\u7684\u8ba2\u5355\u6ca1\u6709\u5230", Map.of());
    SparseVector zh2 = f.featurize("\u8ba2\u5355\u6ca1\u6709\u5230", Map.of());
    assertThat(overlap(zh1, zh2)).as("shared char n-grams").isGreaterThanOrEqualTo(5);
  }

  @Test
  void emojiAreTokensAndJoinersAreIgnored() {
    assertThat(f.tokens("so angry\ud83d\ude21\ud83d\ude21 \ud83d\udc68\u200d\ud83d\udc67!"))
        .containsExactly(
            "so", "angry", "\ud83d\ude21", "\ud83d\ude21", "\ud83d\udc68", "\ud83d\udc67");
    assertThat(f.tokens("in\u00adfor\u200bmation")).containsExactly("information");
    // an unpaired surrogate is a separator, never a crash
    assertThat(f.tokens("ab\ud800cd")).containsExactly("ab", "cd");
  }

  @Test
  void typosShareCharNgrams() {
    SparseVector a = f.featurize("password", Map.of());
    SparseVector b = f.featurize("pasword", Map.of());
    assertThat(overlap(a, b)).isGreaterThanOrEqualTo(4);
  }

  @Test
  void htmlIsStrippedAndEntitiesDecoded() {
    String html =
        "<html><head><style>p { color: red }</style></head><body><!-- note -->"
            + "<p>Refund&nbsp;please &amp; thanks</p><script>var secret = 1;</script>"
            + "<a href=\"x\">link</a></body></html>";
    assertThat(f.tokens(html)).containsExactly("refund", "please", "thanks", "link");
    assertThat(f.tokens("a < b and c > d, x<3"))
        .containsExactly("a", "b", "and", "c", "d", "x", "0");
    assertThat(f.tokens("caf&eacute; &#233;t&#xE9; &bogus;")).contains("\u00e9t\u00e9", "bogus");
  }

  @Test
  void emailHeadersAreDroppedButTheSubjectKept() {
    String mail =
        "From: Jane <jane@example.com>\r\n"
            + "To: support@example.com\r\n"
            + "Date: Mon, 23 Nov 2026 10:00:00 +0000\r\n"
            + "Received: from mx1.example.com\r\n"
            + "\tby relay.example.com\r\n"
            + "X-Mailer: Foo 1.0\r\n"
            + "Subject: Card charged twice\r\n"
            + "\r\n"
            + "Hello, please refund.\r\n";
    assertThat(f.tokens(mail))
        .containsExactly("card", "charged", "twice", "hello", "please", "refund");
    // one header-like line in a chat message is content, not a header
    assertThat(f.tokens("To: the team\nserver is down")).startsWith("to", "the", "team");
  }

  @Test
  void base64BlocksAndLongIdsDoNotFloodTheVector() {
    String b64 =
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5E";
    String mail = "Please refund my order\n" + (b64 + "\n").repeat(50) + "Thanks";
    assertSame(
        f.featurize(mail, Map.of()), f.featurize("Please refund my order\nThanks", Map.of()));
    // a German compound of letters only is not base64
    assertThat(f.tokens("Donaudampfschifffahrtsgesellschaftskapitaenswitwe\nok")).hasSize(2);

    String sha = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
    // one word unigram, one bigram with its neighbour, no char n-grams
    assertThat(f.featurize("id " + sha, Map.of()).size())
        .isEqualTo(f.featurize("id", Map.of()).size() + 2);
  }

  @Test
  void veryLongTextIsCappedAndFast() {
    FeaturizerSpec small = new FeaturizerSpec(1, 18, 2, 3, 5, 1000, List.of(), 1, true, true);
    Featurizer capped = new Featurizer(small);
    StringBuilder sb = new StringBuilder();
    Random r = new Random(3);
    while (sb.length() < 1200) {
      sb.append("word").append((char) ('a' + r.nextInt(26))).append(' ');
    }
    String head = sb.toString();
    String tail = "completely different words after the cap ".repeat(10_000);
    SparseVector a = capped.featurize(head + tail, Map.of());
    SparseVector b = capped.featurize(head + tail.substring(0, 5000), Map.of());
    assertSame(a, b);
    assertThat(capped.tokens(head + tail)).doesNotContain("completely", "different");

    String huge = "x".repeat(3_000_000) + " " + "y".repeat(1_000);
    SparseVector h = f.featurize(huge, Map.of());
    assertWellFormed(h, 1 << 18);
  }

  @Test
  void hostileMarkupStaysLinear() {
    FeaturizerSpec big = new FeaturizerSpec(1, 18, 2, 3, 5, 100_000, List.of(), 1, true, true);
    Featurizer g = new Featurizer(big);
    List<String> hostile =
        List.of(
            "<a".repeat(200_000),
            "<!--".repeat(100_000) + "<b>x",
            "<script>".repeat(50_000),
            "&amp".repeat(100_000),
            "From: x\n".repeat(50_000),
            "a\u0301".repeat(100_000));
    assertTimeoutPreemptively(
        Duration.ofSeconds(20),
        () -> {
          for (String h : hostile) {
            assertWellFormed(g.featurize(h, Map.of()), 1 << 18);
          }
        });
  }

  @Test
  void randomInputNeverBreaksIt() {
    String alphabet =
        "aZ09 \t\n\r<>/!&;#x:-=+\u00e9\u0301\u0130\u0131\u03c2\u200d\u00ad\ufeff\u6e2c"
            + "\u0e04\u0e34\u093f\uff21\ufb01\ud83d\ude00\ud800\udc00";
    Random r = new Random(11);
    Featurizer small =
        new Featurizer(new FeaturizerSpec(1, 10, 3, 1, 4, 300, List.of(), 5, true, true));
    for (int i = 0; i < 1500; i++) {
      StringBuilder sb = new StringBuilder();
      int len = r.nextInt(i % 20 == 0 ? 2000 : 80);
      for (int j = 0; j < len; j++) {
        sb.append(alphabet.charAt(r.nextInt(alphabet.length())));
      }
      String text = sb.toString();
      Map<String, String> attrs = r.nextBoolean() ? Map.of("k", text) : Map.of();
      SparseVector v = small.featurize(text, attrs);
      assertWellFormed(v, 1 << 10);
      assertSame(v, small.featurize(text, attrs));
    }
  }

  @Test
  void attributesLiveInTheirOwnNamespace() {
    SparseVector text = f.featurize("channel=email", Map.of());
    SparseVector attr = f.featurize("", Map.of("channel", "email"));
    assertThat(attr.size()).isEqualTo(1);
    assertThat(overlap(text, attr)).isZero();
    assertSame(attr, f.featurize(null, Map.of("channel", " EMAIL ")));
    assertThat(f.featurize("", Map.of("channel", "chat")).indices()).isNotEqualTo(attr.indices());
    Map<String, String> withNull = new java.util.HashMap<>();
    withNull.put("channel", null);
    assertThat(f.featurize("", withNull).size()).isZero();
  }

  @Test
  void numericAttributesAlsoGetTheirOrderOfMagnitude() {
    assertThat(Featurizer.numberShape("129.99")).isEqualTo("#3");
    assertThat(Featurizer.numberShape("-0042")).isEqualTo("-#2");
    assertThat(Featurizer.numberShape("0.5")).isEqualTo("#0");
    assertThat(Featurizer.numberShape(".5")).isEqualTo("#0");
    assertThat(Featurizer.numberShape("+7")).isEqualTo("#1");
    assertThat(Featurizer.numberShape("12a")).isNull();
    assertThat(Featurizer.numberShape("-")).isNull();
    assertThat(Featurizer.numberShape("1.2.3")).isNull();
    assertThat(Featurizer.numberShape("")).isNull();

    SparseVector a = f.featurize("", Map.of("amount", "129.99"));
    SparseVector b = f.featurize("", Map.of("amount", "450.00"));
    assertThat(a.size()).isEqualTo(2);
    assertThat(overlap(a, b)).as("same magnitude bucket").isEqualTo(1);
    assertThat(overlap(a, f.featurize("", Map.of("amount", "12000")))).isZero();
  }

  @Test
  void attributeKeysRestrictWhichAttributesCount() {
    FeaturizerSpec only = new FeaturizerSpec(1, 18, 2, 3, 5, 100, List.of("tier"), 1, true, true);
    Featurizer g = new Featurizer(only);
    assertThat(g.featurize("", Map.of("tier", "gold", "channel", "email")).size()).isEqualTo(1);
    assertThat(g.featurize("", Map.of("channel", "email")).size()).isZero();
  }

  @Test
  void sublinearCountsWithoutNormalization() {
    FeaturizerSpec raw = new FeaturizerSpec(1, 20, 1, 0, 0, 100, List.of(), 1, true, false);
    SparseVector v = new Featurizer(raw).featurize("spam spam spam spam eggs", Map.of());
    assertThat(v.size()).isEqualTo(2);
    float[] sorted = v.values().clone();
    Arrays.sort(sorted);
    assertThat(sorted[0]).isEqualTo(1.0f);
    assertThat(sorted[1]).isEqualTo((float) (1 + StrictMath.log(4)));

    FeaturizerSpec counts = new FeaturizerSpec(1, 20, 1, 0, 0, 100, List.of(), 1, false, false);
    float[] c = new Featurizer(counts).featurize("spam spam spam spam eggs", Map.of()).values();
    Arrays.sort(c);
    assertThat(c).containsExactly(1f, 4f);
  }

  @Test
  void attributeArraysGiveTheSameVectorAsTheMap() {
    for (String t : GoldenCorpus.TEXTS) {
      Map<String, String> attrs = new java.util.LinkedHashMap<>(GoldenCorpus.ATTRIBUTES);
      attrs.put("amount", "129.99");
      String[] keys = attrs.keySet().toArray(new String[0]);
      String[] values = attrs.values().toArray(new String[0]);
      assertSame(f.featurize(t, keys, values), f.featurize(t, attrs));
    }
    assertSame(f.featurize("x", null, null), f.featurize("x", Map.of()));
    assertThatThrownBy(() -> f.featurize("x", new String[] {"a"}, new String[0]))
        .isInstanceOf(IllegalArgumentException.class);
  }

  /**
   * Buckets are nested (the low bits of one hash), so the raw counts at {@code 2^k} buckets are the
   * counts at {@code 2^30} folded onto the low k bits: checks the accumulator and the sort (short
   * vectors and the radix path, every digit layout) against a plain TreeMap.
   */
  @Test
  void countsAtEveryBucketCountAreTheFoldedFullCounts() {
    List<String> texts = new java.util.ArrayList<>(GoldenCorpus.TEXTS);
    texts.add("a b");
    texts.add("word ".repeat(3) + "other words here and there, more text to pass fifty features");
    for (String t : texts) {
      SparseVector full =
          new Featurizer(new FeaturizerSpec(1, 30, 2, 3, 5, 20_000, List.of(), 5, false, false))
              .featurize(t, GoldenCorpus.ATTRIBUTES);
      for (int bits : new int[] {1, 3, 8, 9, 12, 16, 17, 18, 20, 24, 25, 29}) {
        java.util.TreeMap<Integer, Float> folded = new java.util.TreeMap<>();
        for (int i = 0; i < full.size(); i++) {
          folded.merge(full.indices()[i] & ((1 << bits) - 1), full.values()[i], Float::sum);
        }
        SparseVector v =
            new Featurizer(new FeaturizerSpec(1, bits, 2, 3, 5, 20_000, List.of(), 5, false, false))
                .featurize(t, GoldenCorpus.ATTRIBUTES);
        assertThat(v.indices())
            .as("%d bits", bits)
            .containsExactly(folded.keySet().stream().mapToInt(Integer::intValue).toArray());
        for (int i = 0; i < v.size(); i++) {
          assertThat(v.values()[i]).isEqualTo(folded.get(v.indices()[i]));
        }
      }
    }
  }

  @Test
  void fewBucketsKeepIndicesInRange() {
    FeaturizerSpec tiny = new FeaturizerSpec(1, 4, 3, 1, 6, 5000, List.of(), 9, true, true);
    Featurizer g = new Featurizer(tiny);
    for (String t : GoldenCorpus.TEXTS) {
      assertWellFormed(g.featurize(t, GoldenCorpus.ATTRIBUTES), 16);
    }
  }

  @Test
  void seedAndSpecChangeTheBuckets() {
    FeaturizerSpec other = new FeaturizerSpec(1, 18, 2, 3, 5, 20_000, List.of(), 42, true, true);
    assertThat(new Featurizer(other).featurize(GoldenCorpus.SHORT, Map.of()).indices())
        .isNotEqualTo(f.featurize(GoldenCorpus.SHORT, Map.of()).indices());
    assertThat(new Featurizer(other).fingerprint()).isNotEqualTo(f.fingerprint());
  }

  @Test
  void rejectsInvalidSpecs() {
    assertThatThrownBy(
            () -> new Featurizer(new FeaturizerSpec(1, 31, 2, 3, 5, 100, List.of(), 1, true, true)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("hashBits");
    assertThatThrownBy(
            () -> new Featurizer(new FeaturizerSpec(1, 18, 2, 5, 3, 100, List.of(), 1, true, true)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("charNgram");
    assertThatThrownBy(
            () -> new Featurizer(new FeaturizerSpec(1, 18, 0, 0, 0, 100, List.of(), 1, true, true)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(
            () -> new Featurizer(new FeaturizerSpec(1, 18, 2, 3, 5, 0, List.of(), 1, true, true)))
        .isInstanceOf(IllegalArgumentException.class);
  }

  private static int overlap(SparseVector a, SparseVector b) {
    int n = 0;
    for (int i : a.indices()) {
      if (Arrays.binarySearch(b.indices(), i) >= 0) {
        n++;
      }
    }
    return n;
  }
}
