package dev.loopline.inference.model;

import dev.loopline.config.LooplineConfig;
import dev.loopline.model.artifact.ArtifactSignature;
import dev.loopline.model.policy.DecisionPolicy;
import dev.loopline.model.scoring.ModelLoader;
import dev.loopline.model.scoring.Scorer;
import dev.loopline.model.store.ModelStores;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PublicKey;
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
 *
 * <p>With a signing key ({@code model.signing.public.key}, see {@link ArtifactSignature}) it also
 * fetches the artifact's detached {@code <artifact>.sig} and the loader refuses an artifact whose
 * signature is missing, malformed or not made by that key (rejection category {@code
 * artifact-signature}); whatever served before serves on.
 */
public final class StoreModelSource implements ModelSource {

  private static final Logger LOG = LoggerFactory.getLogger(StoreModelSource.class);

  private final Path workDir;
  private final DecisionPolicy policy;
  private final Clock clock;
  private final PublicKey signingKey;
  private final AtomicLong sequence = new AtomicLong();

  /** A source that does not check signatures (no {@code model.signing.public.key}). */
  public StoreModelSource(Path workDir, DecisionPolicy policy, Clock clock) {
    this(workDir, policy, clock, null);
  }

  /**
   * @param signingKeyOrNull the publisher's Ed25519 public key; when set, only artifacts with a
   *     valid detached signature by it load
   */
  public StoreModelSource(
      Path workDir, DecisionPolicy policy, Clock clock, PublicKey signingKeyOrNull) {
    this.workDir = workDir;
    this.policy = policy;
    this.clock = clock;
    this.signingKey = signingKeyOrNull;
    if (signingKeyOrNull != null) {
      LOG.info("artifact signatures required: only versions signed by the configured key load");
    }
  }

  /**
   * The source a scoring app gets from its config: {@code model.signing.public.key} read here, so a
   * key file that is set but unreadable fails the start instead of silently loading unsigned
   * artifacts.
   *
   * @throws dev.loopline.model.artifact.ArtifactException if the key is set and cannot be read
   */
  public static StoreModelSource fromConfig(
      LooplineConfig config, Path workDir, DecisionPolicy policy, Clock clock) {
    return new StoreModelSource(
        workDir, policy, clock, ArtifactSignature.publicKeyFromConfig(config.asMap()));
  }

  /** Whether artifacts must carry a valid signature to load. */
  public boolean requiresSignature() {
    return signingKey != null;
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
      byte[] signature = signingKey == null ? null : fetchSignature(uri, dir.resolve("sig"));
      scorer =
          ModelLoader.load(
              zip,
              sha256,
              dir.resolve("model"),
              null,
              ModelLoader.CANARY_TOLERANCE,
              signingKey,
              signature);
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

  /** The artifact's detached signature, or null when the store has none for it. */
  private static byte[] fetchSignature(URI artifact, Path dir) {
    URI sig = ArtifactSignature.sidecar(artifact);
    try {
      return Files.readAllBytes(ModelStores.forUri(sig).fetch(sig, dir));
    } catch (IOException | RuntimeException e) {
      LOG.warn("no signature at {}: {}", sig, e.toString());
      return null;
    }
  }

  /** A low-cardinality reason for the rejection metric. */
  static String category(String message) {
    String m = message.toLowerCase(Locale.ROOT);
    // First: its messages may mention the sha256 the signature covers.
    if (m.startsWith("artifact signature")) {
      return "artifact-signature";
    }
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
