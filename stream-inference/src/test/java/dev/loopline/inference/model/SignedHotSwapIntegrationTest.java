package dev.loopline.inference.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.loopline.avro.ActorType;
import dev.loopline.avro.Deployment;
import dev.loopline.avro.DeploymentAction;
import dev.loopline.config.LooplineConfig;
import dev.loopline.inference.TestModels;
import dev.loopline.inference.TestTickets;
import dev.loopline.inference.ops.ScoringMetrics;
import dev.loopline.model.artifact.ArtifactException;
import dev.loopline.model.artifact.ArtifactSignature;
import dev.loopline.model.policy.DecisionPolicy;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.time.Clock;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The hot-swap path with {@code model.signing.public.key} set, on real trained artifacts in a
 * {@code file:} model store and real TensorFlow: a signed v1 serves; v2 with no signature, with a
 * signature by another key and with a tampered signature is rejected each time (reason and metric
 * {@code artifact-signature}) while v1 keeps serving and scoring; the same v2 once properly signed
 * swaps in.
 */
@Tag("integration")
class SignedHotSwapIntegrationTest {

  private static final Instant T0 = Instant.parse("2026-03-01T10:00:00Z");

  @TempDir static Path store;
  @TempDir static Path keys;
  @TempDir Path work;

  static TestModels.StoredModel v1;
  static TestModels.StoredModel v2;
  static KeyPair publisher;
  static KeyPair stranger;
  static Path publicPem;

  @BeforeAll
  static void trainAndKeys() throws Exception {
    v1 = TestModels.train(store, 1, false);
    v2 = TestModels.train(store, 2, true);
    publisher = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
    stranger = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
    publicPem = keys.resolve("loopline-signing.pub.pem");
    Files.writeString(publicPem, ArtifactSignature.toPem(publisher.getPublic()));
  }

  @Test
  void unsignedOrBadlySignedVersionsAreRejectedAndTheOldOneServesOn() throws Exception {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    ScoringMetrics metrics = new ScoringMetrics(registry);
    Models models = new Models();
    LooplineConfig config =
        LooplineConfig.of(Map.of(ArtifactSignature.PUBLIC_KEY, publicPem.toString()));
    StoreModelSource source =
        StoreModelSource.fromConfig(
            config, work, DecisionPolicy.fromConfig(Map.of()), Clock.systemUTC());
    assertThat(source.requiresSignature()).isTrue();
    HotSwapper swapper = new HotSwapper(models, source, metrics, 0.1, m -> {});
    try {
      sign(v1, publisher);
      assertThat(swapper.apply(deploy(v1))).isTrue();
      assertThat(models.serving().peek().version()).isEqualTo(1);

      // No signature next to v2.
      Files.deleteIfExists(ArtifactSignature.sidecar(Path.of(v2.uri())));
      assertRejected(swapper, models, metrics, registry, 1, "artifact signature missing");

      // Signed by a key other than the configured one.
      sign(v2, stranger);
      assertRejected(swapper, models, metrics, registry, 2, "artifact signature invalid");

      // The publisher's signature with one bit flipped.
      byte[] raw =
          Base64.getDecoder()
              .decode(
                  new String(
                          ArtifactSignature.sign(publisher.getPrivate(), v2.sha256()),
                          StandardCharsets.US_ASCII)
                      .strip());
      raw[31] ^= 0x01;
      ArtifactSignature.store(v2.uri(), Base64.getEncoder().encode(raw));
      assertRejected(swapper, models, metrics, registry, 3, "artifact signature invalid");

      // v1 still scores like v1 (v2 is trained on rotated labels and would say otherwise).
      ServingModel m = models.serving().acquire();
      try {
        float[][] p = m.featurizeAndPredict(List.of(TestTickets.text(0, 5, 1)), List.of(Map.of()));
        assertThat(p[0][0]).isGreaterThan(0.5f);
      } finally {
        m.release();
      }

      // The same artifact, properly signed, swaps in: the rejections were the signature's.
      sign(v2, publisher);
      assertThat(swapper.apply(deploy(v2))).isTrue();
      assertThat(models.serving().peek().version()).isEqualTo(2);
      assertThat(metrics.swapCount()).isEqualTo(2.0);
      assertThat(metrics.rejectedCount()).isEqualTo(3.0);
    } finally {
      models.close();
    }
  }

  @Test
  void withoutAKeyAnUnsignedVersionLoadsAsBefore() throws Exception {
    StoreModelSource source =
        StoreModelSource.fromConfig(
            LooplineConfig.of(Map.of()),
            work,
            DecisionPolicy.fromConfig(Map.of()),
            Clock.systemUTC());
    assertThat(source.requiresSignature()).isFalse();
    Files.deleteIfExists(ArtifactSignature.sidecar(Path.of(v1.uri())));
    ServingModel m = source.load(v1.uri().toString(), v1.sha256(), 1);
    assertThat(m.version()).isEqualTo(1);
    m.release();
  }

  @Test
  void aConfiguredKeyThatCannotBeReadFailsTheStart() {
    LooplineConfig config =
        LooplineConfig.of(
            Map.of(ArtifactSignature.PUBLIC_KEY, keys.resolve("missing.pem").toString()));
    assertThatThrownBy(
            () ->
                StoreModelSource.fromConfig(
                    config, work, DecisionPolicy.fromConfig(Map.of()), Clock.systemUTC()))
        .isInstanceOf(ArtifactException.class)
        .hasMessageContaining("missing.pem");
  }

  private static void assertRejected(
      HotSwapper swapper,
      Models models,
      ScoringMetrics metrics,
      SimpleMeterRegistry registry,
      int rejections,
      String reason) {
    assertThat(swapper.apply(deploy(v2))).isFalse();
    assertThat(models.serving().peek().version()).isEqualTo(1);
    assertThat(swapper.lastRejection()).startsWith("v2: " + reason);
    Counter c =
        registry
            .find("loopline.scoring.model.rejected")
            .tag("reason", "artifact-signature")
            .counter();
    assertThat(c).isNotNull();
    assertThat(c.count()).isEqualTo(rejections);
    assertThat(metrics.rejectedCount()).isEqualTo(rejections);
  }

  private static void sign(TestModels.StoredModel m, KeyPair key) throws Exception {
    ArtifactSignature.store(m.uri(), ArtifactSignature.sign(key.getPrivate(), m.sha256()));
  }

  private static Deployment deploy(TestModels.StoredModel m) {
    return Deployment.newBuilder()
        .setModelName("tickets")
        .setVersion(m.version())
        .setArtifactUri(m.uri().toString())
        .setSha256(m.sha256())
        .setDeployedAt(T0)
        .setAction(DeploymentAction.PROMOTE)
        .setActorType(ActorType.CLI)
        .setActor("test")
        .setReason("signed hot swap test")
        .build();
  }
}
