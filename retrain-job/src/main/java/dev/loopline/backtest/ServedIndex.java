package dev.loopline.backtest;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.apache.flink.util.Collector;

/**
 * What served each event, read from {@code predictions} by the scoring tasks before they score (the
 * local served join, with the local label join): no event and no served prediction then crosses a
 * shuffle. Same rule as the keyed {@link JoinFunction}: the latest non-shadow prediction of the
 * served model by scoredAt wins (ties: the later one read), and {@link PredictionDeserializer}
 * skips shadow predictions, other models and undecodable records exactly as the keyed path does.
 *
 * <p>What is kept follows what the report reads: for an id with a usable label (labelled, not
 * forgotten: {@link LabelIndex#usable}) the whole served prediction, by id; for every other id only
 * the served version, under the id's 64-bit hash ({@link JoinFunction#key}) in an open-addressing
 * table (about 50 bytes per id; two ids sharing all 64 bits, about 3 in 10^8 for a million ids,
 * would count one's version for both). Shared per JVM like the labels ({@link #acquire}); the
 * client uses it only while {@code predictions} holds at most {@code
 * backtest.local.join.max.served} records, else served predictions are joined by key.
 */
public final class ServedIndex {

  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(ServedIndex.class);

  /**
   * Where: the predictions topic from {@code start} up to {@code end} (per partition), the replayed
   * range {@code [from, to)} (epoch millis; see {@link PredictionDeserializer}), the served model's
   * name, client settings.
   */
  public record Spec(
      String topic,
      HashMap<String, String> kafkaProps,
      HashMap<String, Object> serdeConfig,
      TreeMap<Integer, Long> start,
      TreeMap<Integer, Long> end,
      long from,
      long to,
      String modelName)
      implements Serializable {

    public Spec(
        String topic,
        Map<String, String> kafkaProps,
        Map<String, Object> serdeConfig,
        Map<Integer, Long> start,
        Map<Integer, Long> end,
        long from,
        long to,
        String modelName) {
      this(
          topic,
          new HashMap<>(kafkaProps),
          new HashMap<>(serdeConfig),
          new TreeMap<>(start),
          new TreeMap<>(end),
          from,
          to,
          modelName);
    }
  }

  private static final long EMPTY = 0L;

  /** Ids with a usable label: the whole served prediction. */
  private final HashMap<String, BacktestRecord> full = new HashMap<>();

  // Every other id: hash -> (version, scoredAt), open addressing; hash 0 is kept aside.
  private long[] keys = new long[1 << 12];
  private int[] versions = new int[1 << 12];
  private long[] times = new long[1 << 12];
  private int size;
  private long records;
  private long viaRegistry;
  private boolean zeroSet;
  private int zeroVersion;
  private long zeroTime;

  ServedIndex() {}

  /** The index of (spec, labels' plan), read once per JVM and shared ({@link JvmShared}). */
  public static ServedIndex acquire(Spec spec, LabelIndex labels, BacktestPlan plan) {
    return JvmShared.acquire(
        List.of(spec, plan), () -> read(spec, labels), "the served predictions");
  }

  /** Gives back what {@link #acquire} returned. */
  public static void release(Spec spec, BacktestPlan plan) {
    JvmShared.release(List.of(spec, plan));
  }

  /**
   * Reads the served predictions {@code spec} names: the partitions split over up to as many
   * threads as there are cores (the scoring tasks wait for the index anyway), merged by the same
   * rule.
   */
  static ServedIndex read(Spec spec, LabelIndex labels) {
    long t0 = System.nanoTime();
    ServedIndex index = readAll(spec, labels);
    LOG.info(
        "indexed the served predictions of {} ids from {} in {} ms ({} records, {} read by the"
            + " registry deserializer)",
        index.size(),
        spec.topic(),
        (System.nanoTime() - t0) / 1_000_000,
        index.records,
        index.viaRegistry);
    return index;
  }

  private static ServedIndex readAll(Spec spec, LabelIndex labels) {
    List<Integer> parts = new ArrayList<>();
    spec.end()
        .forEach(
            (p, o) -> {
              if (o > spec.start().getOrDefault(p, 0L)) {
                parts.add(p);
              }
            });
    int threads = Math.min(parts.size(), Runtime.getRuntime().availableProcessors());
    if (threads <= 1) {
      return readPartitions(spec, labels, spec.end());
    }
    List<Map<Integer, Long>> groups = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      groups.add(new TreeMap<>());
    }
    for (int i = 0; i < parts.size(); i++) {
      groups.get(i % threads).put(parts.get(i), spec.end().get(parts.get(i)));
    }
    List<CompletableFuture<ServedIndex>> others = new ArrayList<>();
    for (int t = 1; t < threads; t++) {
      Map<Integer, Long> group = groups.get(t);
      others.add(
          CompletableFuture.supplyAsync(
              () -> readPartitions(spec, labels, group),
              r -> {
                Thread th = new Thread(r, "backtest-served-index-" + group.keySet());
                th.setDaemon(true);
                th.start();
              }));
    }
    ServedIndex index = readPartitions(spec, labels, groups.get(0));
    for (CompletableFuture<ServedIndex> f : others) {
      try {
        index.addAll(f.join());
      } catch (CompletionException e) {
        throw e.getCause() instanceof RuntimeException re ? re : e;
      }
    }
    return index;
  }

  private static ServedIndex readPartitions(Spec spec, LabelIndex labels, Map<Integer, Long> end) {
    ServedIndex index = new ServedIndex();
    PredictionDeserializer decoder =
        new PredictionDeserializer(spec.serdeConfig(), spec.modelName(), spec.from(), spec.to());
    decoder.open(null);
    Collector<BacktestRecord> sink =
        new Collector<>() {
          @Override
          public void collect(BacktestRecord s) {
            index.add(s, labels.usable(s.eventId));
          }

          @Override
          public void close() {}
        };
    LabelIndex.readUpTo(
        spec.topic(),
        spec.kafkaProps(),
        spec.start(),
        end,
        r -> {
          index.records++;
          decoder.deserialize(r, sink);
        });
    index.viaRegistry = decoder.viaRegistry();
    return index;
  }

  /** Adds everything {@code other} holds, by the same rule as {@link #add}. */
  void addAll(ServedIndex other) {
    records += other.records;
    viaRegistry += other.viaRegistry;
    for (BacktestRecord s : other.full.values()) {
      add(s, true);
    }
    if (other.zeroSet) {
      putHashed(EMPTY, other.zeroVersion, other.zeroTime);
    }
    for (int i = 0; i < other.keys.length; i++) {
      if (other.keys[i] != EMPTY) {
        putHashed(other.keys[i], other.versions[i], other.times[i]);
      }
    }
  }

  /**
   * Adds served prediction {@code s}; {@code usable}: its id has a usable label, so the whole
   * prediction is kept (else its version only). The later scoredAt wins; ties go to {@code s}.
   */
  void add(BacktestRecord s, boolean usable) {
    if (usable) {
      BacktestRecord old = full.get(s.eventId);
      if (old == null || s.time >= old.time) {
        full.put(s.eventId, s);
      }
      return;
    }
    putHashed(JoinFunction.key(s.eventId), s.servedVersion, s.time);
  }

  private void putHashed(long h, int version, long time) {
    if (h == EMPTY) {
      if (!zeroSet || time >= zeroTime) {
        zeroSet = true;
        zeroVersion = version;
        zeroTime = time;
      }
      return;
    }
    if (2 * (size + 1) > keys.length) {
      grow();
    }
    int mask = keys.length - 1;
    for (int i = slot(h, mask); ; i = (i + 1) & mask) {
      if (keys[i] == EMPTY) {
        keys[i] = h;
        versions[i] = version;
        times[i] = time;
        size++;
        return;
      }
      if (keys[i] == h) {
        if (time >= times[i]) {
          versions[i] = version;
          times[i] = time;
        }
        return;
      }
    }
  }

  /** The whole served prediction of an id with a usable label; null when none served it. */
  BacktestRecord full(String eventId) {
    return full.get(eventId);
  }

  /** The version that served an id without a usable label; -1 when none. */
  int version(String eventId) {
    long h = JoinFunction.key(eventId);
    if (h == EMPTY) {
      return zeroSet ? zeroVersion : -1;
    }
    int mask = keys.length - 1;
    for (int i = slot(h, mask); ; i = (i + 1) & mask) {
      if (keys[i] == EMPTY) {
        return -1;
      }
      if (keys[i] == h) {
        return versions[i];
      }
    }
  }

  /** Ids indexed (with a usable label, and others). */
  public int size() {
    return full.size() + size + (zeroSet ? 1 : 0);
  }

  private static int slot(long h, int mask) {
    return (int) (h ^ (h >>> 32)) & mask;
  }

  private void grow() {
    long[] oldKeys = keys;
    int[] oldVersions = versions;
    long[] oldTimes = times;
    int n = oldKeys.length * 2;
    keys = new long[n];
    versions = new int[n];
    times = new long[n];
    int mask = n - 1;
    for (int j = 0; j < oldKeys.length; j++) {
      long h = oldKeys[j];
      if (h != EMPTY) {
        int i = slot(h, mask);
        while (keys[i] != EMPTY) {
          i = (i + 1) & mask;
        }
        keys[i] = h;
        versions[i] = oldVersions[j];
        times[i] = oldTimes[j];
      }
    }
  }
}
