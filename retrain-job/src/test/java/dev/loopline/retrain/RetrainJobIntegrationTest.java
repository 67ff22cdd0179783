package dev.loopline.retrain;

import static dev.loopline.avro.LabelSource.AUDIT;
import static dev.loopline.avro.LabelSource.CONFIRM;
import static dev.loopline.avro.LabelSource.REROUTE;
import static dev.loopline.avro.LabelSource.TRIAGE;
import static org.assertj.core.api.Assertions.assertThat;

import dev.loopline.avro.ActorType;
import dev.loopline.avro.Deployment;
import dev.loopline.avro.LabeledExample;
import dev.loopline.avro.ModelVersion;
import dev.loopline.avro.PartitionOffset;
import dev.loopline.avro.Verdict;
import dev.loopline.config.LooplineConfig;
import dev.loopline.retrain.job.HoldoutSplit;
import dev.loopline.retrain.job.RetrainResult;
import dev.loopline.retrain.registry.ModelHistory;
import dev.loopline.serde.AvroSerdes;
import dev.loopline.topics.Topics;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Deserializer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The "done" scenario on a real KRaft broker, the real registry, a Flink MiniCluster and
 * real TensorFlow training: v1 PROMOTED from labeled tickets, v2 PROMOTED after drift and better
 * than v1 on the drifted holdout, v3 REJECTED after a flood of shuffled labels, and no holdout id
 * ever trained on (recomputed from each version's lineage).
 */
@Tag("integration")
class RetrainJobIntegrationTest {

  @RegisterExtension static final MiniClusterExtension FLINK = RetrainFixture.miniCluster();

  private static final Instant T0 = Instant.parse("2026-03-01T00:00:00Z");

  @TempDir Path dir;

  @Test
  void promotesThenAdaptsToDriftThenRejectsShuffledLabelsWithoutLeakage() throws Exception {
    LooplineConfig config =
        RetrainFixture.config("tickets-it", dir)
            .with("model.labels", String.join(",", Tickets.LABELS));
    RetrainService service = RetrainFixture.service();

    // v1: clean tickets plus bad records that must be counted and excluded, not fatal.
    Tickets before = new Tickets(7, "a", T0);
    List<LabeledExample> first =
        new ArrayList<>(before.next(1600, TRIAGE, AUDIT, CONFIRM, REROUTE));
    for (int i = 0; i < 3; i++) {
      first.add(withLabel(before.next(1, TRIAGE).get(0), "Legal"));
    }
    for (int i = 0; i < 2; i++) {
      first.add(withText(before.next(1, TRIAGE).get(0), " "));
    }
    RetrainFixture.produce(config, first);
    RetrainFixture.produceRaw(config, "garbage-1", "not avro".getBytes(StandardCharsets.UTF_8));
    RetrainFixture.forget(config, "a-0");

    RetrainResult r1 = service.runOnce(config);
    assertThat(r1.status).as(RetrainFixture.describe(r1)).isEqualTo(RetrainResult.Status.PUBLISHED);
    assertThat(r1.version).isEqualTo(1);
    assertThat(r1.verdict).isEqualTo("PROMOTED");
    assertThat(r1.device).isEqualTo("cpu");
    assertThat(r1.excluded).contains("unknown label 'Legal': 3", "empty text: 2", "undecodable: 1");
    ModelHistory h1 = RetrainFixture.history(config);
    Deployment d1 = h1.currentDeployment().orElseThrow();
    assertThat(d1.getVersion()).isEqualTo(1);
    assertThat(d1.getActorType()).isEqualTo(ActorType.GATE);
    assertThat(d1.getReason()).contains("first model");
    ModelVersion v1 = h1.version(1).orElseThrow();
    assertThat(v1.getVerdict()).isEqualTo(Verdict.PROMOTED);
    assertThat(v1.getTrainer()).containsEntry("device", "cpu");
    assertThat(v1.getMetricsBySource()).containsKeys("TRIAGE", "AUDIT", "CONFIRM", "REROUTE");
    assertThat(v1.getLineage().getTriggeringCorrectionEventId()).isNotNull();

    // v2: the vocabulary drifts; the new version must beat v1 on the drifted (recent) holdout.
    Tickets after = new Tickets(8, "b", T0.plus(Duration.ofDays(2)));
    after.drifted();
    RetrainFixture.produce(config, after.next(1600, TRIAGE, AUDIT, CONFIRM, REROUTE));

    RetrainResult r2 = service.runOnce(config);
    assertThat(r2.status).as(RetrainFixture.describe(r2)).isEqualTo(RetrainResult.Status.PUBLISHED);
    assertThat(r2.version).isEqualTo(2);
    assertThat(r2.verdict).as(r2.reason).isEqualTo("PROMOTED");
    assertThat(r2.recentCandidateMacroF1).isGreaterThan(r2.recentProductionMacroF1 + 0.2);
    ModelHistory h2 = RetrainFixture.history(config);
    ModelVersion v2 = h2.version(2).orElseThrow();
    assertThat(v2.getMetrics().getMacroF1()).isGreaterThan(v2.getProductionMetrics().getMacroF1());
    assertThat(v2.getLineage().getParentVersion()).isEqualTo(1);
    assertThat(v2.getLineage().getParentChain()).containsExactly(1);
    assertThat(h2.currentDeployment().orElseThrow().getVersion()).isEqualTo(2);

    // v3: a flood of REROUTE corrections with permuted labels; the gate (measured on TRIAGE,
    // AUDIT, CONFIRM only) sees the candidate collapse and rejects it.
    RetrainFixture.produce(config, after.shuffled(4800, REROUTE));
    RetrainResult r3 = service.runOnce(config);
    assertThat(r3.status).as(RetrainFixture.describe(r3)).isEqualTo(RetrainResult.Status.PUBLISHED);
    assertThat(r3.version).isEqualTo(3);
    assertThat(r3.verdict).as(r3.reason).isEqualTo("REJECTED");
    ModelHistory h3 = RetrainFixture.history(config);
    ModelVersion v3 = h3.version(3).orElseThrow();
    assertThat(v3.getVerdict()).isEqualTo(Verdict.REJECTED);
    assertThat(v3.getReason()).contains("worse than production").contains("TRIAGE+AUDIT+CONFIRM");
    assertThat(h3.currentDeployment().orElseThrow().getVersion())
        .as("a rejected version is never deployed")
        .isEqualTo(2);

    assertNoHoldoutIdWasEverTrainedOn(config, h3);
  }

  /** Recomputes each version's training and holdout ids from its lineage alone. */
  private static void assertNoHoldoutIdWasEverTrainedOn(LooplineConfig config, ModelHistory h) {
    Map<String, LabeledExample> all = readFeedback(config);
    Set<String> everTrained = new HashSet<>();
    Set<String> everHeldOut = new HashSet<>();
    for (ModelVersion v : h.versions().values()) {
      var lineage = v.getLineage();
      HoldoutSplit split = new HoldoutSplit(lineage.getSplitSeed(), lineage.getHoldoutFraction());
      Map<Integer, Long> end = new HashMap<>();
      for (PartitionOffset po : lineage.getFeedbackOffsets()) {
        end.put(po.getPartition(), po.getOffset());
      }
      int holdout = 0;
      for (LabeledExample e : all.values()) {
        if (!readBy(e, end)
            || e.getText().isBlank()
            || !Tickets.LABELS.contains(e.getLabel())
            || e.getEventId().equals("a-0")) { // forgotten: never used
          continue;
        }
        if (split.isHoldout(e.getEventId())) {
          everHeldOut.add(e.getEventId());
          holdout++;
        } else {
          everTrained.add(e.getEventId());
        }
      }
      assertThat(holdout)
          .as("v%d holdout size from lineage", v.getVersion())
          .isEqualTo(lineage.getHoldoutExamples());
      assertThat(lineage.getTrainingExamples()).isPositive();
    }
    assertThat(everHeldOut).isNotEmpty();
    Set<String> leaked = new HashSet<>(everHeldOut);
    leaked.retainAll(everTrained);
    assertThat(leaked).as("holdout ids that some version trained on").isEmpty();
  }

  private static final String POSITION = "_pos";

  private static boolean readBy(LabeledExample e, Map<Integer, Long> end) {
    String[] pos = e.getAttributes().get(POSITION).split(":");
    return Long.parseLong(pos[1]) < end.getOrDefault(Integer.parseInt(pos[0]), 0L);
  }

  /** The whole feedback topic, latest record per id, each tagged with its partition:offset. */
  private static Map<String, LabeledExample> readFeedback(LooplineConfig config) {
    String topic = Topics.from(config).feedback();
    Deserializer<LabeledExample> des =
        AvroSerdes.specific(LabeledExample.class, config.registryClientProps(), false)
            .deserializer();
    Map<String, LabeledExample> out = new HashMap<>();
    try (KafkaConsumer<byte[], byte[]> c =
        new KafkaConsumer<>(
            new HashMap<>(config.kafkaClientProps()),
            new ByteArrayDeserializer(),
            new ByteArrayDeserializer())) {
      List<TopicPartition> tps =
          c.partitionsFor(topic).stream()
              .map(p -> new TopicPartition(topic, p.partition()))
              .toList();
      c.assign(tps);
      c.seekToBeginning(tps);
      Map<TopicPartition, Long> end = c.endOffsets(tps);
      while (tps.stream().anyMatch(tp -> c.position(tp) < end.get(tp))) {
        for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
          LabeledExample e;
          try {
            e = des.deserialize(topic, r.value());
          } catch (RuntimeException ex) {
            continue;
          }
          Map<String, String> attrs = new HashMap<>(e.getAttributes());
          attrs.put(POSITION, r.partition() + ":" + r.offset());
          e.setAttributes(attrs);
          LabeledExample prev = out.get(e.getEventId());
          if (prev == null || !e.getLabeledAt().isBefore(prev.getLabeledAt())) {
            out.put(e.getEventId(), e);
          }
        }
      }
    }
    return out;
  }

  private static LabeledExample withLabel(LabeledExample e, String label) {
    e.setLabel(label);
    return e;
  }

  private static LabeledExample withText(LabeledExample e, String text) {
    e.setText(text);
    return e;
  }
}
