package dev.loopline.model.scoring;

import dev.loopline.model.artifact.ArtifactException;
import dev.loopline.model.artifact.ArtifactReader;
import dev.loopline.model.artifact.ArtifactSignature;
import dev.loopline.model.artifact.CanaryCase;
import dev.loopline.model.artifact.ModelMetadata;
import dev.loopline.model.artifact.UnpackedArtifact;
import dev.loopline.model.features.Featurizer;
import dev.loopline.model.features.SparseVector;
import dev.loopline.model.store.Sha256;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one verified way to turn an artifact zip into a serving {@link Scorer}, used by hot swap,
 * evaluation and backtest: sha256, safe unpack into a fresh directory, featurizer fingerprint,
 * expected labels, signature, load, warm-up, canary set. Any failure throws {@link
 * ModelRejectedException} with a one-line reason and leaves nothing open or unpacked, so the caller
 * simply keeps serving the old model.
 */
public final class ModelLoader {
  private static final Logger LOG = LoggerFactory.getLogger(ModelLoader.class);

  /**
   * Largest allowed absolute difference between a canary's recorded and reproduced probability.
   * Export to DJL is bit-exact on the same natives; the margin covers a different CPU's kernels.
   */
  public static final float CANARY_TOLERANCE = 1e-5f;

  private static final int WARM_UP_ROWS = 256;

  private ModelLoader() {}

  /**
   * Verifies and loads {@code zip}.
   *
   * @param expectedSha256 hex digest the zip must have (null skips the check, logged)
   * @param workDir parent directory; the artifact is unpacked into a new subdirectory, deleted when
   *     the returned scorer is closed
   * @param expectedLabelsOrNull the labels, in order, the caller's decision policy expects
   * @return a loaded, warmed-up scorer that reproduced every canary
   * @throws ModelRejectedException with the reason
   */
  public static Scorer load(
      Path zip, String expectedSha256, Path workDir, List<String> expectedLabelsOrNull) {
    return load(zip, expectedSha256, workDir, expectedLabelsOrNull, CANARY_TOLERANCE);
  }

  /** As {@link #load(Path, String, Path, List)} with an explicit canary tolerance. */
  public static Scorer load(
      Path zip,
      String expectedSha256,
      Path workDir,
      List<String> expectedLabelsOrNull,
      float canaryTolerance) {
    return load(zip, expectedSha256, workDir, expectedLabelsOrNull, canaryTolerance, null, null);
  }

  /**
   * As {@link #load(Path, String, Path, List, float)}, and, when {@code signingKeyOrNull} is set,
   * first checks the artifact's detached Ed25519 signature ({@link ArtifactSignature}) over the
   * sha256 of the bytes in {@code zip}: a missing, malformed or invalid signature rejects the
   * artifact (reason starting with "artifact signature") before anything is unpacked.
   *
   * @param signingKeyOrNull the publisher's public key ({@code model.signing.public.key}); null
   *     skips the check
   * @param signatureFileOrNull the content of the artifact's {@code .sig} file, null if it has none
   */
  public static Scorer load(
      Path zip,
      String expectedSha256,
      Path workDir,
      List<String> expectedLabelsOrNull,
      float canaryTolerance,
      PublicKey signingKeyOrNull,
      byte[] signatureFileOrNull) {
    if (expectedSha256 == null) {
      LOG.warn("Loading {} without a sha256 to verify", zip);
    }
    if (signingKeyOrNull != null) {
      try {
        ArtifactSignature.verify(signingKeyOrNull, Sha256.of(zip), signatureFileOrNull);
      } catch (RuntimeException e) {
        throw reject(zip, e.getMessage(), e);
      }
    }
    Path fresh;
    try {
      Files.createDirectories(workDir);
      fresh = Files.createTempDirectory(workDir, "model-");
    } catch (IOException e) {
      throw new ModelRejectedException("cannot create a directory under " + workDir + ": " + e, e);
    }
    UnpackedArtifact artifact;
    try {
      artifact = ArtifactReader.unpack(zip, expectedSha256, fresh);
    } catch (ArtifactException e) {
      DjlScorer.deleteQuietly(fresh);
      throw reject(zip, e.getMessage(), e);
    }
    ModelMetadata md = artifact.metadata();
    DjlScorer scorer = null;
    try {
      if (expectedLabelsOrNull != null && !expectedLabelsOrNull.equals(md.labels())) {
        throw new ModelRejectedException(
            "labels " + md.labels() + " differ from the expected " + expectedLabelsOrNull);
      }
      if (artifact.canaries().isEmpty()) {
        throw new ModelRejectedException("artifact has no canary set");
      }
      try {
        scorer = DjlScorer.load(artifact, fresh);
      } catch (IllegalArgumentException e) {
        throw new ModelRejectedException(e.getMessage(), e);
      }
      Featurizer featurizer = new Featurizer(md.featurizer());
      List<SparseVector> canaryVectors = new ArrayList<>();
      for (CanaryCase c : artifact.canaries()) {
        canaryVectors.add(featurizer.featurize(c.text(), c.attributes()));
      }
      warmUp(scorer, canaryVectors);
      checkCanaries(
          scorer.predict(canaryVectors), artifact.canaries(), md.labels(), canaryTolerance);
      LOG.info(
          "Model {} v{} verified: sha256 {}, {}, {} canaries within {}",
          md.name(),
          md.version(),
          expectedSha256 == null ? "(not checked)" : expectedSha256,
          signingKeyOrNull == null ? "signature not required" : "Ed25519 signature valid",
          artifact.canaries().size(),
          canaryTolerance);
      return scorer;
    } catch (ModelRejectedException e) {
      closeAndDelete(scorer, fresh);
      throw reject(zip, e.getMessage(), e);
    } catch (RuntimeException | LinkageError e) {
      closeAndDelete(scorer, fresh);
      throw reject(zip, "load or prediction failed: " + e.getMessage(), e);
    }
  }

  private static void warmUp(Scorer scorer, List<SparseVector> vectors) {
    List<SparseVector> batch = new ArrayList<>(WARM_UP_ROWS);
    for (int i = 0; i < WARM_UP_ROWS; i++) {
      batch.add(vectors.get(i % vectors.size()));
    }
    scorer.predict(batch);
  }

  static void checkCanaries(
      float[][] got, List<CanaryCase> canaries, List<String> labels, float tolerance) {
    for (int i = 0; i < canaries.size(); i++) {
      float[] expected = canaries.get(i).expected();
      for (int c = 0; c < expected.length; c++) {
        float diff = Math.abs(got[i][c] - expected[c]);
        if (!(diff <= tolerance)) {
          throw new ModelRejectedException(
              String.format(
                  Locale.ROOT,
                  "canary %d mismatch on label %s: expected %.7f, got %.7f (tolerance %.1e)",
                  i,
                  labels.get(c),
                  expected[c],
                  got[i][c],
                  tolerance));
        }
      }
    }
  }

  private static void closeAndDelete(DjlScorer scorer, Path dir) {
    if (scorer != null) {
      scorer.close();
    }
    DjlScorer.deleteQuietly(dir);
  }

  private static ModelRejectedException reject(Path zip, String reason, Throwable cause) {
    String line = reason == null ? cause.toString() : reason.replace('\n', ' ');
    LOG.warn("Rejected artifact {}: {}", zip, line);
    return new ModelRejectedException(line, cause);
  }
}
