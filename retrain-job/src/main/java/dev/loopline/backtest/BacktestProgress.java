package dev.loopline.backtest;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Events scored by backtest tasks running in THIS JVM (the local MiniCluster the CLI starts), so
 * the CLI can draw a progress bar while replaying. On a remote cluster the tasks run elsewhere and
 * the counter stays at zero; the Flink web UI shows progress there.
 */
public final class BacktestProgress {

  private static final AtomicLong SCORED = new AtomicLong();
  private static final AtomicLong EXPECTED = new AtomicLong();

  private BacktestProgress() {}

  public static long scored() {
    return SCORED.get();
  }

  /** Records read by the replay now starting (an upper bound: records outside the range drop). */
  public static long expected() {
    return EXPECTED.get();
  }

  static void expect(long records) {
    EXPECTED.set(records);
  }

  static void add(long n) {
    SCORED.addAndGet(n);
  }

  /** One line: {@code replaying [#####-----] 12,345/100,000 events 45,678 ev/s}. */
  public static String render(long done, long total, double perSecond) {
    int width = 20;
    int filled = total <= 0 ? 0 : (int) Math.min(width, done * width / total);
    return String.format(
        java.util.Locale.ROOT,
        "replaying [%s%s] %,d/%,d events %,.0f ev/s",
        "#".repeat(filled),
        "-".repeat(width - filled),
        done,
        total,
        perSecond);
  }
}
