package dev.loopline.inference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.loopline.avro.Event;
import dev.loopline.avro.Prediction;
import dev.loopline.config.LooplineConfig;
import dev.loopline.embedded.EmbeddedPlatform;
import dev.loopline.model.features.Featurizer;
import dev.loopline.model.features.SparseVector;
import dev.loopline.model.scoring.ModelLoader;
import dev.loopline.model.scoring.Scorer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The scoring app in-process on a real broker and registry with real TensorFlow models: it waits
 * for its first deployment without losing events, swaps v1 for v2 (outputs differ) under load,
 * rejects a bad artifact while v2 serves on, dead-letters bad input, and every prediction can be
 * reproduced offline with the version it is stamped with.
 */
@Tag("integration")
class HotSwapIntegrationTest {

  private static final Logger LOG = LoggerFactory.getLogger(HotSwapIntegrationTest.class);

  @TempDir Path dir;

  @Test
  void swapsUnderLoadWithoutLosingOrDoubleScoringAnEvent() throws Exception {
    Map<String, String> settings = new HashMap<>();
    settings.put("topic.events", "swap.events");
    settings.put("topic.predictions", "swap.predictions");
    settings.put("topic.triage", "swap.triage");
    settings.put("topic.routed.prefix", "swap.routed.");
    settings.put("topic.shadow", "swap.predictions.shadow");
    settings.put("topic.model.deployments", "swap.model-deployments");
    settings.put("topic.partitions", "2");
    settings.put("scoring.application.id", "swap-test");
    settings.put("scoring.http.port", "0");
    // Small batches fill up under the test's load, so most are scored on the model thread while
    // the stream thread reads on (batches in flight across the swap); the rest by their wait.
    settings.put("scoring.batch.max.size", "4");
    // Two model threads: a task's batches can finish out of order, and must be written in order.
    settings.put("scoring.model.threads", "2");
    settings.put("scoring.batch.max.wait.ms", "20");
    settings.put("scoring.work.dir", dir.resolve("work").toString());
    settings.put("scoring.state.dir", dir.resolve("state").toString());
    LooplineConfig config = EmbeddedPlatform.shared().config().with(settings);
    TestModels.StoredModel v1 = TestModels.shared(1, false);
    TestModels.StoredModel v2 = TestModels.shared(2, true);

    AtomicLong produced = new AtomicLong();
    KafkaProducer<String, Event> producer = Kafka.eventProducer(config);
    try (ScoringApp app = ScoringApp.start(config)) {
      String base = "http://127.0.0.1:" + app.httpPort();
      // No deployment yet: not ready, nothing consumed; the events wait in Kafka.
      for (int i = 0; i < 300; i++) {
        producer.send(Kafka.eventRecord("swap.events", produced.getAndIncrement()));
      }
      producer.flush();
      var ready = Kafka.get(base + "/ready");
      assertThat(ready.statusCode()).isEqualTo(503);
      assertThat(ready.body()).contains("waiting-for-model");
      assertThat(app.streams()).isNull();

      Kafka.deploy(config, "swap.model-deployments", v1, null);
      await()
          .atMost(Duration.ofSeconds(60))
          .until(() -> Kafka.get(base + "/ready").statusCode() == 200);
      assertThat(Kafka.get(base + "/health").body()).contains("\"servingVersion\":1");

      ScheduledExecutorService load = Executors.newSingleThreadScheduledExecutor();
      load.scheduleAtFixedRate(
          () -> {
            for (int i = 0; i < 50; i++) {
              producer.send(Kafka.eventRecord("swap.events", produced.getAndIncrement()));
            }
            producer.flush();
          },
          0,
          50,
          TimeUnit.MILLISECONDS);
      try {
        await()
            .atMost(Duration.ofSeconds(60))
            .until(() -> app.metrics().meanBatchSize() > 0 && scored(app) > 2_000);
        Kafka.deploy(config, "swap.model-deployments", v2, null);
        await()
            .atMost(Duration.ofSeconds(60))
            .until(() -> app.models().serving().peek().version() == 2);
        long atSwap = scored(app);
        // A bad artifact (wrong sha256) is rejected; v2 serves on.
        Kafka.deploy(config, "swap.model-deployments", v1, "00".repeat(32));
        await().atMost(Duration.ofSeconds(60)).until(() -> app.metrics().rejectedCount() == 1.0);
        assertThat(app.models().serving().peek().version()).isEqualTo(2);
        await().atMost(Duration.ofSeconds(60)).until(() -> scored(app) > atSwap + 2_000);
      } finally {
        load.shutdown();
        assertThat(load.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
      }
      sendBadInput(config);
      long total = produced.get();
      await()
          .atMost(Duration.ofSeconds(90))
          .pollInterval(Duration.ofSeconds(2))
          .until(
              () ->
                  Kafka.readCommitted(config, Pattern.compile("swap\\.predictions")).size()
                      >= total);

      String metrics = Kafka.get(base + "/metrics").body();
      assertThat(Kafka.metric(metrics, "loopline_scoring_model_rejected_total{reason=\"sha256\""))
          .isEqualTo(1.0);
      assertThat(Kafka.metric(metrics, "loopline_scoring_model_swaps_total")).isEqualTo(2.0);
      assertThat(metrics).contains("loopline_scoring_record_latency_seconds_bucket");
      assertThat(metrics).contains("kafka_consumer_fetch_manager_records_lag");
      assertThat(Kafka.get(base + "/health").body())
          .contains("\"servingVersion\":2")
          .contains("lastRejection");

      List<ConsumerRecord<String, Prediction>> predictions =
          Kafka.readCommitted(config, Pattern.compile("swap\\.predictions"));
      Map<String, Long> counts =
          predictions.stream()
              .collect(Collectors.groupingBy(ConsumerRecord::key, Collectors.counting()));
      assertThat(counts).hasSize((int) total);
      assertThat(counts.values()).allMatch(c -> c == 1L);

      // Versions switch at one point per partition: v1 ... v1 v2 ... v2.
      Map<Integer, List<ConsumerRecord<String, Prediction>>> byPartition =
          predictions.stream()
              .collect(
                  Collectors.groupingBy(
                      ConsumerRecord::partition, TreeMap::new, Collectors.toList()));
      for (var e : byPartition.entrySet()) {
        List<Integer> versions = new ArrayList<>();
        List<Long> sequence = new ArrayList<>();
        e.getValue().stream()
            .sorted((a, b) -> Long.compare(a.offset(), b.offset()))
            .forEach(
                r -> {
                  versions.add(r.value().getModelVersion());
                  sequence.add(Long.parseLong(r.key().substring(r.key().lastIndexOf('-') + 1)));
                });
        // One producer sent ev-0, ev-1, ... and a key keeps its partition number from events to
        // predictions (both have 2 partitions): each partition's predictions follow its events.
        assertThat(sequence).as("event order in partition %d", e.getKey()).isSorted();
        int switches = 0;
        for (int i = 1; i < versions.size(); i++) {
          assertThat(versions.get(i)).isGreaterThanOrEqualTo(versions.get(i - 1));
          switches += versions.get(i).equals(versions.get(i - 1)) ? 0 : 1;
        }
        assertThat(switches).as("version switches in partition %d", e.getKey()).isEqualTo(1);
        LOG.info(
            "partition {}: {} predictions by v1 then {} by v2",
            e.getKey(),
            versions.stream().filter(v -> v == 1).count(),
            versions.stream().filter(v -> v == 2).count());
      }

      assertRescoredOfflineReproduce(predictions, Map.of(1, v1, 2, v2));
      assertDeadLetters(config);
      assertThat(app.metrics().meanBatchSize()).isGreaterThan(1.5);
      double bySize = Kafka.metric(metrics, "loopline_scoring_flushes_total{reason=\"size\"");
      LOG.info("{} batches were full and went to the model thread", bySize);
      assertThat(bySize).isGreaterThan(100);
    } finally {
      producer.close();
    }
  }

  private static long scored(ScoringApp app) {
    return app.metrics().batches() == 0
        ? 0
        : (long) (app.metrics().meanBatchSize() * app.metrics().batches());
  }

  /** A sample of events, rescored offline with the stamped version, gives the logged numbers. */
  private void assertRescoredOfflineReproduce(
      List<ConsumerRecord<String, Prediction>> predictions,
      Map<Integer, TestModels.StoredModel> models) {
    Featurizer featurizer = new Featurizer(TestModels.SPEC);
    for (var m : models.entrySet()) {
      List<Prediction> sample =
          predictions.stream()
              .map(ConsumerRecord::value)
              .filter(p -> p.getModelVersion() == m.getKey())
              .filter(p -> Long.parseLong(p.getEventId().substring(3)) % 37 == 0)
              .toList();
      assertThat(sample).hasSizeGreaterThan(20);
      List<SparseVector> x = new ArrayList<>();
      for (Prediction p : sample) {
        Event e = Kafka.event(Long.parseLong(p.getEventId().substring(3)));
        x.add(featurizer.featurize(e.getText(), e.getAttributes()));
      }
      try (Scorer s =
          ModelLoader.load(
              m.getValue().zip(), m.getValue().sha256(), dir.resolve("offline"), null)) {
        float[][] probs = s.predict(x);
        for (int i = 0; i < sample.size(); i++) {
          for (int j = 0; j < probs[i].length; j++) {
            assertThat(sample.get(i).getProbabilities().get(j).getProbability())
                .isCloseTo(probs[i][j], org.assertj.core.data.Offset.offset(1e-6));
          }
        }
      }
      LOG.info("v{}: {} sampled predictions reproduced offline", m.getKey(), sample.size());
    }
    // The two versions really differ: v2 was trained with rotated labels.
    assertThat(
            predictions.stream()
                .filter(r -> r.value().getModelVersion() == 2)
                .filter(
                    r ->
                        TestTickets.LABELS
                            .get(TestTickets.labelOf(Long.parseLong(r.key().substring(3))))
                            .equals(r.value().getTopLabel()))
                .count())
        .isZero();
  }

  private static void sendBadInput(LooplineConfig config) {
    Map<String, Object> p = new HashMap<>(config.kafkaClientProps());
    try (KafkaProducer<String, byte[]> raw =
        new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer())) {
      raw.send(
          new ProducerRecord<>(
              "swap.events", "bad-magic", "not avro at all".getBytes(StandardCharsets.UTF_8)));
      raw.send(new ProducerRecord<>("swap.events", "bad-null", null));
      raw.flush();
    }
  }

  private static void assertDeadLetters(LooplineConfig config) {
    Map<String, Object> p = new HashMap<>(config.kafkaClientProps());
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    try (KafkaConsumer<String, byte[]> c =
        new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer())) {
      TopicPartition tp = new TopicPartition("swap.events.dlq", 0);
      c.assign(List.of(tp));
      c.seekToBeginning(List.of(tp));
      Map<String, String> reasons = new HashMap<>();
      await()
          .atMost(Duration.ofSeconds(30))
          .until(
              () -> {
                c.poll(Duration.ofMillis(200))
                    .forEach(
                        r ->
                            reasons.put(
                                r.key(),
                                new String(
                                    r.headers().lastHeader("__streams.errors.message").value(),
                                    StandardCharsets.UTF_8)));
                return reasons.size() >= 2;
              });
      assertThat(reasons.get("bad-magic")).contains("magic byte");
      assertThat(reasons.get("bad-null")).contains("null value");
    }
  }
}
