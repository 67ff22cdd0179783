package dev.loopline.retrain.publish;

import dev.loopline.avro.ActorType;
import dev.loopline.avro.Deployment;
import dev.loopline.avro.DeploymentAction;
import dev.loopline.avro.ModelVersion;
import dev.loopline.config.LooplineConfig;
import dev.loopline.model.artifact.ArtifactException;
import dev.loopline.model.artifact.ArtifactSignature;
import dev.loopline.model.store.ModelStore;
import dev.loopline.model.store.Sha256;
import dev.loopline.retrain.registry.AvroClients;
import dev.loopline.topics.Topics;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.time.Instant;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes a trained version in the one order that never leaves a record without an artifact:
 *
 * <ol>
 *   <li>put the zip in the model store;
 *   <li>fetch it back into a fresh directory and verify its sha256; when {@code
 *       model.signing.private.key} is set, sign that sha256 (Ed25519) and store the detached
 *       signature beside the artifact ({@code <artifact>.sig}, see {@link ArtifactSignature});
 *   <li>record the version on {@code model-versions} (key {@code <name>:<version>}), waiting for
 *       the broker's acknowledgement;
 *   <li>only then, if promoted, append a {@link Deployment} to {@code model-deployments}.
 * </ol>
 *
 * A failure at step 1 or 2 announces nothing. Also used by {@code loopline models promote|rollback}
 * to append deployments.
 */
public final class ModelPublisher {

  private static final Logger LOG = LoggerFactory.getLogger(ModelPublisher.class);

  private final LooplineConfig config;
  private final Topics topics;

  public ModelPublisher(LooplineConfig config, Topics topics) {
    this.config = config;
    this.topics = topics;
  }

  /** The key of a version on {@code model-versions}. */
  public static String versionKey(String name, int version) {
    return name + ":" + version;
  }

  /**
   * Steps 1 and 2: stores the artifact and proves the stored bytes are the ones trained; signs them
   * when a signing key is configured.
   *
   * @return the artifact's URI in the store
   * @throws IOException if the store cannot be written or returns different bytes, or the
   *     configured signing key cannot be read or the signature cannot be stored
   */
  public URI storeVerified(
      ModelStore store, String name, int version, Path zip, String sha256, Path scratch)
      throws IOException {
    PrivateKey signingKey;
    try {
      // Before anything is stored: a misconfigured key must not leave an unsigned artifact.
      signingKey = ArtifactSignature.privateKeyFromConfig(config.asMap());
    } catch (ArtifactException e) {
      throw new IOException(
          "cannot sign "
              + name
              + " v"
              + version
              + " ("
              + ArtifactSignature.PRIVATE_KEY
              + "): "
              + e.getMessage(),
          e);
    }
    URI uri = store.put(name, version, zip);
    Path back = Files.createTempDirectory(Files.createDirectories(scratch), "readback-");
    Path fetched = store.fetch(uri, back);
    String got = Sha256.of(fetched);
    if (!got.equals(sha256)) {
      throw new IOException(
          "artifact read back from " + uri + " has sha256 " + got + ", expected " + sha256);
    }
    LOG.info("Stored {} v{} at {} (sha256 {} verified by read-back)", name, version, uri, sha256);
    if (signingKey != null) {
      URI sig = ArtifactSignature.store(uri, ArtifactSignature.sign(signingKey, got));
      LOG.info("Signed {} v{} (Ed25519 over its sha256): {}", name, version, sig);
    }
    return uri;
  }

  /** Step 3: records the version; returns once the broker has acknowledged it. */
  public void recordVersion(ModelVersion v) throws IOException {
    try (KafkaProducer<String, ModelVersion> p = AvroClients.producer(config, ModelVersion.class)) {
      p.send(
              new ProducerRecord<>(
                  topics.modelVersions(), versionKey(v.getName(), v.getVersion()), v))
          .get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while recording " + v.getName() + " v" + v.getVersion());
    } catch (ExecutionException e) {
      throw new IOException(
          "cannot record " + v.getName() + " v" + v.getVersion() + ": " + e.getCause(),
          e.getCause());
    }
    LOG.info(
        "Recorded {} v{} on {} as {}: {}",
        v.getName(),
        v.getVersion(),
        topics.modelVersions(),
        v.getVerdict(),
        v.getReason());
  }

  /**
   * Keeps {@code serving} serving and names {@code candidate} as its shadow, scored on {@code
   * sampleRate} of the traffic (never routing).
   */
  public Deployment shadow(
      ModelVersion serving,
      ModelVersion candidate,
      double sampleRate,
      ActorType actorType,
      String actor,
      String reason,
      Instant at)
      throws IOException {
    Deployment d =
        Deployment.newBuilder()
            .setModelName(serving.getName())
            .setVersion(serving.getVersion())
            .setArtifactUri(serving.getArtifactUri())
            .setSha256(serving.getSha256())
            .setShadowVersion(candidate.getVersion())
            .setShadowArtifactUri(candidate.getArtifactUri())
            .setShadowSha256(candidate.getSha256())
            .setShadowSampleRate(sampleRate)
            .setDeployedAt(at)
            .setAction(DeploymentAction.SHADOW)
            .setActorType(actorType)
            .setActor(actor)
            .setReason(reason)
            .setPreviousVersion(serving.getVersion())
            .build();
    send(d);
    LOG.info(
        "SHADOW {} v{} beside v{} at {} by {} {}: {}",
        candidate.getName(),
        candidate.getVersion(),
        serving.getVersion(),
        sampleRate,
        actorType,
        actor,
        reason);
    return d;
  }

  private void send(Deployment d) throws IOException {
    try (KafkaProducer<String, Deployment> p = AvroClients.producer(config, Deployment.class)) {
      p.send(new ProducerRecord<>(topics.modelDeployments(), d.getModelName(), d)).get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while appending a deployment of " + d.getModelName());
    } catch (ExecutionException e) {
      throw new IOException(
          "cannot append deployment of " + d.getModelName() + ": " + e.getCause(), e.getCause());
    }
  }

  /** Step 4 (and promote/rollback): appends a deployment naming {@code v} as serving. */
  public Deployment deploy(
      ModelVersion v,
      DeploymentAction action,
      ActorType actorType,
      String actor,
      String reason,
      Integer previousVersion,
      Instant at)
      throws IOException {
    Deployment d =
        Deployment.newBuilder()
            .setModelName(v.getName())
            .setVersion(v.getVersion())
            .setArtifactUri(v.getArtifactUri())
            .setSha256(v.getSha256())
            .setDeployedAt(at)
            .setAction(action)
            .setActorType(actorType)
            .setActor(actor)
            .setReason(reason)
            .setPreviousVersion(previousVersion)
            .build();
    send(d);
    LOG.info(
        "{} {} v{} by {} {}: {}", action, v.getName(), v.getVersion(), actorType, actor, reason);
    return d;
  }
}
