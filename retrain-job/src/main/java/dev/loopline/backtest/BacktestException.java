package dev.loopline.backtest;

/**
 * A backtest that cannot run, with a one-line reason for the user and the exit code the CLI
 * returns.
 */
public class BacktestException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  /** Bad arguments (unparseable time, malformed model reference). */
  public static final int USAGE = 2;

  /** The range holds no events. */
  public static final int NO_EVENTS = 3;

  /** A version does not exist, or its artifact failed verification. */
  public static final int BAD_VERSION = 4;

  /** The report was written, but nothing could be evaluated (no labels). */
  public static final int NO_LABELS = 5;

  private final int exitCode;

  public BacktestException(int exitCode, String message) {
    super(message);
    this.exitCode = exitCode;
  }

  public BacktestException(int exitCode, String message, Throwable cause) {
    super(message, cause);
    this.exitCode = exitCode;
  }

  public int exitCode() {
    return exitCode;
  }
}
