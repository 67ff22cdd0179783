package dev.loopline.backtest;

import dev.loopline.retrain.job.FeedbackDeserializer;
import dev.loopline.retrain.job.FeedbackRecord;
import java.io.Serializable;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * The final label of every labelled event id, read from {@code feedback} by each scoring task
 * before it scores (the local label join): the replayed events then need no shuffle to meet their
 * labels. Same rules as the keyed {@link JoinFunction}: the latest label by labelledAt wins (ties:
 * the later partition/offset), and a version trained on the event when any feedback record of the
 * id lies in its (or an ancestor's) training set; undecodable records and tombstones are skipped.
 *
 * <p>Every JVM running scoring tasks holds the whole index (read once, shared by its tasks: {@link
 * #acquire}), so the client uses it only while {@code feedback} holds at most {@code
 * backtest.local.join.max.labels} records (about 200 bytes of heap per labelled id); beyond that
 * the job joins labels by key as before. The read stops at the end offsets the client saw, so every
 * task sees the same labels.
 */
public final class LabelIndex {

  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(LabelIndex.class);

  /**
   * Where the labels are: the feedback topic up to {@code end} (partition to exclusive end offset),
   * read with these Kafka client and registry settings.
   */
  public record Spec(
      String topic,
      HashMap<String, String> kafkaProps,
      HashMap<String, Object> serdeConfig,
      TreeMap<Integer, Long> end)
      implements Serializable {

    public Spec(
        String topic,
        Map<String, String> kafkaProps,
        Map<String, Object> serdeConfig,
        Map<Integer, Long> end) {
      this(topic, new HashMap<>(kafkaProps), new HashMap<>(serdeConfig), new TreeMap<>(end));
    }
  }

  /** One id's final label and the versions that trained on it. */
  static final class Entry {
    String label;
    String source;
    long time;
    int partition;
    long offset;
    long trained;
  }

  private static final Duration POLL = Duration.ofMillis(200);
  private static final Duration TIMEOUT = Duration.ofSeconds(120);

  private final BacktestPlan plan;
  private final HashMap<String, Entry> byId = new HashMap<>();

  /** Label names and sources are few: one String instance each instead of one per record. */
  private final HashMap<String, String> names = new HashMap<>();

  LabelIndex(BacktestPlan plan) {
    this.plan = plan;
  }

  /**
   * The index of (spec, plan), read by the first task of this JVM that asks and shared with the
   * others until the last one {@link #release}s it ({@link JvmShared}).
   */
  public static LabelIndex acquire(Spec spec, BacktestPlan plan) {
    return JvmShared.acquire(
        List.of(spec, plan),
        () -> {
          long t0 = System.nanoTime();
          LabelIndex index = read(spec, plan);
          LOG.info(
              "indexed the labels of {} ids from {} in {} ms",
              index.size(),
              spec.topic(),
              (System.nanoTime() - t0) / 1_000_000);
          return index;
        },
        "the labels");
  }

  /** Gives back what {@link #acquire} returned; the last user frees it. */
  public static void release(Spec spec, BacktestPlan plan) {
    JvmShared.release(List.of(spec, plan));
  }

  /** Reads the labels {@code spec} names. */
  public static LabelIndex read(Spec spec, BacktestPlan plan) {
    LabelIndex index = new LabelIndex(plan);
    if (spec.end().values().stream().allMatch(o -> o <= 0)) {
      return index; // nothing to read (no decoder, so no registry needed)
    }
    FeedbackDeserializer decoder = new FeedbackDeserializer(spec.serdeConfig());
    decoder.open(null);
    Collector<FeedbackRecord> sink =
        new Collector<>() {
          @Override
          public void collect(FeedbackRecord f) {
            if (f.problem == null && f.label != null) {
              index.add(f.eventId, f.label, f.source, f.labeledAt, f.partition, f.offset);
            }
          }

          @Override
          public void close() {}
        };
    readUpTo(
        spec.topic(), spec.kafkaProps(), Map.of(), spec.end(), r -> decoder.deserialize(r, sink));
    return index;
  }

  /**
   * Hands every record of {@code topic} from {@code start} (partition to offset; the beginning
   * where absent) below {@code end} (partition to exclusive end offset) to {@code each}, partition
   * by partition in offset order, with a consumer of its own (no group, no commits); fails after
   * two minutes without reaching the end.
   */
  static void readUpTo(
      String topic,
      Map<String, String> kafkaProps,
      Map<Integer, Long> start,
      Map<Integer, Long> end,
      java.util.function.Consumer<ConsumerRecord<byte[], byte[]>> each) {
    List<TopicPartition> tps = new ArrayList<>();
    end.forEach(
        (p, o) -> {
          if (o > start.getOrDefault(p, 0L)) {
            tps.add(new TopicPartition(topic, p));
          }
        });
    if (tps.isEmpty()) {
      return;
    }
    Map<String, Object> props = new HashMap<>(kafkaProps);
    props.remove("group.id");
    props.put("enable.auto.commit", "false");
    props.put("auto.offset.reset", "earliest"); // a start offset removed by retention meanwhile
    // One thread fetches and decodes: the classic consumer asks for a partition's next data only
    // once its buffered data is drained, so each fetch is a stall; fewer, larger ones.
    props.putIfAbsent("max.partition.fetch.bytes", String.valueOf(4 << 20));
    props.putIfAbsent("fetch.max.bytes", String.valueOf(16 << 20));
    props.putIfAbsent("max.poll.records", "10000");
    try (KafkaConsumer<byte[], byte[]> c =
        new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      c.assign(tps);
      c.seekToBeginning(tps);
      for (TopicPartition tp : tps) {
        Long from = start.get(tp.partition());
        if (from != null && from > 0) {
          c.seek(tp, from);
        }
      }
      long deadline = System.nanoTime() + TIMEOUT.toNanos();
      List<TopicPartition> open = new ArrayList<>(tps);
      while (!open.isEmpty()) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("timed out reading " + topic + " up to " + end);
        }
        for (ConsumerRecord<byte[], byte[]> r : c.poll(POLL)) {
          if (r.offset() < end.get(r.partition())) {
            each.accept(r);
          }
        }
        open.removeIf(tp -> c.position(tp, TIMEOUT) >= end.get(tp.partition()));
        if (open.size() < tps.size()) {
          List<TopicPartition> done = new ArrayList<>(tps);
          done.removeAll(open);
          c.pause(done);
        }
      }
    }
  }

  /** Adds one feedback record of {@code eventId}. */
  void add(String eventId, String label, String source, long time, int partition, long offset) {
    long trained = 0;
    for (int i = 0; i < plan.versions().size(); i++) {
      if (plan.versions().get(i).trainedOn(eventId, partition, offset)) {
        trained |= 1L << i;
      }
    }
    Entry e = byId.get(eventId);
    if (e == null) {
      e = new Entry();
      byId.put(eventId, e);
    } else if (!JoinFunction.supersedes(time, partition, offset, e.time, e.partition, e.offset)) {
      e.trained |= trained;
      return;
    }
    e.trained |= trained;
    e.label = names.computeIfAbsent(label, k -> k);
    e.source = source == null ? null : names.computeIfAbsent(source, k -> k);
    e.time = time;
    e.partition = partition;
    e.offset = offset;
  }

  /** The id's final label, or null when it has none. */
  Entry get(String eventId) {
    return byId.get(eventId);
  }

  public int size() {
    return byId.size();
  }

  /** Whether the id has a label that counts: labelled and not forgotten. */
  boolean usable(String eventId) {
    return !plan.forgotten().contains(eventId) && byId.containsKey(eventId);
  }

  /**
   * Sets {@code r}'s label, source and trained mask from the index and marks it resolved; events
   * without a usable label (none, or forgotten) keep only what the report counts of them.
   *
   * @return whether the event has a usable label
   */
  boolean resolve(BacktestRecord r) {
    r.resolved = true;
    Entry e = plan.forgotten().contains(r.eventId) ? null : byId.get(r.eventId);
    if (e == null) {
      r.label = null;
      r.labelSource = null;
      r.trainedMask = 0;
      r.probs = null; // counted, never evaluated
      r.slice = null;
      return false;
    }
    r.label = e.label;
    r.labelSource = e.source;
    r.trainedMask = e.trained;
    return true;
  }
}
