package dev.loopline.feedback.topology;

/**
 * A record that decoded but cannot be used (no event id, key and id disagree, no label). The
 * processing exception handler sends exactly these to the dead-letter topic and keeps going; any
 * other exception is a bug and stops the app.
 */
public final class InvalidRecordException extends RuntimeException {
  public InvalidRecordException(String message) {
    super(message);
  }
}
