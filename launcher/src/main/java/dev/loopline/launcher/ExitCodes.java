package dev.loopline.launcher;

/**
 * The CLI's exit codes, documented in launcher/README.md so scripts can branch on them.
 *
 * <ul>
 *   <li>{@code 0}: success.
 *   <li>{@code 1}: an unexpected error (a bug or an environment failure); one line on stderr, the
 *       stack trace only with {@code --verbose}.
 *   <li>{@code 2}: a usage or configuration error (bad flag, missing file, unreachable service).
 *   <li>{@code 3}: {@code produce} rejected some input lines; the valid ones were produced.
 *   <li>{@code 4}: {@code produce} could not deliver some records to Kafka.
 * </ul>
 */
public final class ExitCodes {
  public static final int OK = 0;
  public static final int UNEXPECTED = 1;
  public static final int USAGE = 2;
  public static final int REJECTED = 3;
  public static final int SEND_FAILED = 4;

  private ExitCodes() {}
}
