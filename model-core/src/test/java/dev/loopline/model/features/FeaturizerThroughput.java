package dev.loopline.model.features;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.function.BiFunction;

/**
 * Featurize cost on one thread, for the README and capacity planning (not a test: run it with
 * {@code java -cp model-core/target/classes:model-core/target/test-classes:<jackson jars>
 * dev.loopline.model.features.FeaturizerThroughput [hashBits] [rounds]}). Texts are synthetic but
 * shaped like tickets: ~150-char chat lines, ~5 KB e-mails with headers and HTML, ~150-char
 * Cyrillic and Chinese lines (the NFKC path), ~150-char lines drawn Zipf-like from a 50,000-word
 * vocabulary (realistic repetition across texts), and ~150-char lines of words never seen before
 * (every token a cache miss). Each round measures the current {@link Featurizer} and the plain test
 * oracle {@link NaiveFeaturizer} back to back in this one process, on this thread's CPU time (the
 * better estimate on a shared, loaded machine), and checks that they give the same vectors; the
 * report gives the median and range over the measured rounds.
 */
public final class FeaturizerThroughput {

  private static final ThreadMXBean CPU = ManagementFactory.getThreadMXBean();

  /** Keeps the JIT from dropping the featurize calls. */
  static volatile long blackhole;

  private FeaturizerThroughput() {}

  public static void main(String[] args) {
    int hashBits = args.length > 0 ? Integer.parseInt(args[0]) : 18;
    int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 7;
    FeaturizerSpec d = FeaturizerSpec.defaults();
    FeaturizerSpec spec =
        new FeaturizerSpec(
            d.version(),
            hashBits,
            d.wordNgramMax(),
            d.charNgramMin(),
            d.charNgramMax(),
            d.maxTextChars(),
            d.attributeKeys(),
            d.seed(),
            d.sublinearTf(),
            d.l2Normalize());
    Featurizer f = new Featurizer(spec);
    NaiveFeaturizer ref = new NaiveFeaturizer(spec);
    Map<String, List<String>> corpora = corpora(new Random(42));
    Map<String, String> attrs = Map.of("channel", "email", "tier", "gold");
    for (Map.Entry<String, List<String>> c : corpora.entrySet()) {
      for (String t : c.getValue()) {
        SparseVector a = f.featurize(t, attrs);
        SparseVector b = ref.featurize(t, attrs);
        if (!Arrays.equals(a.indices(), b.indices()) || !Arrays.equals(a.values(), b.values())) {
          throw new IllegalStateException(c.getKey() + ": output differs from the oracle on " + t);
        }
      }
    }
    Map<String, double[][]> us = new LinkedHashMap<>();
    for (String name : corpora.keySet()) {
      us.put(name, new double[2][rounds]);
    }
    int warmUp = 3;
    for (int round = -warmUp; round < rounds; round++) {
      for (Map.Entry<String, List<String>> c : corpora.entrySet()) {
        List<String> texts = c.getValue();
        int reps = Math.max(1, 600_000 / texts.stream().mapToInt(String::length).sum());
        // alternate which one goes first: the second of a pair runs on warmer caches
        boolean refFirst = (round & 1) == 0;
        double a = refFirst ? run(ref::featurize, texts, attrs, reps) : 0;
        double b = run(f::featurize, texts, attrs, reps);
        if (!refFirst) {
          a = run(ref::featurize, texts, attrs, reps);
        }
        if (round >= 0) {
          us.get(c.getKey())[0][round] = a;
          us.get(c.getKey())[1][round] = b;
        }
      }
    }
    System.out.printf(
        Locale.ROOT,
        "thread CPU us/text, median [min-max] of %d rounds, hashBits %d%n",
        rounds,
        hashBits);
    for (Map.Entry<String, double[][]> e : us.entrySet()) {
      double[] a = e.getValue()[0].clone();
      double[] b = e.getValue()[1].clone();
      double[] ratio = new double[rounds];
      for (int i = 0; i < rounds; i++) {
        ratio[i] = e.getValue()[0][i] / e.getValue()[1][i];
      }
      Arrays.sort(a);
      Arrays.sort(b);
      Arrays.sort(ratio);
      System.out.printf(
          Locale.ROOT,
          "%-14s naive %7.2f [%6.2f-%6.2f] | now %7.2f [%6.2f-%6.2f] | speed-up x%.2f [%.2f-%.2f]%n",
          e.getKey(),
          a[rounds / 2],
          a[0],
          a[rounds - 1],
          b[rounds / 2],
          b[0],
          b[rounds - 1],
          ratio[rounds / 2],
          ratio[0],
          ratio[rounds - 1]);
    }
  }

  static Map<String, List<String>> corpora(Random r) {
    String[] words =
        ("the my order refund late payment account password reset invoice shipping delivery broken"
                + " damaged charge card billing issue help please urgent customer support login error"
                + " app crash twice since yesterday still waiting tracking number")
            .split(" ");
    String[] cyr =
        "заказ возврат оплата доставка пароль ошибка помогите срочно карта счет".split(" ");
    String[] zh = {"我的", "订单", "没有", "到", "退款", "请", "帮忙", "密码", "错误", "账户"};
    Map<String, List<String>> out = new LinkedHashMap<>();
    out.put("chat ~150", texts(r, words, 150, " ", 1000, false));
    out.put("email ~5 KB", texts(r, words, 5000, " ", 300, true));
    out.put("cyrillic ~150", texts(r, cyr, 150, " ", 1000, false));
    out.put("chinese ~150", texts(r, zh, 150, "", 1000, false));
    out.put("zipf 50k ~150", zipf(r, 50_000, 150, 5000));
    out.put("unseen ~150", unseen(r, 150, 10_000)); // 200k words: far more than any cache
    return out;
  }

  /** Lines of words drawn with probability ~ 1/rank from a vocabulary of random words. */
  static List<String> zipf(Random r, int vocabulary, int chars, int count) {
    String[] vocab = new String[vocabulary];
    for (int i = 0; i < vocabulary; i++) {
      vocab[i] = randomWord(r);
    }
    double[] cdf = new double[vocabulary];
    double sum = 0;
    for (int i = 0; i < vocabulary; i++) {
      sum += 1.0 / (i + 1);
      cdf[i] = sum;
    }
    List<String> out = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      StringBuilder sb = new StringBuilder();
      while (sb.length() < chars) {
        int k = Arrays.binarySearch(cdf, r.nextDouble() * sum);
        sb.append(vocab[Math.min(vocabulary - 1, k < 0 ? -k - 1 : k)])
            .append(r.nextInt(12) == 0 ? ", " : " ");
      }
      out.add(sb.toString());
    }
    return out;
  }

  /** Lines of random words: (almost) every token is new to the featurizer. */
  static List<String> unseen(Random r, int chars, int count) {
    List<String> out = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      StringBuilder sb = new StringBuilder();
      while (sb.length() < chars) {
        sb.append(randomWord(r)).append(' ');
      }
      out.add(sb.toString());
    }
    return out;
  }

  private static String randomWord(Random r) {
    int len = 2 + r.nextInt(4) + r.nextInt(4) + r.nextInt(4); // 2..11, mostly 5-8
    StringBuilder w = new StringBuilder(len);
    for (int j = 0; j < len; j++) {
      w.append((char) ('a' + r.nextInt(26)));
    }
    return w.toString();
  }

  private static List<String> texts(
      Random r, String[] words, int chars, String sep, int count, boolean mail) {
    List<String> out = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      StringBuilder sb = new StringBuilder();
      if (mail) {
        sb.append("From: Jane Doe <jane@example.com>\nTo: support@example.com\n")
            .append("Date: Mon, 23 Nov 2026 10:00:00 +0000\nSubject: order ")
            .append(r.nextInt(100_000))
            .append(" problem\n\n<html><body><p>");
      }
      while (sb.length() < chars) {
        sb.append(words[r.nextInt(words.length)]).append(r.nextInt(12) == 0 ? ", " : sep);
        if (mail && r.nextInt(40) == 0) {
          sb.append("</p><p>&nbsp;");
        }
      }
      out.add(sb.toString());
    }
    return out;
  }

  /** Thread CPU microseconds per text over {@code reps} passes. */
  private static double run(
      BiFunction<String, Map<String, String>, SparseVector> f,
      List<String> texts,
      Map<String, String> attrs,
      int reps) {
    long sink = 0;
    long c0 = CPU.getCurrentThreadCpuTime();
    for (int k = 0; k < reps; k++) {
      for (String t : texts) {
        sink += f.apply(t, attrs).size();
      }
    }
    long cpu = CPU.getCurrentThreadCpuTime() - c0;
    blackhole += sink;
    return cpu / 1e3 / (reps * texts.size());
  }
}
