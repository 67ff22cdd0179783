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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
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

  /** Indexes being read or in use in this JVM, by (spec, plan), with their users. */
  private static final Map<List<Object>, Shared> SHARED = new HashMap<>();

  private static final class Shared {
    final CompletableFuture<LabelIndex> index = new CompletableFuture<>();
    int users;
  }

  /**
   * The index of (spec, plan), read by the first task of this JVM that asks and shared with the
   * others (the slots of a TaskManager, the MiniCluster's tasks) until the last one {@link
   * #release}s it: one read and one copy in memory per JVM instead of one per task. The index is
   * not changed once read, so tasks may share it.
   */
  public static LabelIndex acquire(Spec spec, BacktestPlan plan) {
    List<Object> key = List.of(spec, plan);
    Shared s;
    boolean reader;
    synchronized (SHARED) {
      s = SHARED.computeIfAbsent(key, k -> new Shared());
      reader = s.users++ == 0;
    }
    try {
      if (reader) {
        try {
          s.index.complete(read(spec, plan));
        } catch (RuntimeException | Error e) {
          s.index.completeExceptionally(e);
          throw e;
        }
      }
      try {
        return s.index.join();
      } catch (CompletionException e) {
        throw new IllegalStateException("reading the labels failed in another task", e.getCause());
      }
    } catch (RuntimeException | Error e) {
      release(spec, plan); // not the caller's to give back: it gets no index
      throw e;
    }
  }

  /** Gives back what {@link #acquire} returned; the last user frees it. */
  public static void release(Spec spec, BacktestPlan plan) {
    List<Object> key = List.of(spec, plan);
    synchronized (SHARED) {
      Shared s = SHARED.get(key);
      if (s != null && --s.users <= 0) {
        SHARED.remove(key);
      }
    }
  }

  /** Reads the labels {@code spec} names. */
  public static LabelIndex read(Spec spec, BacktestPlan plan) {
    LabelIndex index = new LabelIndex(plan);
    List<TopicPartition> tps = new ArrayList<>();
    spec.end()
        .forEach(
            (p, o) -> {
              if (o > 0) {
                tps.add(new TopicPartition(spec.topic(), p));
              }
            });
    if (tps.isEmpty()) {
      return index;
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
    Map<String, Object> props = new HashMap<>(spec.kafkaProps());
    props.remove("group.id");
    props.put("enable.auto.commit", "false");
    try (KafkaConsumer<byte[], byte[]> c =
        new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      c.assign(tps);
      c.seekToBeginning(tps);
      long deadline = System.nanoTime() + TIMEOUT.toNanos();
      List<TopicPartition> open = new ArrayList<>(tps);
      while (!open.isEmpty()) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException(
              "timed out reading " + spec.topic() + " up to " + spec.end());
        }
        for (ConsumerRecord<byte[], byte[]> r : c.poll(POLL)) {
          if (r.offset() < spec.end().get(r.partition())) {
            decoder.deserialize(r, sink);
          }
        }
        open.removeIf(tp -> c.position(tp, TIMEOUT) >= spec.end().get(tp.partition()));
        if (open.size() < tps.size()) {
          List<TopicPartition> done = new ArrayList<>(tps);
          done.removeAll(open);
          c.pause(done);
        }
      }
    }
    return index;
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
