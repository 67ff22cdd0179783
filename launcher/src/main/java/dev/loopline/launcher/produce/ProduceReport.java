package dev.loopline.launcher.produce;

import java.time.Duration;
import java.util.List;

/**
 * The outcome of one {@code produce} run.
 *
 * @param produced records acknowledged by the broker (acks=all)
 * @param rejected input records that failed validation and were not sent, in line order
 * @param rejectedCount all rejections (the list may be capped)
 * @param failed records the broker did not acknowledge, with their line numbers
 * @param failedCount all send failures (the list may be capped)
 * @param abortReason why reading stopped early (e.g. the registry refused the schema), or null
 * @param elapsed wall time from the first read to the last acknowledgement
 */
public record ProduceReport(
    long produced,
    List<ParsedLine.Rejected> rejected,
    long rejectedCount,
    List<ParsedLine.Rejected> failed,
    long failedCount,
    String abortReason,
    Duration elapsed) {

  public boolean allProduced() {
    return rejectedCount == 0 && failedCount == 0 && abortReason == null;
  }

  public double recordsPerSecond() {
    double s = elapsed.toNanos() / 1e9;
    return s <= 0 ? 0 : produced / s;
  }
}
