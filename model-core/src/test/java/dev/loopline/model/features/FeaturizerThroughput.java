package dev.loopline.model.features;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

/**
 * Featurize throughput on one thread, for the README and capacity planning (not a test: run it with
 * {@code java -cp model-core/target/classes:model-core/target/test-classes:<jackson jars>
 * dev.loopline.model.features.FeaturizerThroughput}). Texts are synthetic but shaped like tickets:
 * ~150-char chat lines, ~5 KB e-mails with headers and HTML, and ~150-char Cyrillic and Chinese
 * lines (the NFKC path). Reports wall time and this thread's CPU time: on a shared, loaded machine
 * the CPU time is the better estimate of the cost per text.
 */
public final class FeaturizerThroughput {

  private static final ThreadMXBean CPU = ManagementFactory.getThreadMXBean();

  private FeaturizerThroughput() {}

  public static void main(String[] args) {
    int hashBits = args.length > 0 ? Integer.parseInt(args[0]) : 18;
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
    Random r = new Random(42);
    String[] words =
        ("the my order refund late payment account password reset invoice shipping delivery broken"
                + " damaged charge card billing issue help please urgent customer support login error"
                + " app crash twice since yesterday still waiting tracking number")
            .split(" ");
    String[] cyr =
        "заказ возврат оплата доставка пароль ошибка помогите срочно карта счет".split(" ");
    String[] zh = {"我的", "订单", "没有", "到", "退款", "请", "帮忙", "密码", "错误", "账户"};
    List<String> chat = texts(r, words, 150, " ", 1000, false);
    List<String> mail = texts(r, words, 5000, " ", 300, true);
    List<String> russian = texts(r, cyr, 150, " ", 1000, false);
    List<String> chinese = texts(r, zh, 150, "", 1000, false);
    Map<String, String> attrs = Map.of("channel", "email", "tier", "gold");
    for (int round = 0; round < 6; round++) {
      boolean report = round >= 3;
      run("chat ~150 chars", f, chat, attrs, 40, report);
      run("email ~5 KB", f, mail, attrs, 4, report);
      run("cyrillic ~150", f, russian, attrs, 20, report);
      run("chinese ~150", f, chinese, attrs, 20, report);
    }
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

  private static void run(
      String name,
      Featurizer f,
      List<String> texts,
      Map<String, String> attrs,
      int reps,
      boolean report) {
    long sink = 0;
    long c0 = CPU.getCurrentThreadCpuTime();
    long t0 = System.nanoTime();
    for (int k = 0; k < reps; k++) {
      for (String t : texts) {
        sink += f.featurize(t, attrs).size();
      }
    }
    long ns = System.nanoTime() - t0;
    long cpu = CPU.getCurrentThreadCpuTime() - c0;
    int n = reps * texts.size();
    if (report) {
      System.out.printf(
          Locale.ROOT,
          "%-16s wall %9.0f texts/s %8.1f us/text | thread CPU %9.0f texts/s %8.1f us/text"
              + " (%d features avg)%n",
          name,
          n / (ns / 1e9),
          ns / 1e3 / n,
          n / (cpu / 1e9),
          cpu / 1e3 / n,
          sink / n);
    }
  }
}
