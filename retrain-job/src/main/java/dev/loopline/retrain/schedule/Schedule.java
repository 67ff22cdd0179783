package dev.loopline.retrain.schedule;

import java.time.Duration;
import java.time.Instant;
import java.util.Locale;

/**
 * When a scheduled retrain is due. With {@code every} and {@code minNewLabels} both set, a run
 * starts when EITHER the interval has passed since the last run OR that many new labels have
 * arrived, whichever comes first, and never when nothing new arrived. With only {@code every}: each
 * interval (if anything is new); with only {@code minNewLabels}: as soon as that many are new.
 *
 * @param every interval between runs, or null
 * @param minNewLabels new feedback records that trigger a run early, or 0 for none
 */
public record Schedule(Duration every, long minNewLabels) {

  public Schedule {
    if (every == null && minNewLabels <= 0) {
      throw new IllegalArgumentException("a schedule needs --every and/or --min-new-labels");
    }
    if (every != null && (every.isNegative() || every.isZero())) {
      throw new IllegalArgumentException("--every must be positive");
    }
  }

  /**
   * @param lastRun when the last version was made (null: never)
   * @param newLabels feedback records since the offsets the last version read
   */
  public boolean isDue(Instant now, Instant lastRun, long newLabels) {
    if (newLabels <= 0) {
      return false;
    }
    if (minNewLabels > 0 && newLabels >= minNewLabels) {
      return true;
    }
    if (every != null) {
      return lastRun == null || !now.isBefore(lastRun.plus(every));
    }
    return false;
  }

  /**
   * Parses {@code 6h}, {@code 30m}, {@code 90s}, {@code 2d}, {@code 500ms} or an ISO-8601 duration
   * ({@code PT6H}).
   */
  public static Duration parseDuration(String s) {
    String t = s.trim().toLowerCase(Locale.ROOT);
    try {
      if (t.startsWith("p")) {
        return Duration.parse(t.toUpperCase(Locale.ROOT));
      }
      if (t.endsWith("ms")) {
        return Duration.ofMillis(Long.parseLong(t.substring(0, t.length() - 2)));
      }
      long n = Long.parseLong(t.substring(0, t.length() - 1));
      return switch (t.charAt(t.length() - 1)) {
        case 's' -> Duration.ofSeconds(n);
        case 'm' -> Duration.ofMinutes(n);
        case 'h' -> Duration.ofHours(n);
        case 'd' -> Duration.ofDays(n);
        default -> throw new IllegalArgumentException();
      };
    } catch (RuntimeException e) {
      throw new IllegalArgumentException(
          "bad duration '" + s + "' (use e.g. 6h, 30m, 90s, 2d or PT6H)");
    }
  }
}
