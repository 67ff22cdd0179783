package dev.loopline.feedback.topology;

import dev.loopline.avro.Event;
import dev.loopline.avro.LabeledExample;
import dev.loopline.avro.Prediction;
import dev.loopline.feedback.CollectorConfig;
import dev.loopline.feedback.serde.AvroMessageSerde;
import dev.loopline.feedback.serde.LongArraySerde;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;
import org.apache.kafka.streams.state.TimestampedKeyValueStore;
import org.apache.kafka.streams.state.WindowStore;

/**
 * The collector's state stores, all keyed by event id (or led by a timestamp for time-ordered
 * scans), persistent and changelogged. The names are the interactive-query API: {@link
 * dev.loopline.feedback.query.FeedbackQueries} reads them by these names.
 */
public final class FeedbackStores {

  /** Held events (text, attributes) by event id; timestamp = event time. */
  public static final String EVENTS = "collector-events";

  /** The latest served (non-shadow) prediction per event id; timestamp = prediction record time. */
  public static final String PREDICTIONS = "collector-predictions";

  /** Per event id: the winning correction, pending or joined ({@link CorrectionState}). */
  public static final String CORRECTIONS = "collector-corrections";

  /** Open triage items: triage predictions with no correction yet. */
  public static final String TRIAGE = "collector-triage-open";

  /** Event ids forgotten on request (value: requestedAt epoch ms). */
  public static final String FORGOTTEN = "collector-forgotten";

  /** Deadline index: kind byte, deadline (8 bytes big-endian), event id. Drives expiry. */
  public static final String EXPIRY = "collector-expiry";

  /** Recently written feedback (text stripped): key = written-at (8 bytes) + event id. */
  public static final String RECENT = "collector-recent";

  /** Counters per model version ({@link Stats#VERSION_FIELDS}) in windows of prediction time. */
  public static final String STATS_VERSIONS = "collector-stats-versions";

  /** Counters per model version and label ({@link Stats#LABEL_FIELDS}). */
  public static final String STATS_LABELS = "collector-stats-labels";

  /** Confusion counts per model version, predicted label and actual label. */
  public static final String STATS_CONFUSION = "collector-stats-confusion";

  public static final List<String> ALL =
      List.of(
          EVENTS,
          PREDICTIONS,
          CORRECTIONS,
          TRIAGE,
          FORGOTTEN,
          EXPIRY,
          RECENT,
          STATS_VERSIONS,
          STATS_LABELS,
          STATS_CONFUSION);

  private FeedbackStores() {}

  static List<StoreBuilder<?>> builders(CollectorConfig config) {
    return List.of(
        Stores.timestampedKeyValueStoreBuilder(
            Stores.persistentTimestampedKeyValueStore(EVENTS),
            Serdes.String(),
            AvroMessageSerde.of(Event.class)),
        Stores.timestampedKeyValueStoreBuilder(
            Stores.persistentTimestampedKeyValueStore(PREDICTIONS),
            Serdes.String(),
            AvroMessageSerde.of(Prediction.class)),
        Stores.<String, CorrectionState>keyValueStoreBuilder(
                Stores.persistentKeyValueStore(CORRECTIONS),
                Serdes.String(),
                new CorrectionState.StateSerde())
            .withCachingEnabled(),
        Stores.timestampedKeyValueStoreBuilder(
            Stores.persistentTimestampedKeyValueStore(TRIAGE),
            Serdes.String(),
            AvroMessageSerde.of(Prediction.class)),
        Stores.keyValueStoreBuilder(
            Stores.persistentKeyValueStore(FORGOTTEN), Serdes.String(), Serdes.Long()),
        Stores.keyValueStoreBuilder(
            Stores.persistentKeyValueStore(EXPIRY), Serdes.Bytes(), Serdes.ByteArray()),
        Stores.keyValueStoreBuilder(
            Stores.persistentKeyValueStore(RECENT),
            Serdes.Bytes(),
            AvroMessageSerde.of(LabeledExample.class)),
        windowStore(STATS_VERSIONS, config),
        windowStore(STATS_LABELS, config),
        windowStore(STATS_CONFUSION, config));
  }

  private static StoreBuilder<WindowStore<String, long[]>> windowStore(
      String name, CollectorConfig config) {
    // Cached: stats keys are hot (one per version and hour), so the cache folds many updates
    // into one store write and one changelog record per commit.
    return Stores.windowStoreBuilder(
            Stores.persistentWindowStore(
                name, config.statsRetention(), config.statsWindow(), false),
            Serdes.String(),
            new LongArraySerde())
        .withCachingEnabled();
  }

  /** Key of the recent-feedback store: big-endian time first, so a reverse scan is newest first. */
  public static Bytes recentKey(long writtenAt, String eventId) {
    byte[] id = eventId.getBytes(StandardCharsets.UTF_8);
    return Bytes.wrap(
        ByteBuffer.allocate(Long.BYTES + id.length).putLong(writtenAt).put(id).array());
  }

  static Bytes timeKey(long time) {
    return Bytes.wrap(ByteBuffer.allocate(Long.BYTES).putLong(time).array());
  }

  // Typed accessors keep the casts in one place.
  @SuppressWarnings("unchecked")
  static <V> TimestampedKeyValueStore<String, V> timestamped(Object store) {
    return (TimestampedKeyValueStore<String, V>) store;
  }

  @SuppressWarnings("unchecked")
  static <K, V> KeyValueStore<K, V> kv(Object store) {
    return (KeyValueStore<K, V>) store;
  }
}
