package dev.loopline.model.scoring;

import ai.djl.MalformedModelException;
import ai.djl.inference.Predictor;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ModelNotFoundException;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.translate.TranslateException;
import dev.loopline.model.artifact.ModelMetadata;
import dev.loopline.model.artifact.UnpackedArtifact;
import dev.loopline.model.features.SparseVector;
import dev.loopline.model.tf.TensorFlowNatives;
import dev.loopline.model.train.SparseSignature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tensorflow.proto.MetaGraphDef;
import org.tensorflow.proto.SavedModel;
import org.tensorflow.proto.SignatureDef;

/**
 * A {@link Scorer} running an artifact's SavedModel with DJL's TensorFlow engine, offline, on the
 * natives {@link TensorFlowNatives} provides. One DJL {@code Predictor}, fed from reused direct
 * buffers; {@link #close()} frees the model's native memory (and, for a scorer the {@link
 * ModelLoader} made, deletes the artifact's unpacked directory). Not thread-safe: one per stream
 * thread.
 */
public final class DjlScorer implements Scorer {
  private static final Logger LOG = LoggerFactory.getLogger(DjlScorer.class);

  private final ModelMetadata metadata;
  private final ZooModel<List<SparseVector>, float[][]> model;
  private final Predictor<List<SparseVector>, float[][]> predictor;
  private final Path ownedDir;
  private boolean closed;

  private DjlScorer(
      ModelMetadata metadata,
      ZooModel<List<SparseVector>, float[][]> model,
      Predictor<List<SparseVector>, float[][]> predictor,
      Path ownedDir) {
    this.metadata = metadata;
    this.model = model;
    this.predictor = predictor;
    this.ownedDir = ownedDir;
  }

  /**
   * Loads the artifact's SavedModel. Checks the signature first (a missing {@code serving_default}
   * or wrong inputs would otherwise surface as DJL silently picking another signature).
   *
   * @throws IllegalArgumentException if the SavedModel does not have the sparse signature the
   *     metadata declares, or cannot be loaded
   */
  public static DjlScorer load(UnpackedArtifact artifact) {
    return load(artifact, null);
  }

  static DjlScorer load(UnpackedArtifact artifact, Path ownedDir) {
    ModelMetadata md = artifact.metadata();
    checkSignature(artifact.savedModelDir(), md);
    TensorFlowNatives.ensureLoaded();
    SparseInputTranslator translator =
        new SparseInputTranslator(md.featurizer().dimension(), md.labels().size());
    Criteria<List<SparseVector>, float[][]> criteria =
        Criteria.builder()
            .setTypes(listType(), float[][].class)
            .optModelPath(artifact.savedModelDir())
            .optEngine("TensorFlow")
            .optOption("Tags", SparseSignature.TAG)
            .optOption("SignatureDefKey", SparseSignature.KEY)
            .optTranslator(translator)
            .build();
    ZooModel<List<SparseVector>, float[][]> model;
    try {
      model = criteria.loadModel();
    } catch (ModelNotFoundException | MalformedModelException | IOException | RuntimeException e) {
      throw new IllegalArgumentException("cannot load SavedModel: " + e.getMessage(), e);
    }
    LOG.info(
        "Loaded model {} v{} ({} labels) from {}",
        md.name(),
        md.version(),
        md.labels().size(),
        artifact.savedModelDir());
    return new DjlScorer(md, model, model.newPredictor(), ownedDir);
  }

  @SuppressWarnings("unchecked")
  private static Class<List<SparseVector>> listType() {
    return (Class<List<SparseVector>>) (Class<?>) List.class;
  }

  /** Verifies the SavedModel has the serve tag and the sparse serving signature. */
  static void checkSignature(Path savedModelDir, ModelMetadata md) {
    if (!SparseSignature.INPUT_KIND.equals(md.inputKind())) {
      throw new IllegalArgumentException(
          "input kind " + md.inputKind() + " is not supported (only sparse)");
    }
    Path pb = savedModelDir.resolve("saved_model.pb");
    SavedModel sm;
    try {
      sm = SavedModel.parseFrom(Files.readAllBytes(pb));
    } catch (IOException e) {
      throw new IllegalArgumentException("unreadable SavedModel " + pb + ": " + e.getMessage(), e);
    }
    MetaGraphDef serve =
        sm.getMetaGraphsList().stream()
            .filter(m -> m.getMetaInfoDef().getTagsList().contains(SparseSignature.TAG))
            .findFirst()
            .orElseThrow(
                () ->
                    new IllegalArgumentException(
                        "SavedModel has no '" + SparseSignature.TAG + "' tag"));
    SignatureDef sig = serve.getSignatureDefMap().get(SparseSignature.KEY);
    if (sig == null) {
      throw new IllegalArgumentException(
          "SavedModel has no signature "
              + SparseSignature.KEY
              + " (has "
              + serve.getSignatureDefMap().keySet()
              + ")");
    }
    Map<String, ?> inputs = sig.getInputsMap();
    for (String name : md.inputNames()) {
      if (!inputs.containsKey(name)) {
        throw new IllegalArgumentException(
            "signature "
                + SparseSignature.KEY
                + " lacks input "
                + name
                + " (has "
                + inputs.keySet()
                + ")");
      }
    }
    if (!SparseSignature.INPUT_NAMES.stream().allMatch(inputs::containsKey)) {
      throw new IllegalArgumentException(
          "signature inputs " + inputs.keySet() + " are not " + SparseSignature.INPUT_NAMES);
    }
    if (!sig.getOutputsMap().containsKey(md.outputName())) {
      throw new IllegalArgumentException(
          "signature " + SparseSignature.KEY + " lacks output " + md.outputName());
    }
  }

  @Override
  public ModelMetadata metadata() {
    return metadata;
  }

  @Override
  public float[][] predict(List<SparseVector> batch) {
    if (closed) {
      throw new IllegalStateException("scorer is closed");
    }
    if (batch.isEmpty()) {
      return new float[0][];
    }
    try {
      return predictor.predict(batch);
    } catch (TranslateException e) {
      throw new IllegalStateException("prediction failed: " + e.getMessage(), e);
    }
  }

  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      predictor.close();
    } finally {
      model.close();
      if (ownedDir != null) {
        deleteQuietly(ownedDir);
      }
    }
  }

  static void deleteQuietly(Path root) {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(root)) {
      walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException | RuntimeException e) {
      LOG.warn("could not delete {}: {}", root, e.toString());
    }
  }
}
