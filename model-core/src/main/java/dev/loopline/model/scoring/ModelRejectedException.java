package dev.loopline.model.scoring;

/**
 * An artifact failed verification and was not loaded. {@link #getMessage()} is a one-line reason
 * fit for a log line, a metric label's detail or the ops console (wrong sha256, unsafe zip entry,
 * fingerprint or label mismatch, missing signature, canary mismatch).
 */
public class ModelRejectedException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public ModelRejectedException(String reason) {
    super(reason);
  }

  public ModelRejectedException(String reason, Throwable cause) {
    super(reason, cause);
  }
}
