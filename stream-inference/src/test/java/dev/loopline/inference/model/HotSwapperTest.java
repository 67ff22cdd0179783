package dev.loopline.inference.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.loopline.avro.ActorType;
import dev.loopline.avro.Deployment;
import dev.loopline.avro.DeploymentAction;
import dev.loopline.inference.TableScorer;
import dev.loopline.inference.ops.ScoringMetrics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Reference counting and the swap/reject/rollback rules, without Kafka or TensorFlow. */
class HotSwapperTest {

  private static final Instant T0 = Instant.parse("2026-03-01T10:00:00Z");

  private final Models models = new Models();
  private final ScoringMetrics metrics = new ScoringMetrics(new SimpleMeterRegistry());
  private final Map<String, TableScorer> artifacts = new HashMap<>();
  private final List<String> prepared = new ArrayList<>();

  private final ModelSource source =
      (uri, sha, version) -> {
        if (uri.contains("bad")) {
          throw new ModelSource.ModelRejected("sha256", "sha256 mismatch for " + uri, null);
        }
        TableScorer s = new TableScorer(version, "billing", "other");
        artifacts.put(uri, s);
        return new ServingModel(s, T0);
      };

  private final HotSwapper swapper =
      new HotSwapper(models, source, metrics, 0.1, m -> prepared.add("v" + m.version()));

  private static Deployment deploy(int version, String uri) {
    return Deployment.newBuilder()
        .setModelName("tickets")
        .setVersion(version)
        .setArtifactUri(uri)
        .setSha256("sha-" + uri)
        .setDeployedAt(T0)
        .setAction(DeploymentAction.PROMOTE)
        .setActorType(ActorType.CLI)
        .setActor("test")
        .setReason("test")
        .build();
  }

  @Test
  void inFlightBatchesKeepTheOldVersionOpenUntilTheyRelease() {
    assertThat(swapper.apply(deploy(1, "file:/m/1.zip"))).isTrue();
    ServingModel inFlight = models.serving().acquire();
    assertThat(inFlight.version()).isEqualTo(1);

    assertThat(swapper.apply(deploy(2, "file:/m/2.zip"))).isTrue();

    assertThat(models.serving().peek().version()).isEqualTo(2);
    assertThat(artifacts.get("file:/m/1.zip").closes).hasValue(0);
    inFlight.release();
    assertThat(artifacts.get("file:/m/1.zip").closes).hasValue(1);
    assertThat(artifacts.get("file:/m/2.zip").closes).hasValue(0);
    assertThat(prepared).containsExactly("v1", "v2");
    assertThat(metrics.swapCount()).isEqualTo(2.0);
  }

  @Test
  void aRejectedArtifactLeavesTheOldVersionServingAndIsCounted() {
    swapper.apply(deploy(1, "file:/m/1.zip"));

    assertThat(swapper.apply(deploy(2, "file:/m/bad.zip"))).isFalse();

    assertThat(models.serving().peek().version()).isEqualTo(1);
    assertThat(metrics.rejectedCount()).isEqualTo(1.0);
    assertThat(swapper.lastRejection()).contains("v2").contains("sha256 mismatch");
    assertThat(artifacts.get("file:/m/1.zip").closes).hasValue(0);
  }

  @Test
  void rollbackIsADeploymentOfAnOlderVersion() {
    swapper.apply(deploy(1, "file:/m/1.zip"));
    swapper.apply(deploy(2, "file:/m/2.zip"));
    swapper.apply(deploy(1, "file:/m/1.zip"));

    assertThat(models.serving().peek().version()).isEqualTo(1);
    assertThat(artifacts.get("file:/m/2.zip").closes).hasValue(1);
  }

  @Test
  void aVersionThatFailsSetupIsRejected() {
    HotSwapper failing =
        new HotSwapper(
            models,
            source,
            metrics,
            0.1,
            m -> {
              throw new IllegalStateException("cannot create routed topics");
            });

    assertThat(failing.apply(deploy(1, "file:/m/1.zip"))).isFalse();

    assertThat(models.serving().peek()).isNull();
    assertThat(artifacts.get("file:/m/1.zip").closes).hasValue(1);
  }

  @Test
  void shadowVersionsFollowTheDeploymentAndUseItsSampleRate() {
    Deployment d = deploy(1, "file:/m/1.zip");
    d.setShadowVersion(2);
    d.setShadowArtifactUri("file:/m/2.zip");
    d.setShadowSha256("sha-2");
    d.setShadowSampleRate(0.25);
    swapper.apply(d);
    assertThat(models.shadow().peek().version()).isEqualTo(2);
    assertThat(models.shadowSampleRate()).isEqualTo(0.25);

    swapper.apply(deploy(1, "file:/m/1.zip"));

    assertThat(models.shadow().peek()).isNull();
    assertThat(models.shadowSampleRate()).isZero();
    assertThat(artifacts.get("file:/m/2.zip").closes).hasValue(1);
  }
}
