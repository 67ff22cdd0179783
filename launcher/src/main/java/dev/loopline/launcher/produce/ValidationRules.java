package dev.loopline.launcher.produce;

/**
 * What {@code produce} accepts.
 *
 * @param maxTextBytes the largest {@code text}, in UTF-8 bytes
 * @param ignoreUnknown accept (and drop) unknown JSON fields or CSV columns instead of rejecting
 */
public record ValidationRules(int maxTextBytes, boolean ignoreUnknown) {

  public static final int DEFAULT_MAX_TEXT_BYTES = 64 * 1024;
  public static final int MAX_ID_BYTES = 1024;

  public static ValidationRules defaults() {
    return new ValidationRules(DEFAULT_MAX_TEXT_BYTES, false);
  }

  public ValidationRules {
    if (maxTextBytes < 1) {
      throw new IllegalArgumentException("maxTextBytes must be positive");
    }
  }

  /**
   * The longest physical line worth reading: JSON escaping can make a valid text up to 6 times
   * longer (\\uXXXX), plus room for the other fields.
   */
  public int maxLineBytes() {
    return (int) Math.min(Integer.MAX_VALUE - 16, 6L * maxTextBytes + 64 * 1024);
  }
}
