package dev.loopline.launcher;

/**
 * A problem the user can fix (a missing file, an unreachable broker, a bad value): the CLI prints
 * its message as one line and exits with {@link ExitCodes#USAGE}, never with a stack trace.
 */
public class UserError extends RuntimeException {

  public UserError(String message) {
    super(message);
  }

  public UserError(String message, Throwable cause) {
    super(message, cause);
  }
}
