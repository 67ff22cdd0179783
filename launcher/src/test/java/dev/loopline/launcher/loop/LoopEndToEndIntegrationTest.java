package dev.loopline.launcher.loop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.loopline.avro.Event;
import dev.loopline.avro.ModelVersion;
import dev.loopline.avro.Prediction;
import dev.loopline.config.LooplineConfig;
import dev.loopline.embedded.EmbeddedPlatform;
import dev.loopline.launcher.EmbeddedLoop;
import dev.loopline.launcher.PlatformStage;
import dev.loopline.launcher.sim.TicketGenerator;
import dev.loopline.retrain.registry.ModelHistory;
import dev.loopline.retrain.registry.ModelRegistryReader;
import dev.loopline.serde.AvroSerdes;
import dev.loopline.topics.Topics;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The whole loop on the real parts (KRaft broker, registry, scoring app, collector, Flink
 * MiniCluster, TensorFlow), compressed in time: v1 from a seed set, traffic that drifts early, a
 * fast agent, a retrain triggered by label count. Then a stop and a second start on the same data
 * directory.
 */
@Tag("integration")
class LoopEndToEndIntegrationTest {

  private static final Logger LOG = LoggerFactory.getLogger(LoopEndToEndIntegrationTest.class);
  private static final long SEED = 7;
  private static final int DRIFT_AT = 400;

  /** Events compared on each side of the swap. */
  private static final int WINDOW = 600;

  /** Accuracy after the swap must beat accuracy before it by this much (absolute). */
  private static final double MARGIN = 0.10;

  /** The largest gap between consecutive predictions around the swap. */
  private static final Duration MAX_GAP = Duration.ofSeconds(3);

  @TempDir Path data;

  private Map<String, String> settings(long maxEvents) {
    Map<String, String> s = new HashMap<>();
    s.put("topic.partitions", "2");
    s.put("demo.seed", String.valueOf(SEED));
    s.put("demo.events.per.second", "40");
    s.put("demo.drift.after.events", String.valueOf(DRIFT_AT));
    s.put("demo.seed.examples", "800");
    s.put("demo.max.events", String.valueOf(maxEvents));
    s.put("demo.agent.queue.delay", "1s");
    s.put("demo.agent.reroute.delay", "2s");
    s.put("demo.agent.confirm.delay", "3s");
    s.put("demo.retrain.every", "0");
    s.put("demo.retrain.min.new.labels", "600");
    s.put("demo.retrain.check.interval", "2s");
    s.put("demo.status.interval", "0");
    s.put("retrain.parallelism", "1");
    // The gate's per-class recall bound: 0.10 here, production's default is 0.05. Why that is
    // sound: v2's gate holdout is ~270-370 examples, 60-120 per class (20% of the 800-example
    // seed set and of the first labels; two runs here). At 68 examples one example moves a
    // recall by 1.5 points, and the paired difference of two models' recall on the same examples
    // has a standard error of about sqrt(d / n), d the share of the class's examples on which
    // they disagree: with d = 10%, ~0.04. So 0.05 is ~1.3 standard errors: a candidate exactly as
    // good as production on every class would miss it on one of the 4 classes in about a third
    // of runs, a flaky test that says nothing about the loop; 0.10 is ~2.6 (about 2% of runs).
    // Holding 0.05 to the same confidence takes ~4x the examples per class (~1,100 holdout
    // examples, a seed set of ~5,000): training and evaluation time grow with it, and a larger
    // pre-drift seed set dilutes the drift the retrain has to learn, well past this test's
    // ~3 min. A seed set of 2,000 (~130 per class) still leaves 0.05 at ~1.8 standard errors
    // (~1 run in 7 failing). The bound itself is tested with exact numbers in PromotionGateTest;
    // this test still needs v2 to beat v1 on the gate's macro-F1 and, after the swap, on
    // accuracy by MARGIN. (Observed here: every class's recall rose or stayed, e.g. Billing
    // 0.60 -> 0.92 on 119 examples, Account 0.84 -> 0.84 on 69; logged below.)
    s.put("retrain.gate.max.recall.drop", "0.10");
    return s;
  }

  private EmbeddedLoop start(DemoLoop demo, long maxEvents) throws Exception {
    List<EmbeddedLoop.Stage> stages = new ArrayList<>();
    stages.add(new PlatformStage(EmbeddedPlatform.Options.forTests().withDataDir(data)));
    stages.addAll(demo.stages());
    return EmbeddedLoop.start(LooplineConfig.of(settings(maxEvents)), stages);
  }

  @Test
  void driftRetrainSwapRecoverThenStopAndResume() throws Exception {
    TicketGenerator truth =
        new TicketGenerator(
            TicketGenerator.Settings.withLabels(SEED, TicketGenerator.DEFAULT_LABELS));
    long firstRunEvents;
    DemoLoop.VersionLatency v2;

    // First run: bootstrap, drift, corrections, retrain, swap, recovery.
    DemoLoop demo = new DemoLoop(data.resolve("loop"), true, null);
    try (EmbeddedLoop loop = start(demo, -1)) {
      await()
          .atMost(Duration.ofMinutes(5))
          .pollInterval(Duration.ofSeconds(1))
          .until(() -> demo.latencies().stream().anyMatch(l -> l.version() == 2));
      // Later retrains may follow; the window after the swap is whatever served after v1.
      await()
          .atMost(Duration.ofMinutes(2))
          .pollInterval(Duration.ofSeconds(1))
          .until(() -> demo.predictionsFrom(2) >= WINDOW);
      v2 = demo.latencies().stream().filter(l -> l.version() == 2).findFirst().orElseThrow();
      LOG.info("v2 correction-to-production latency: {} ms ({})", v2.millis(), v2);

      // The latency is recorded in v2's lineage.
      ModelHistory history =
          ModelRegistryReader.read(loop.config(), Topics.from(loop.config()), "tickets");
      ModelVersion mv = history.version(2).orElseThrow();
      assertThat(mv.getLineage().getCorrectionToProductionMillis()).isEqualTo(v2.millis());
      assertThat(mv.getLineage().getTriggeringCorrectionEventId())
          .isEqualTo(v2.triggeringEventId());
      assertThat(mv.getLineage().getTriggeringCorrectionAt())
          .isEqualTo(v2.triggeringCorrectionAt());
      assertThat(history.currentDeployment().orElseThrow().getVersion()).isGreaterThanOrEqualTo(2);
      assertThat(v2.millis()).isPositive().isLessThan(Duration.ofMinutes(2).toMillis());
      // Nothing left pending in the lineage once measured.
      assertThat(LatencyLedger.pending(history)).doesNotContainKey(2);
      logRecallChanges(mv);
    }
    firstRunEvents = demo.eventsSentInAllRuns();
    assertThat(firstRunEvents).isGreaterThan(DRIFT_AT + 2L * WINDOW);

    // Second start on the same data directory: resumes; 300 more events, then the traffic stops.
    long total = firstRunEvents + 300;
    DemoLoop again = new DemoLoop(data.resolve("loop"), true, null);
    try (EmbeddedLoop loop = start(again, total)) {
      assertThat(again.firstIndexOfThisRun()).isEqualTo(firstRunEvents);
      LooplineConfig c = loop.config();
      Topics topics = Topics.from(c);
      await()
          .atMost(Duration.ofMinutes(2))
          .pollInterval(Duration.ofSeconds(2))
          .until(() -> read(c, topics.predictions(), Prediction.class).size() >= total);

      List<Event> events = values(read(c, topics.events(), Event.class));
      List<Prediction> predictions = values(read(c, topics.predictions(), Prediction.class));

      // Every event once, ids contiguous across the restart: nothing sent twice or skipped.
      assertThat(events).hasSize((int) total);
      assertThat(events.stream().map(e -> truth.indexOf(e.getId())).sorted().toList())
          .isEqualTo(java.util.stream.LongStream.range(0, total).boxed().toList());
      // Every event has exactly one prediction.
      Map<String, Long> perEvent =
          predictions.stream()
              .collect(Collectors.groupingBy(Prediction::getEventId, Collectors.counting()));
      assertThat(perEvent.keySet())
          .containsExactlyInAnyOrderElementsOf(events.stream().map(Event::getId).toList());
      assertThat(perEvent.values()).allMatch(n -> n == 1);
      // The resumed run scored with what was deployed at the stop (or a later retrain), never v1.
      assertThat(predictions.stream().filter(p -> truth.indexOf(p.getEventId()) >= firstRunEvents))
          .allMatch(p -> p.getModelVersion() >= 2);

      // Nothing in a dead-letter queue.
      assertThat(read(c, Topics.dlq(topics.events()), null)).isEmpty();
      assertThat(read(c, Topics.dlq(topics.corrections()), null)).isEmpty();

      // Accuracy against the ground truth: the WINDOW drifted events v1 scored last, against the
      // first WINDOW v2 scored.
      List<Prediction> byTime =
          predictions.stream().sorted(Comparator.comparing(Prediction::getScoredAt)).toList();
      Instant swap =
          byTime.stream()
              .filter(p -> p.getModelVersion() == 2)
              .findFirst()
              .orElseThrow()
              .getScoredAt();
      List<Prediction> before =
          byTime.stream()
              .filter(p -> p.getModelVersion() == 1 && truth.indexOf(p.getEventId()) >= DRIFT_AT)
              .toList();
      before = before.subList(Math.max(0, before.size() - WINDOW), before.size());
      List<Prediction> after =
          byTime.stream().filter(p -> p.getModelVersion() >= 2).limit(WINDOW).toList();
      assertThat(before).hasSize(WINDOW);
      assertThat(after).hasSize(WINDOW);
      Function<List<Prediction>, Double> accuracy =
          ps ->
              ps.stream()
                      .filter(
                          p -> truth.labelAt(truth.indexOf(p.getEventId())).equals(p.getTopLabel()))
                      .count()
                  / (double) ps.size();
      double accBefore = accuracy.apply(before);
      double accAfter = accuracy.apply(after);
      // The largest gap between consecutive predictions within 10 s of the swap.
      Duration gap = Duration.ZERO;
      Prediction prev = null;
      for (Prediction p : byTime) {
        if (p.getScoredAt().isBefore(swap.minusSeconds(10))
            || p.getScoredAt().isAfter(swap.plusSeconds(10))) {
          continue;
        }
        if (prev != null) {
          Duration d = Duration.between(prev.getScoredAt(), p.getScoredAt());
          gap = d.compareTo(gap) > 0 ? d : gap;
        }
        prev = p;
      }
      LOG.info(
          "accuracy before the swap {} after {}; largest gap around the swap {} ms; events {}",
          accBefore,
          accAfter,
          gap.toMillis(),
          total);
      assertThat(accAfter).isGreaterThanOrEqualTo(accBefore + MARGIN);
      assertThat(gap).isLessThan(MAX_GAP);
    }
  }

  /** Per-class recall of v2 and of production on the gate's holdout: what the bound sees. */
  private static void logRecallChanges(ModelVersion mv) {
    if (mv.getMetrics() == null || mv.getProductionMetrics() == null) {
      return;
    }
    Map<String, Double> before = new HashMap<>();
    mv.getProductionMetrics().getPerClass().forEach(c -> before.put(c.getLabel(), c.getRecall()));
    StringBuilder sb = new StringBuilder();
    mv.getMetrics()
        .getPerClass()
        .forEach(
            c ->
                sb.append(
                    String.format(
                        java.util.Locale.ROOT,
                        " %s %.3f->%.3f (n=%d)",
                        c.getLabel(),
                        before.getOrDefault(c.getLabel(), Double.NaN),
                        c.getRecall(),
                        c.getSupport())));
    LOG.info(
        "v{} gate holdout {} examples; per-class recall:{}",
        mv.getVersion(),
        mv.getMetrics().getExamples(),
        sb);
  }

  private static <T> List<T> values(List<ConsumerRecord<String, T>> records) {
    return records.stream().map(ConsumerRecord::value).toList();
  }

  /** Every record of {@code topic} up to its end now, read_committed ({@code type} null: raw). */
  @SuppressWarnings({"unchecked", "rawtypes"})
  private static <T extends org.apache.avro.specific.SpecificRecord>
      List<ConsumerRecord<String, T>> read(LooplineConfig c, String topic, Class<T> type) {
    Map<String, Object> props = new HashMap<>(c.kafkaClientProps());
    props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    Deserializer value =
        type == null
            ? new org.apache.kafka.common.serialization.ByteArrayDeserializer()
            : AvroSerdes.specific(type, c.clientAndSerdeProps(), false).deserializer();
    List<ConsumerRecord<String, T>> out = new ArrayList<>();
    try (KafkaConsumer<String, T> consumer =
        new KafkaConsumer<>(props, new StringDeserializer(), value)) {
      List<TopicPartition> parts = new ArrayList<>();
      for (PartitionInfo p : consumer.partitionsFor(topic, Duration.ofSeconds(30))) {
        parts.add(new TopicPartition(topic, p.partition()));
      }
      consumer.assign(parts);
      consumer.seekToBeginning(parts);
      Map<TopicPartition, Long> end = consumer.endOffsets(parts);
      long deadline = System.currentTimeMillis() + 60_000;
      while (parts.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
        if (System.currentTimeMillis() > deadline) {
          throw new IllegalStateException("could not read " + topic + " to its end");
        }
        for (ConsumerRecord<String, T> r : consumer.poll(Duration.ofMillis(200))) {
          out.add(r);
        }
      }
    }
    return out;
  }
}
