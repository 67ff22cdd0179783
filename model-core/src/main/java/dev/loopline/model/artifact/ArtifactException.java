package dev.loopline.model.artifact;

/**
 * An artifact that cannot be written or must not be loaded: wrong checksum, unsafe zip entry,
 * missing file, bad metadata, fingerprint mismatch. The message is one line meant for logs and the
 * ops console; the old model keeps serving.
 */
public class ArtifactException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  public ArtifactException(String reason) {
    super(reason);
  }

  public ArtifactException(String reason, Throwable cause) {
    super(reason, cause);
  }
}
