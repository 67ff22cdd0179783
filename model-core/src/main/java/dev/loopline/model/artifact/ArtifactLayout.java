package dev.loopline.model.artifact;

/** Entry names inside an artifact zip. */
public final class ArtifactLayout {

  /** The model's metadata. */
  public static final String METADATA = "metadata.json";

  /** The canary set: a JSON array of {@link CanaryCase}. */
  public static final String CANARIES = "canaries.json";

  /** Directory prefix of the TensorFlow SavedModel. */
  public static final String SAVED_MODEL_DIR = "saved_model";

  /** The SavedModel's graph, which must be present. */
  public static final String SAVED_MODEL_PB = "saved_model.pb";

  private ArtifactLayout() {}
}
