package dev.loopline.inference;

import dev.loopline.model.artifact.ModelMetadata;
import dev.loopline.model.features.Featurizer;
import dev.loopline.model.features.FeaturizerSpec;
import dev.loopline.model.features.SparseVector;
import dev.loopline.model.store.FileModelStore;
import dev.loopline.model.train.ArtifactPackager;
import dev.loopline.model.train.TrainedModel;
import dev.loopline.model.train.Trainer;
import dev.loopline.model.train.TrainerConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Real TensorFlow models for integration tests, trained in-process with model-core's Trainer on
 * {@link TestTickets}, packaged as artifacts (with canaries) and put in a file model store.
 */
public final class TestModels {

  /** Small hashing width keeps training and scoring quick. */
  public static final FeaturizerSpec SPEC =
      new FeaturizerSpec(1, 14, 2, 0, 0, 20_000, List.of(), 0x10091, true, true);

  /** A stored artifact, as a deployment names it. */
  public record StoredModel(int version, URI uri, String sha256, Path zip) {}

  private static final Map<String, StoredModel> SHARED = new java.util.HashMap<>();
  private static Path sharedStore;

  private TestModels() {}

  /** One trained artifact per (version, rotate) per test JVM, in a shared temporary store. */
  public static synchronized StoredModel shared(int version, boolean rotate) {
    return SHARED.computeIfAbsent(
        version + ":" + rotate,
        k -> {
          try {
            if (sharedStore == null) {
              sharedStore = Files.createTempDirectory("loopline-test-store");
            }
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
          return train(sharedStore, version, rotate);
        });
  }

  /**
   * Trains version {@code version}; with {@code rotate} the training labels are rotated by one, so
   * the two versions' outputs differ clearly on the same text.
   */
  public static StoredModel train(Path storeDir, int version, boolean rotate) {
    Featurizer f = new Featurizer(SPEC);
    List<SparseVector> x = new ArrayList<>();
    int n = 900;
    int[] y = new int[n];
    for (int i = 0; i < n; i++) {
      int label = i % 3;
      x.add(f.featurize(TestTickets.text(label, 7_000 + version, i), Map.of()));
      y[i] = rotate ? (label + 1) % 3 : label;
    }
    TrainerConfig cfg =
        TrainerConfig.defaults().withEpochs(4, 1).withBatchSize(128).withSeed(version);
    try (TrainedModel m =
        new Trainer()
            .train(TestTickets.LABELS, SPEC, x, y, List.of(), new int[0], cfg, null, null)) {
      ModelMetadata md =
          ArtifactPackager.metadata(
              m,
              SPEC,
              "tickets",
              version,
              Instant.parse("2026-03-01T00:00:00Z"),
              null,
              n,
              null,
              null,
              Map.of());
      List<ArtifactPackager.CanaryInput> canaries = new ArrayList<>();
      for (int i = 0; i < 6; i++) {
        canaries.add(new ArtifactPackager.CanaryInput(TestTickets.text(i % 3, 99, i), Map.of()));
      }
      Path zip = Files.createTempDirectory("loopline-test-model").resolve("v" + version + ".zip");
      String sha = ArtifactPackager.write(m, md, canaries, zip);
      URI uri = new FileModelStore(storeDir).put("tickets", version, zip);
      return new StoredModel(version, uri, sha, zip);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
