package dev.loopline.launcher.loop;

import dev.loopline.avro.Prediction;
import dev.loopline.config.LooplineConfig;
import dev.loopline.launcher.EmbeddedLoop;
import dev.loopline.serde.AvroSerdes;
import dev.loopline.topics.Topics;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches {@code predictions} (read_committed, no consumer group: it only observes) and keeps what
 * the status line and the latency figure need: the latest predictions with whether each was right
 * (the simulator's ground truth), the serving version, the scoring rate, and the earliest {@code
 * scoredAt} of each version seen. On start it reads back a little history so the status line is
 * meaningful at once after a resume.
 */
final class PredictionTracker implements EmbeddedLoop.Stage {

  private static final Logger LOG = LoggerFactory.getLogger(PredictionTracker.class);

  /** One observed prediction. */
  record Seen(int version, boolean correct, boolean triage, Instant scoredAt) {}

  /** A snapshot for the status line. */
  record Window(int size, double accuracy, double triageRate, int servingVersion) {}

  private final Function<String, String> truth;
  private final int window;
  private final Deque<Seen> recent = new ArrayDeque<>();
  private final Map<Integer, Instant> firstScoredAt = new ConcurrentHashMap<>();
  private final Map<Integer, Instant> firstSeenAt = new ConcurrentHashMap<>();
  private final Map<Integer, Long> countByVersion = new ConcurrentHashMap<>();
  private volatile long total;
  private volatile boolean stopped;
  private KafkaConsumer<String, Prediction> consumer;
  private Thread thread;

  /**
   * @param truth the true label of an event id, or null when unknown (not the simulator's)
   * @param window how many of the latest predictions the accuracy covers
   */
  PredictionTracker(Function<String, String> truth, int window) {
    this.truth = truth;
    this.window = window;
  }

  @Override
  public String name() {
    return "prediction tracker";
  }

  @Override
  public EmbeddedLoop.Running start(LooplineConfig config) {
    Map<String, Object> props = new HashMap<>(config.kafkaClientProps());
    props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    String topic = Topics.from(config).predictions();
    consumer =
        new KafkaConsumer<>(
            props,
            new StringDeserializer(),
            AvroSerdes.specific(Prediction.class, config.clientAndSerdeProps(), false)
                .deserializer());
    List<TopicPartition> parts = new ArrayList<>();
    for (PartitionInfo p : consumer.partitionsFor(topic, Duration.ofSeconds(30))) {
      parts.add(new TopicPartition(topic, p.partition()));
    }
    consumer.assign(parts);
    Map<TopicPartition, Long> end = consumer.endOffsets(parts);
    long back = Math.max(1, window / Math.max(1, parts.size()));
    for (TopicPartition tp : parts) {
      consumer.seek(tp, Math.max(0, end.get(tp) - back));
    }
    thread = new Thread(this::run, "loopline-prediction-tracker");
    thread.setDaemon(true);
    thread.start();
    return new EmbeddedLoop.Running(List.of(), config, this::stop);
  }

  private void run() {
    try {
      while (!stopped) {
        for (ConsumerRecord<String, Prediction> r : consumer.poll(Duration.ofMillis(500))) {
          if (r.value() != null) {
            observe(r.value());
          }
        }
      }
    } catch (WakeupException e) {
      // stopping
    } catch (RuntimeException e) {
      if (!stopped) {
        LOG.warn("prediction tracker stopped: {}", e.toString());
      }
    } finally {
      consumer.close(Duration.ofSeconds(5));
    }
  }

  void observe(Prediction p) {
    if (p.getShadow()) {
      return;
    }
    String label = truth.apply(p.getEventId());
    boolean triage = p.getAudit() || !"AUTO_ROUTE".equals(p.getDecision());
    Instant at = p.getScoredAt();
    firstScoredAt.merge(p.getModelVersion(), at, (a, b) -> a.isBefore(b) ? a : b);
    firstSeenAt.putIfAbsent(p.getModelVersion(), Instant.now());
    countByVersion.merge(p.getModelVersion(), 1L, Long::sum);
    synchronized (this) {
      total++;
      if (label != null) {
        recent.addLast(new Seen(p.getModelVersion(), label.equals(p.getTopLabel()), triage, at));
        while (recent.size() > window) {
          recent.removeFirst();
        }
      }
    }
  }

  /** Predictions stamped with {@code version} observed since start. */
  long count(int version) {
    return countByVersion.getOrDefault(version, 0L);
  }

  /** Predictions stamped with {@code minVersion} or a later version observed since start. */
  long countFrom(int minVersion) {
    return countByVersion.entrySet().stream()
        .filter(e -> e.getKey() >= minVersion)
        .mapToLong(Map.Entry::getValue)
        .sum();
  }

  /** Predictions observed since start. */
  long total() {
    return total;
  }

  /** Accuracy and triage rate over the latest window, and the version of the latest prediction. */
  synchronized Window window() {
    int n = recent.size();
    if (n == 0) {
      return new Window(0, Double.NaN, Double.NaN, -1);
    }
    int right = 0;
    int triage = 0;
    for (Seen s : recent) {
      right += s.correct() ? 1 : 0;
      triage += s.triage() ? 1 : 0;
    }
    return new Window(n, right / (double) n, triage / (double) n, recent.peekLast().version());
  }

  /**
   * The earliest {@code scoredAt} of {@code version} seen, once it was first seen at least {@code
   * settle} ago (the partitions swap within moments of each other; waiting lets the earliest one
   * arrive).
   */
  Optional<Instant> firstPrediction(int version, Duration settle) {
    Instant seen = firstSeenAt.get(version);
    if (seen == null || Instant.now().isBefore(seen.plus(settle))) {
      return Optional.empty();
    }
    return Optional.ofNullable(firstScoredAt.get(version));
  }

  private void stop() throws InterruptedException {
    stopped = true;
    if (consumer != null) {
      consumer.wakeup();
    }
    if (thread != null) {
      thread.join(10_000);
    }
  }
}
