package dev.loopline.launcher.loop;

import dev.loopline.avro.Lineage;
import dev.loopline.avro.ModelVersion;
import dev.loopline.avro.Prediction;
import dev.loopline.config.LooplineConfig;
import dev.loopline.retrain.registry.ModelHistory;
import dev.loopline.retrain.registry.ModelRegistryReader;
import dev.loopline.serde.AvroSerdes;
import dev.loopline.topics.Topics;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where the correction-to-production latency lives: in each promoted version's lineage on the
 * compacted {@code model-versions} topic, so that it survives a stop. A version is first marked
 * <em>pending</em> (its triggering correction written, no latency yet) as soon as the gate promotes
 * it; the latency is added once its first prediction is seen. A latency still pending when the loop
 * stopped is {@linkplain #recover recovered} on the next start from {@code predictions} itself
 * (read_committed): the earliest {@code scoredAt} of that version there.
 */
final class LatencyLedger {

  private static final Logger LOG = LoggerFactory.getLogger(LatencyLedger.class);

  /**
   * What a start found: latencies measured from {@code predictions}, versions still pending, and
   * the newest version's latency recorded before (null if none; for the status line of a resumed
   * loop).
   */
  record Recovery(
      List<RetrainStage.Latency> recovered,
      Map<Integer, RetrainStage.Trigger> stillPending,
      RetrainStage.Latency latestRecorded) {}

  /** The latency recorded in the lineage of the newest version that has one. */
  static RetrainStage.Latency latestRecorded(ModelHistory history) {
    for (ModelVersion v : history.versions().descendingMap().values()) {
      Lineage l = v.getLineage();
      if (l != null
          && l.getTriggeringCorrectionAt() != null
          && l.getCorrectionToProductionMillis() != null) {
        Duration d = Duration.ofMillis(l.getCorrectionToProductionMillis());
        return new RetrainStage.Latency(
            v.getVersion(),
            new RetrainStage.Trigger(
                l.getTriggeringCorrectionEventId(), l.getTriggeringCorrectionAt()),
            l.getTriggeringCorrectionAt().plus(d),
            d);
      }
    }
    return null;
  }

  private final LooplineConfig config;
  private final Topics topics;
  private final String name;

  LatencyLedger(LooplineConfig config) {
    this.config = config;
    this.topics = Topics.from(config);
    this.name = config.get("model.name");
  }

  /** Versions whose lineage names a triggering correction but holds no latency yet. */
  static Map<Integer, RetrainStage.Trigger> pending(ModelHistory history) {
    Map<Integer, RetrainStage.Trigger> out = new TreeMap<>();
    for (ModelVersion v : history.versions().values()) {
      Lineage l = v.getLineage();
      if (l != null
          && l.getTriggeringCorrectionAt() != null
          && l.getCorrectionToProductionMillis() == null) {
        out.put(
            v.getVersion(),
            new RetrainStage.Trigger(
                l.getTriggeringCorrectionEventId(), l.getTriggeringCorrectionAt()));
      }
    }
    return out;
  }

  /** Records that {@code version} was promoted by a run that {@code trigger} made due. */
  void markPending(int version, RetrainStage.Trigger trigger) {
    write(version, trigger, null);
  }

  /** Records the measured latency in the version's lineage. */
  void record(RetrainStage.Latency l) {
    write(l.version(), l.trigger(), l.latency().toMillis());
  }

  /**
   * For every pending version (see {@link #pending}): its first prediction in {@code predictions};
   * when there is one, the latency is computed, recorded in the lineage and returned.
   *
   * @param cancelled checked while reading; true stops early (what was not found stays pending)
   */
  Recovery recover(BooleanSupplier cancelled) {
    ModelHistory history = ModelRegistryReader.read(config, topics, name);
    Map<Integer, RetrainStage.Trigger> pending = pending(history);
    RetrainStage.Latency before = latestRecorded(history);
    if (pending.isEmpty()) {
      return new Recovery(List.of(), Map.of(), before);
    }
    LOG.info(
        "correction-to-production latency pending for {} from the last run: looking for their"
            + " first predictions in {}",
        pending.keySet().stream().map(v -> "v" + v).toList(),
        topics.predictions());
    Map<Integer, Instant> first = firstPredictions(pending.keySet(), cancelled);
    List<RetrainStage.Latency> recovered = new ArrayList<>();
    Map<Integer, RetrainStage.Trigger> still = new LinkedHashMap<>();
    pending.forEach(
        (v, t) -> {
          Instant at = first.get(v);
          if (at == null) {
            still.put(v, t);
            return;
          }
          RetrainStage.Latency l =
              new RetrainStage.Latency(v, t, at, Duration.between(t.correctedAt(), at));
          record(l);
          recovered.add(l);
          LOG.info(
              "recovered the correction-to-production latency of v{}: {} (correction on {} at {},"
                  + " first prediction at {})",
              v,
              RetrainStage.human(l.latency()),
              t.eventId(),
              t.correctedAt(),
              at);
        });
    return new Recovery(recovered, still, before);
  }

  /**
   * The earliest {@code scoredAt} of each of {@code versions} among the committed, non-shadow
   * records of {@code predictions} up to its end now. Record timestamps there are event times
   * (which a replay may set anywhere), so they cannot bound the search: each partition is read from
   * its beginning (what retention kept) until every wanted version was seen in it. Scoring writes a
   * partition in order, so the first record of a version in a partition is its earliest there.
   */
  Map<Integer, Instant> firstPredictions(Set<Integer> versions, BooleanSupplier cancelled) {
    Map<String, Object> props = new HashMap<>(config.kafkaClientProps());
    props.remove(ConsumerConfig.GROUP_ID_CONFIG);
    props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 2000);
    String topic = topics.predictions();
    Map<Integer, Instant> first = new TreeMap<>();
    Deserializer<Prediction> reader =
        AvroSerdes.specific(Prediction.class, config.clientAndSerdeProps(), false).deserializer();
    try (KafkaConsumer<String, byte[]> c =
        new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer())) {
      List<TopicPartition> parts = new ArrayList<>();
      List<PartitionInfo> infos = c.partitionsFor(topic, Duration.ofSeconds(30));
      if (infos == null) {
        return first;
      }
      infos.forEach(p -> parts.add(new TopicPartition(topic, p.partition())));
      c.assign(parts);
      c.seekToBeginning(parts);
      Map<TopicPartition, Long> end = c.endOffsets(parts, Duration.ofSeconds(30));
      Map<TopicPartition, Set<Integer>> left = new HashMap<>();
      parts.forEach(tp -> left.put(tp, new HashSet<>(versions)));
      long read = 0;
      while (!cancelled.getAsBoolean()) {
        left.entrySet()
            .removeIf(
                e ->
                    e.getValue().isEmpty()
                        || c.position(e.getKey(), Duration.ofSeconds(30)) >= end.get(e.getKey()));
        if (left.isEmpty()) {
          break;
        }
        c.pause(parts.stream().filter(tp -> !left.containsKey(tp)).toList());
        for (ConsumerRecord<String, byte[]> r : c.poll(Duration.ofMillis(200))) {
          TopicPartition tp = new TopicPartition(r.topic(), r.partition());
          Set<Integer> wanted = left.get(tp);
          if (wanted == null || r.offset() >= end.get(tp) || r.value() == null) {
            continue;
          }
          read++;
          Prediction p;
          try {
            p = reader.deserialize(topic, r.headers(), r.value());
          } catch (RuntimeException e) {
            LOG.debug("skipping unreadable {}-{}@{}", r.topic(), r.partition(), r.offset());
            continue;
          }
          if (!p.getShadow() && wanted.remove(p.getModelVersion())) {
            first.merge(p.getModelVersion(), p.getScoredAt(), (a, b) -> a.isBefore(b) ? a : b);
          }
        }
      }
      LOG.info("read {} predictions; first predictions found: {}", read, first);
    }
    return first;
  }

  /** An updated ModelVersion (same key, compacted topic) with the triggering correction. */
  private void write(int version, RetrainStage.Trigger t, Long millis) {
    ModelVersion mv =
        ModelRegistryReader.read(config, topics, name)
            .version(version)
            .orElseThrow(() -> new IllegalStateException("v" + version + " not found"));
    Lineage lineage =
        Lineage.newBuilder(mv.getLineage())
            .setTriggeringCorrectionEventId(t.eventId())
            .setTriggeringCorrectionAt(t.correctedAt())
            .setCorrectionToProductionMillis(millis)
            .build();
    ModelVersion updated = ModelVersion.newBuilder(mv).setLineage(lineage).build();
    Map<String, Object> props = new HashMap<>(config.kafkaClientProps());
    props.put(ProducerConfig.ACKS_CONFIG, "all");
    props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    try (KafkaProducer<String, ModelVersion> p =
        new KafkaProducer<>(
            props,
            new StringSerializer(),
            AvroSerdes.specific(ModelVersion.class, config.clientAndSerdeProps(), false)
                .serializer())) {
      p.send(new ProducerRecord<>(topics.modelVersions(), name + ":" + version, updated)).get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted writing v" + version + "'s lineage", e);
    } catch (Exception e) {
      throw new IllegalStateException("could not write v" + version + "'s lineage", e);
    }
  }
}
