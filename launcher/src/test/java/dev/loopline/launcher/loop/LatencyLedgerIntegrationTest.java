package dev.loopline.launcher.loop;

import static org.assertj.core.api.Assertions.assertThat;

import dev.loopline.avro.LabelProbability;
import dev.loopline.avro.Lineage;
import dev.loopline.avro.ModelVersion;
import dev.loopline.avro.Prediction;
import dev.loopline.avro.Verdict;
import dev.loopline.config.LooplineConfig;
import dev.loopline.embedded.EmbeddedPlatform;
import dev.loopline.retrain.registry.ModelHistory;
import dev.loopline.retrain.registry.ModelRegistryReader;
import dev.loopline.serde.AvroSerdes;
import dev.loopline.topics.TopicAdmin;
import dev.loopline.topics.TopicSpec;
import dev.loopline.topics.Topics;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A correction-to-production latency still pending when the loop stopped (the triggering correction
 * is in the version's lineage, the latency is not) is recovered on the next start from {@code
 * predictions}: the earliest committed, non-shadow prediction of that version. Real broker and
 * registry; the predictions are written in transactions, one of them aborted.
 */
@Tag("integration")
class LatencyLedgerIntegrationTest {

  private static final Instant T0 = Instant.parse("2026-03-01T10:00:00Z");

  @Test
  void recoversPendingLatenciesFromTheFirstCommittedPrediction() throws Exception {
    String id = UUID.randomUUID().toString().substring(0, 8);
    String name = "ledger-" + id;
    LooplineConfig c =
        EmbeddedPlatform.shared()
            .config()
            .with(
                Map.of(
                    "model.name", name,
                    "topic.predictions", "predictions." + id,
                    "topic.model.versions", "model-versions." + id,
                    "topic.model.deployments", "model-deployments." + id));
    Topics t = Topics.from(c);
    TopicAdmin.ensureTopics(
        c.kafkaClientProps(),
        List.of(
            new TopicSpec(t.predictions(), 2, TopicSpec.DELETE),
            new TopicSpec(t.modelVersions(), 1, TopicSpec.COMPACTED),
            new TopicSpec(t.modelDeployments(), 1, TopicSpec.DELETE)),
        (short) 1,
        Duration.ofSeconds(60));

    RetrainStage.Trigger trigger2 = new RetrainStage.Trigger("ev-2", T0);
    RetrainStage.Trigger trigger3 = new RetrainStage.Trigger("ev-3", T0.plusSeconds(30));
    // v1: bootstrap, no trigger. v2, v3: promoted, pending. v4: measured already (5 s).
    writeVersions(
        c,
        version(name, 1, null, null),
        version(name, 2, trigger2, null),
        version(name, 3, trigger3, null),
        version(name, 4, new RetrainStage.Trigger("ev-4", T0.plusSeconds(40)), 5_000L));

    Map<String, Object> props = new HashMap<>(c.kafkaClientProps());
    props.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "ledger-test-" + id);
    try (KafkaProducer<String, Prediction> p =
        new KafkaProducer<>(
            props,
            new StringSerializer(),
            AvroSerdes.specific(Prediction.class, c.clientAndSerdeProps(), false).serializer())) {
      p.initTransactions();
      // Aborted: an earlier v2 prediction that never happened as far as readers are concerned.
      p.beginTransaction();
      p.send(record(t, 0, prediction(name, "a", 2, T0.plusSeconds(1), false)));
      p.flush();
      p.abortTransaction();
      p.beginTransaction();
      p.send(record(t, 0, prediction(name, "b", 1, T0.plusSeconds(2), false)));
      p.send(record(t, 1, prediction(name, "c", 1, T0.plusSeconds(3), false)));
      // A shadow prediction of v3 does not put v3 in production.
      p.send(record(t, 1, prediction(name, "d", 3, T0.plusSeconds(35), true)));
      p.commitTransaction();
      p.beginTransaction();
      p.send(record(t, 1, prediction(name, "e", 2, T0.plusSeconds(10), false)));
      p.send(record(t, 0, prediction(name, "f", 2, T0.plusSeconds(12), false)));
      p.send(record(t, 0, prediction(name, "g", 2, T0.plusSeconds(13), false)));
      p.send(record(t, 1, prediction(name, "h", 4, T0.plusSeconds(50), false)));
      p.commitTransaction();
    }

    LatencyLedger ledger = new LatencyLedger(c);
    assertThat(LatencyLedger.pending(ModelRegistryReader.read(c, t, name)))
        .containsOnlyKeys(2, 3)
        .containsEntry(2, trigger2);

    LatencyLedger.Recovery r = ledger.recover(() -> false);

    // v2: first committed, non-shadow prediction at T0+10 s (partition 1), correction at T0.
    assertThat(r.recovered()).hasSize(1);
    RetrainStage.Latency l = r.recovered().get(0);
    assertThat(l.version()).isEqualTo(2);
    assertThat(l.firstPrediction()).isEqualTo(T0.plusSeconds(10));
    assertThat(l.latency()).isEqualTo(Duration.ofSeconds(10));
    assertThat(l.trigger()).isEqualTo(trigger2);
    // v3 never served (only in shadow): still pending, for the live measurement.
    assertThat(r.stillPending()).containsOnlyKeys(3).containsEntry(3, trigger3);

    ModelHistory after = ModelRegistryReader.read(c, t, name);
    Lineage v2 = after.version(2).orElseThrow().getLineage();
    assertThat(v2.getCorrectionToProductionMillis()).isEqualTo(10_000L);
    assertThat(v2.getTriggeringCorrectionEventId()).isEqualTo("ev-2");
    assertThat(v2.getTriggeringCorrectionAt()).isEqualTo(T0);
    assertThat(after.version(2).orElseThrow().getVerdict()).isEqualTo(Verdict.PROMOTED);
    assertThat(after.version(3).orElseThrow().getLineage().getCorrectionToProductionMillis())
        .isNull();
    assertThat(after.version(4).orElseThrow().getLineage().getCorrectionToProductionMillis())
        .isEqualTo(5_000L);
    assertThat(LatencyLedger.pending(after)).containsOnlyKeys(3);

    // Marking a newly promoted version pending writes its trigger and no latency; a second
    // recovery finds nothing new for it (no prediction) and leaves v2 alone.
    RetrainStage.Trigger trigger1 = new RetrainStage.Trigger("ev-1", T0.minusSeconds(5));
    ledger.markPending(1, trigger1);
    assertThat(LatencyLedger.pending(ModelRegistryReader.read(c, t, name)))
        .containsOnlyKeys(1, 3)
        .containsEntry(1, trigger1);
    LatencyLedger.Recovery again = ledger.recover(() -> false);
    assertThat(again.recovered())
        .singleElement()
        .satisfies(
            x -> {
              assertThat(x.version()).isEqualTo(1);
              assertThat(x.latency()).isEqualTo(Duration.ofSeconds(7));
            });
    assertThat(again.stillPending()).containsOnlyKeys(3);
  }

  private static ProducerRecord<String, Prediction> record(Topics t, int partition, Prediction p) {
    return new ProducerRecord<>(t.predictions(), partition, p.getEventId(), p);
  }

  private static Prediction prediction(
      String name, String eventId, int version, Instant scoredAt, boolean shadow) {
    return Prediction.newBuilder()
        .setEventId(eventId)
        .setModelName(name)
        .setModelVersion(version)
        .setProbabilities(List.of(new LabelProbability("a", 0.9), new LabelProbability("b", 0.1)))
        .setTopLabel("a")
        .setTopProbability(0.9)
        .setDecision("AUTO_ROUTE")
        .setRoute(shadow ? "" : "routed.a")
        .setShadow(shadow)
        .setOccurredAt(scoredAt.minusMillis(100))
        .setScoredAt(scoredAt)
        .build();
  }

  private static void writeVersions(LooplineConfig c, ModelVersion... versions) throws Exception {
    Map<String, Object> props = new HashMap<>(c.kafkaClientProps());
    props.put(ProducerConfig.ACKS_CONFIG, "all");
    try (KafkaProducer<String, ModelVersion> p =
        new KafkaProducer<>(
            props,
            new StringSerializer(),
            AvroSerdes.specific(ModelVersion.class, c.clientAndSerdeProps(), false).serializer())) {
      for (ModelVersion v : versions) {
        p.send(
                new ProducerRecord<>(
                    Topics.from(c).modelVersions(), v.getName() + ":" + v.getVersion(), v))
            .get();
      }
    }
  }

  private static ModelVersion version(
      String name, int v, RetrainStage.Trigger trigger, Long millis) {
    return ModelVersion.newBuilder()
        .setName(name)
        .setVersion(v)
        .setArtifactUri("file:///m/" + v)
        .setSha256("s" + v)
        .setCreatedAt(T0.plusSeconds(v))
        .setLabels(List.of("a", "b"))
        .setFeaturizerFingerprint("fp")
        .setVerdict(Verdict.PROMOTED)
        .setReason("")
        .setMetrics(null)
        .setMetricsBySource(Map.of())
        .setProductionMetrics(null)
        .setTrainer(Map.of())
        .setLineage(
            Lineage.newBuilder()
                .setFeedbackOffsets(List.of())
                .setParentChain(List.of())
                .setTriggeringCorrectionEventId(trigger == null ? null : trigger.eventId())
                .setTriggeringCorrectionAt(trigger == null ? null : trigger.correctedAt())
                .setCorrectionToProductionMillis(millis)
                .build())
        .build();
  }
}
