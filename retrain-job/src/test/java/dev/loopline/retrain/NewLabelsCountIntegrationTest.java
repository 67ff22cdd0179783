package dev.loopline.retrain;

import static org.assertj.core.api.Assertions.assertThat;

import dev.loopline.avro.Lineage;
import dev.loopline.avro.ModelVersion;
import dev.loopline.avro.PartitionOffset;
import dev.loopline.avro.Verdict;
import dev.loopline.config.LooplineConfig;
import dev.loopline.retrain.registry.AvroClients;
import dev.loopline.retrain.registry.ModelHistory;
import dev.loopline.retrain.registry.ModelRegistryReader;
import dev.loopline.retrain.schedule.RetrainScheduler;
import dev.loopline.retrain.schedule.Schedule;
import dev.loopline.topics.Topics;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The scheduler's "new labels" on a transactional {@code feedback} topic (the collector writes it
 * exactly-once): the end-offset delta counts commit and abort markers and aborted records, the
 * count must not. Real broker; the records are raw bytes (counting decodes nothing).
 */
@Tag("integration")
class NewLabelsCountIntegrationTest {

  private static final Instant T0 = Instant.parse("2026-03-01T00:00:00Z");

  @TempDir Path dir;

  @Test
  void countsCommittedRecordsNotMarkersOrAbortedOnes() throws Exception {
    String name = "newlabels-" + UUID.randomUUID().toString().substring(0, 8);
    LooplineConfig c = RetrainFixture.config(name, dir);
    String topic = Topics.from(c).feedback();

    try (KafkaProducer<String, byte[]> p = transactional(c)) {
      p.initTransactions();
      // p0: 10 committed (offsets 0-9, marker 10); p1: 3 committed (0-2, marker 3)
      p.beginTransaction();
      send(p, topic, 0, 10);
      send(p, topic, 1, 3);
      p.commitTransaction();
      // p0: 5 aborted (11-15, marker 16)
      p.beginTransaction();
      send(p, topic, 0, 5);
      p.flush();
      p.abortTransaction();
      // p0: 4 committed (17-20, marker 21)
      p.beginTransaction();
      send(p, topic, 0, 4);
      p.commitTransaction();
    }
    Map<Integer, Long> end = ModelRegistryReader.endOffsets(c, topic);
    assertThat(end).containsEntry(0, 22L).containsEntry(1, 4L);

    // Nothing trained yet: 17 committed records, 26 offsets.
    ModelHistory none = ModelHistory.empty(name);
    assertThat(RetrainService.offsetsSince(none, end)).isEqualTo(26);
    assertThat(RetrainService.newLabelsSince(c, topic, none, end, 0)).isEqualTo(17);
    assertThat(RetrainService.newLabelsSince(c, topic, none, end, 5)).as("capped").isEqualTo(5);

    // v1 read p0 up to 11 (after the first commit's marker), p1 up to 0: 4 + 3 new records.
    ModelVersion v1 = version(name, 1, Map.of(0, 11L, 1, 0L));
    ModelHistory history = new ModelHistory(name, new TreeMap<>(Map.of(1, v1)), List.of());
    assertThat(RetrainService.offsetsSince(history, end)).isEqualTo(15);
    assertThat(RetrainService.newLabelsSince(c, topic, history, end, 0)).isEqualTo(7);
    assertThat(RetrainService.newLabelsSince(c, topic, history, end, 100)).isEqualTo(7);
    // Read exactly up to the end offsets given, not past them (records after are next time's).
    ModelVersion upToEnd = version(name, 1, end);
    assertThat(
            RetrainService.newLabelsSince(
                c,
                topic,
                new ModelHistory(name, new TreeMap<>(Map.of(1, upToEnd)), List.of()),
                end,
                0))
        .isZero();

    // An open transaction: a read_committed reader stops at the last stable offset, at once.
    try (KafkaProducer<String, byte[]> p = transactional(c)) {
      p.initTransactions();
      p.beginTransaction();
      send(p, topic, 0, 2);
      p.flush();
      Map<Integer, Long> withOpen = ModelRegistryReader.endOffsets(c, topic);
      assertThat(withOpen.get(0)).isEqualTo(24L);
      long started = System.nanoTime();
      assertThat(RetrainService.newLabelsSince(c, topic, history, withOpen, 0)).isEqualTo(7);
      assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(20));
      p.abortTransaction();
    }

    // The scheduler with --min-new-labels 10: the offset delta (15, then 17) would have fired a
    // run; the 7 records do not. The service must not be called (its environment would throw).
    try (KafkaProducer<String, ModelVersion> p = AvroClients.producer(c, ModelVersion.class)) {
      p.send(new ProducerRecord<>(Topics.from(c).modelVersions(), name + ":1", v1)).get();
    }
    RetrainService never =
        new RetrainService(
            cfg -> {
              throw new AssertionError("a retrain ran although 7 < 10 new labels");
            });
    RetrainScheduler scheduler =
        new RetrainScheduler(
            never,
            c,
            new Schedule(null, 10),
            Duration.ofSeconds(1),
            Clock.fixed(T0.plusSeconds(60), ZoneOffset.UTC));
    assertThat(scheduler.checkOnce()).isEmpty();
  }

  private static KafkaProducer<String, byte[]> transactional(LooplineConfig c) {
    Map<String, Object> props = new HashMap<>(c.kafkaClientProps());
    props.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "newlabels-test-" + UUID.randomUUID());
    return new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer());
  }

  private static void send(KafkaProducer<String, byte[]> p, String topic, int partition, int n) {
    for (int i = 0; i < n; i++) {
      p.send(new ProducerRecord<>(topic, partition, "k" + i, new byte[] {1, 2, 3}));
    }
  }

  private static ModelVersion version(String name, int v, Map<Integer, Long> offsets) {
    return ModelVersion.newBuilder()
        .setName(name)
        .setVersion(v)
        .setArtifactUri("file:///m/" + v)
        .setSha256("s")
        .setCreatedAt(T0)
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
                .setFeedbackOffsets(
                    offsets.entrySet().stream()
                        .map(e -> new PartitionOffset(e.getKey(), e.getValue()))
                        .toList())
                .setParentChain(List.of())
                .build())
        .build();
  }
}
