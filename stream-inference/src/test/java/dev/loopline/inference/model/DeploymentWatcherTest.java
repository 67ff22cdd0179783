package dev.loopline.inference.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.loopline.avro.ActorType;
import dev.loopline.avro.Deployment;
import dev.loopline.avro.DeploymentAction;
import dev.loopline.inference.TableScorer;
import dev.loopline.inference.ops.ScoringMetrics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The watcher on a {@link MockConsumer} of {@code model-deployments}: what an instance serves when
 * it starts after deployments were announced, including a latest one whose artifact is broken.
 */
class DeploymentWatcherTest {

  private static final String TOPIC = "model-deployments";
  private static final TopicPartition TP = new TopicPartition(TOPIC, 0);
  private static final Instant T0 = Instant.parse("2026-11-20T10:00:00Z");

  private final Models models = new Models();
  private final ScoringMetrics metrics = new ScoringMetrics(new SimpleMeterRegistry());
  private final List<String> loads = Collections.synchronizedList(new ArrayList<>());
  private final ModelSource source =
      (uri, sha, version) -> {
        loads.add("v" + version);
        if (uri.contains("corrupt")) {
          throw new ModelSource.ModelRejected("canary", "canary mismatch for " + uri, null);
        }
        return new ServingModel(new TableScorer(version, "billing", "other"), T0);
      };
  private final HotSwapper swapper = new HotSwapper(models, source, metrics, 0.1, m -> {});
  private final MockConsumer<String, Deployment> consumer = new MockConsumer<>("earliest");
  private final AtomicInteger firstModel = new AtomicInteger();
  private DeploymentWatcher watcher;
  private long offset;

  @AfterEach
  void stop() {
    if (watcher != null) {
      watcher.close();
    }
  }

  private static Deployment deployment(String model, int version, String uri, int minute) {
    return Deployment.newBuilder()
        .setModelName(model)
        .setVersion(version)
        .setArtifactUri(uri)
        .setSha256("sha-" + uri)
        .setDeployedAt(T0.plusSeconds(60L * minute))
        .setAction(DeploymentAction.PROMOTE)
        .setActorType(ActorType.GATE)
        .setActor("test")
        .setReason("test")
        .build();
  }

  /** The topic's history, then the watcher starts and reads it to the end. */
  private void startWith(Deployment... history) {
    consumer.updatePartitions(
        TOPIC, List.of(new PartitionInfo(TOPIC, 0, Node.noNode(), new Node[0], new Node[0])));
    consumer.updateBeginningOffsets(Map.of(TP, 0L));
    consumer.updateEndOffsets(Map.of(TP, (long) history.length));
    consumer.schedulePollTask(
        () -> {
          for (Deployment d : history) {
            consumer.addRecord(new ConsumerRecord<>(TOPIC, 0, offset++, d.getModelName(), d));
          }
        });
    watcher =
        new DeploymentWatcher(
                () -> consumer, TOPIC, "tickets", swapper, firstModel::incrementAndGet)
            .start();
  }

  private void announce(Deployment d) {
    consumer.schedulePollTask(
        () -> {
          consumer.addRecord(new ConsumerRecord<>(TOPIC, 0, offset++, d.getModelName(), d));
          consumer.updateEndOffsets(Map.of(TP, offset));
        });
  }

  @Test
  void aStartServesTheLatestDeploymentOnly() {
    startWith(
        deployment("tickets", 1, "file:/m/1.zip", 0),
        deployment("spam", 9, "file:/m/spam-9.zip", 1),
        deployment("tickets", 2, "file:/m/2.zip", 2));

    await().atMost(Duration.ofSeconds(10)).until(() -> models.serving().peek() != null);
    assertThat(models.serving().peek().version()).isEqualTo(2);
    assertThat(loads).containsExactly("v2");
    assertThat(firstModel).hasValue(1);
  }

  @Test
  void aStartAfterABrokenLatestDeploymentFallsBackToTheNewestEarlierOneThatLoads() {
    startWith(
        deployment("tickets", 1, "file:/m/1.zip", 0),
        deployment("tickets", 2, "file:/m/2-corrupt.zip", 1),
        deployment("tickets", 3, "file:/m/3.zip", 2),
        deployment("tickets", 4, "file:/m/4-corrupt.zip", 3),
        deployment("tickets", 3, "file:/m/3.zip", 4),
        deployment("tickets", 5, "file:/m/5-corrupt.zip", 5));

    await().atMost(Duration.ofSeconds(10)).until(() -> models.serving().peek() != null);
    // v5 rejected, then newest first: v3 (the rollback, loads). v4 and v1 are never tried.
    assertThat(loads).containsExactly("v5", "v3");
    assertThat(models.serving().peek().version()).isEqualTo(3);
    assertThat(metrics.rejectedCount()).isEqualTo(1.0);
    assertThat(swapper.lastRejection()).contains("v5").contains("canary mismatch");
    assertThat(firstModel).hasValue(1);

    // a good deployment replaces the fallback as usual; a broken one later does not
    announce(deployment("tickets", 6, "file:/m/6.zip", 6));
    await().atMost(Duration.ofSeconds(10)).until(() -> models.serving().peek().version() == 6);
    announce(deployment("tickets", 7, "file:/m/7-corrupt.zip", 7));
    await().atMost(Duration.ofSeconds(10)).until(() -> loads.contains("v7"));
    assertThat(models.serving().peek().version()).isEqualTo(6);
    assertThat(loads).containsExactly("v5", "v3", "v6", "v7");
  }

  @Test
  void aRunningInstanceKeepsItsVersionWhenANewDeploymentIsBrokenAndDoesNotFallBack() {
    startWith(deployment("tickets", 1, "file:/m/1.zip", 0));
    await().atMost(Duration.ofSeconds(10)).until(() -> models.serving().peek() != null);

    announce(deployment("tickets", 2, "file:/m/2-corrupt.zip", 1));
    await().atMost(Duration.ofSeconds(10)).until(() -> loads.contains("v2"));

    assertThat(models.serving().peek().version()).isEqualTo(1);
    assertThat(loads).containsExactly("v1", "v2");
  }

  @Test
  void withNothingLoadableItWaitsForANewDeployment() {
    startWith(
        deployment("tickets", 1, "file:/m/1-corrupt.zip", 0),
        deployment("tickets", 2, "file:/m/2-corrupt.zip", 1));
    await().atMost(Duration.ofSeconds(10)).until(() -> loads.size() == 2);
    assertThat(loads).containsExactly("v2", "v1");
    assertThat(models.serving().peek()).isNull();
    assertThat(firstModel).hasValue(0);

    announce(deployment("tickets", 3, "file:/m/3.zip", 2));
    await().atMost(Duration.ofSeconds(10)).until(() -> models.serving().peek() != null);
    assertThat(models.serving().peek().version()).isEqualTo(3);
    assertThat(firstModel).hasValue(1);
  }
}
