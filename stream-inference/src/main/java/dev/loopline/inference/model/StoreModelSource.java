package dev.loopline.inference.model;

import dev.loopline.model.policy.DecisionPolicy;
import dev.loopline.model.scoring.ModelLoader;
import dev.loopline.model.scoring.Scorer;
import dev.loopline.model.store.ModelStores;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Comparator;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Loads a deployment's artifact the way ARCHITECTURE.md's hot swap says: fetch from the model store
 * into a fresh directory, then model-core's {@link ModelLoader} verifies the sha256, unpacks
 * safely, checks the featurizer fingerprint, loads, warms up and runs the canary set. The decision
 * policy must fit the version's labels. The directory is deleted once the version is closed.
 */
public final class StoreModelSource implements ModelSource {

  private static final Logger LOG = LoggerFactory.getLogger(StoreModelSource.class);

  private final Path workDir;
  private final DecisionPolicy policy;
  private final Clock clock;
  private final AtomicLong sequence = new AtomicLong();

  public StoreModelSource(Path workDir, DecisionPolicy policy, Clock clock) {
    this.workDir = workDir;
    this.policy = policy;
    this.clock = clock;
  }

  @Override
  public ServingModel load(String artifactUri, String sha256, int version) throws ModelRejected {
    Path dir =
        workDir.resolve(
            "v" + version + "-" + System.currentTimeMillis() + "-" + sequence.incrementAndGet());
    Scorer scorer = null;
    try {
      Files.createDirectories(dir);
      URI uri = URI.create(artifactUri);
      Path zip = ModelStores.forUri(uri).fetch(uri, dir.resolve("download"));
      scorer = ModelLoader.load(zip, sha256, dir.resolve("model"), null);
      if (scorer.metadata().version() != version) {
        throw new ModelRejected(
            "version",
            "artifact says version " + scorer.metadata().version() + ", deployment says " + version,
            null);
      }
      try {
        policy.validateLabels(scorer.metadata().labels());
      } catch (IllegalArgumentException e) {
        throw new ModelRejected("labels", e.getMessage(), e);
      }
      Scorer loaded = scorer;
      return new ServingModel(loaded, clock.instant(), () -> deleteQuietly(dir));
    } catch (ModelRejected e) {
      closeQuietly(scorer);
      deleteQuietly(dir);
      throw e;
    } catch (Exception | LinkageError e) {
      // LinkageError: natives or classes that do not load (e.g. UnsatisfiedLinkError) reject the
      // version like any other failure instead of killing the watcher thread.
      closeQuietly(scorer);
      deleteQuietly(dir);
      String msg = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
      throw new ModelRejected(category(msg), msg, e);
    }
  }

  /** A low-cardinality reason for the rejection metric. */
  static String category(String message) {
    String m = message.toLowerCase(Locale.ROOT);
    if (m.contains("sha256") || m.contains("sha-256") || m.contains("checksum")) {
      return "sha256";
    }
    if (m.contains("canary")) {
      return "canary";
    }
    if (m.contains("fingerprint")) {
      return "fingerprint";
    }
    if (m.contains("slip") || m.contains("outside") || m.contains("entry")) {
      return "unsafe-zip";
    }
    if (m.contains("signature")) {
      return "signature";
    }
    if (m.contains("label")) {
      return "labels";
    }
    return "load";
  }

  private static void closeQuietly(Scorer s) {
    if (s != null) {
      try {
        s.close();
      } catch (RuntimeException e) {
        LOG.warn("closing a rejected model failed: {}", e.toString());
      }
    }
  }

  static void deleteQuietly(Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(dir)) {
      walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      LOG.warn("could not delete {}: {}", dir, e.toString());
    }
  }
}
