package dev.loopline.retrain.job;

import dev.loopline.model.artifact.ArtifactReader;
import dev.loopline.model.scoring.ModelLoader;
import dev.loopline.model.scoring.Scorer;
import dev.loopline.model.store.ModelStore;
import dev.loopline.model.store.Sha256;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The version serving now, as the training step needs it: a scorer to evaluate it on the same
 * holdout as the candidate, and its unpacked SavedModel to warm-start from. Anything wrong with it
 * (missing, sha256 mismatch, corrupt zip, other labels) is not fatal: the candidate trains from
 * scratch, is judged against the absolute floor, and the notes say why.
 */
final class ProductionModel implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(ProductionModel.class);

  private final Scorer scorer;
  private final Path savedModelDir;
  private final String whyNotComparable;

  private ProductionModel(Scorer scorer, Path savedModelDir, String whyNotComparable) {
    this.scorer = scorer;
    this.savedModelDir = savedModelDir;
    this.whyNotComparable = whyNotComparable;
  }

  static ProductionModel open(
      RetrainPlan.Production prod,
      List<String> labels,
      ModelStore store,
      Path workDir,
      List<String> notes) {
    if (prod == null) {
      return new ProductionModel(null, null, "first model");
    }
    if (!prod.labels().equals(labels)) {
      String why =
          "label set changed from production v"
              + prod.version()
              + " "
              + prod.labels()
              + " to "
              + labels;
      notes.add(why + ": trained from scratch, gated on the floor");
      return new ProductionModel(null, null, why);
    }
    Path zip;
    Path savedModel;
    try {
      Path dir = Files.createTempDirectory(Files.createDirectories(workDir), "production-");
      zip = store.fetch(URI.create(prod.artifactUri()), dir);
      String sha = Sha256.of(zip);
      if (!sha.equals(prod.sha256())) {
        throw new IllegalStateException(
            "sha256 " + sha + " does not match the recorded " + prod.sha256());
      }
      savedModel =
          ArtifactReader.unpack(zip, prod.sha256(), dir.resolve("unpacked")).savedModelDir();
    } catch (Exception e) {
      String why =
          "production v"
              + prod.version()
              + " artifact is corrupt or missing ("
              + e.getMessage()
              + ")";
      LOG.warn("{}: training from scratch", why, e);
      notes.add(why + ": trained from scratch");
      return new ProductionModel(null, null, why);
    }
    Scorer scorer = null;
    String why = null;
    try {
      scorer =
          ModelLoader.load(
              zip, prod.sha256(), workDir.resolve("production-load-" + System.nanoTime()), labels);
    } catch (Exception e) {
      why =
          "production v"
              + prod.version()
              + " cannot be loaded for evaluation ("
              + e.getMessage()
              + ")";
      LOG.warn(why, e);
      notes.add(why);
    }
    return new ProductionModel(scorer, savedModel, why);
  }

  boolean comparable() {
    return scorer != null;
  }

  Scorer scorer() {
    return scorer;
  }

  /** The SavedModel to warm-start from, or null. */
  Path savedModelDir() {
    return savedModelDir;
  }

  /** Why the gate has no production to compare with (null when it has). */
  String whyNotComparable() {
    return whyNotComparable;
  }

  @Override
  public void close() {
    if (scorer != null) {
      scorer.close();
    }
  }
}
