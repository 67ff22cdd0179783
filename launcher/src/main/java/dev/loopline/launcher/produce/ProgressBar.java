package dev.loopline.launcher.produce;

import java.io.PrintWriter;
import java.util.Locale;
import java.util.function.LongSupplier;

/**
 * A one-line progress bar on a terminal, redrawn in place at most every {@code intervalMillis}: a
 * percentage when the input size is known (a file), else a running count.
 */
public final class ProgressBar implements ProgressListener {

  private static final int WIDTH = 30;

  private final PrintWriter out;
  private final long totalBytes;
  private final long intervalNanos;
  private final LongSupplier clock;
  private final long started;
  private long lastDraw;
  private boolean drawn;

  /**
   * @param totalBytes the input size, or a negative number when unknown (stdin)
   */
  public ProgressBar(
      PrintWriter out, long totalBytes, long intervalMillis, LongSupplier nanoClock) {
    this.out = out;
    this.totalBytes = totalBytes;
    this.intervalNanos = intervalMillis * 1_000_000L;
    this.clock = nanoClock;
    this.started = nanoClock.getAsLong();
    this.lastDraw = started;
  }

  @Override
  public void progress(long records, long bytesRead) {
    long now = clock.getAsLong();
    if (now - lastDraw < intervalNanos) {
      return;
    }
    lastDraw = now;
    out.print('\r' + render(records, bytesRead, now - started));
    out.flush();
    drawn = true;
  }

  @Override
  public void done() {
    if (drawn) {
      out.print('\r' + " ".repeat(WIDTH + 60) + '\r');
      out.flush();
    }
  }

  String render(long records, long bytesRead, long elapsedNanos) {
    double seconds = Math.max(elapsedNanos / 1e9, 1e-9);
    String rate = String.format(Locale.ROOT, "%,.0f rec/s", records / seconds);
    if (totalBytes > 0) {
      double f = Math.min(1.0, bytesRead / (double) totalBytes);
      int filled = (int) Math.round(f * WIDTH);
      return String.format(
          Locale.ROOT,
          "[%s%s] %3.0f%%  %,d records  %s",
          "#".repeat(filled),
          ".".repeat(WIDTH - filled),
          f * 100,
          records,
          rate);
    }
    return String.format(
        Locale.ROOT, "%,d records  %,.1f MiB  %s", records, bytesRead / 1048576.0, rate);
  }
}
