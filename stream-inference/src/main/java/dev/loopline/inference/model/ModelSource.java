package dev.loopline.inference.model;

/**
 * Turns a deployment's artifact reference into a loaded, verified model, or says why not. The
 * production source fetches from the model store and runs model-core's loader (sha256, safe unpack,
 * fingerprint, labels, warm-up, canary); tests plug in their own.
 */
public interface ModelSource {

  /**
   * @throws ModelRejected with a one-line reason when the artifact must not serve
   */
  ServingModel load(String artifactUri, String sha256, int version) throws ModelRejected;

  /** Why an artifact was refused; the old model keeps serving. */
  final class ModelRejected extends Exception {
    private final String category;

    public ModelRejected(String category, String message, Throwable cause) {
      super(message, cause);
      this.category = category;
    }

    /** A short, low-cardinality reason for the metric tag (e.g. {@code sha256}, {@code canary}). */
    public String category() {
      return category;
    }
  }
}
