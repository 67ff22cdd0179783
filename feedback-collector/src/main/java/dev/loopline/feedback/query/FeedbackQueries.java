package dev.loopline.feedback.query;

import dev.loopline.avro.Event;
import dev.loopline.avro.LabelProbability;
import dev.loopline.avro.LabeledExample;
import dev.loopline.avro.Prediction;
import dev.loopline.feedback.topology.FeedbackStores;
import dev.loopline.feedback.topology.Stats;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.kstream.Windowed;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.apache.kafka.streams.state.ReadOnlyWindowStore;

/**
 * The collector's read API over its state stores (interactive queries): running stats per model
 * version and label, confusion counts, open triage items and recent feedback. Answers plain records
 * that serialize to JSON, so the HTTP layer (and the ops console built on it) holds no logic.
 *
 * <p>Each instance answers for the partitions it hosts; with several instances a caller merges
 * their answers (counts add up).
 */
public final class FeedbackQueries {

  private final StoreAccess stores;

  public FeedbackQueries(StoreAccess stores) {
    this.stores = stores;
  }

  /** Counts of one model version over a time range (or one window of it). */
  public record VersionStats(
      String model,
      int version,
      String from,
      long predictions,
      long labeled,
      long wrong,
      long implicit,
      double correctionRate,
      Double accuracyOnLabeled,
      Double meanTimeToCorrectionMs,
      List<VersionStats> windows) {}

  /** One cell of a confusion matrix. */
  public record Cell(String predicted, String actual, long count) {}

  /** Per-label counts of one version; precision and recall over labeled examples. */
  public record LabelStats(
      String label,
      long predicted,
      long labeledPredicted,
      long labeledActual,
      long truePositive,
      Double precision,
      Double recall) {}

  /** The confusion matrix and per-label stats of one version over a time range. */
  public record Confusion(
      String version, List<String> labels, List<Cell> cells, List<LabelStats> perLabel) {}

  /** An open triage item, with the event text when it is still held. */
  public record TriageItem(
      String eventId,
      String text,
      Map<String, String> attributes,
      String occurredAt,
      String model,
      int version,
      String topLabel,
      double topProbability,
      List<Map<String, Object>> probabilities,
      boolean audit) {}

  /** A recently written feedback record (text filled in from the held event, if any). */
  public record RecentFeedback(
      String writtenAt,
      String eventId,
      String text,
      String label,
      String source,
      String labeledBy,
      String labeledAt,
      String predictedLabel,
      Double predictedProbability,
      String predictedBy,
      Boolean correct) {}

  /**
   * One ticket as the collector holds it: the event (while retained) and the latest prediction, and
   * whether it waits in triage. The console's confirm / re-route form starts from this.
   */
  public record Ticket(
      String eventId,
      String text,
      Map<String, String> attributes,
      String occurredAt,
      String model,
      Integer version,
      String topLabel,
      Double topProbability,
      List<Map<String, Object>> probabilities,
      String decision,
      String route,
      boolean audit,
      boolean inTriage) {}

  /** The ticket {@code eventId} if this instance holds its event or prediction. */
  public java.util.Optional<Ticket> ticket(String eventId) {
    ReadOnlyKeyValueStore<String, Event> events = stores.keyValue(FeedbackStores.EVENTS);
    ReadOnlyKeyValueStore<String, Prediction> predictions =
        stores.keyValue(FeedbackStores.PREDICTIONS);
    ReadOnlyKeyValueStore<String, Prediction> triage = stores.keyValue(FeedbackStores.TRIAGE);
    Event e = events.get(eventId);
    Prediction p = predictions.get(eventId);
    if (e == null && p == null) {
      return java.util.Optional.empty();
    }
    List<Map<String, Object>> probs = new ArrayList<>();
    if (p != null) {
      for (LabelProbability lp : p.getProbabilities()) {
        probs.add(Map.of("label", lp.getLabel(), "probability", lp.getProbability()));
      }
    }
    return java.util.Optional.of(
        new Ticket(
            eventId,
            e == null ? null : e.getText(),
            e == null ? Map.of() : e.getAttributes(),
            (e != null ? e.getOccurredAt() : p.getOccurredAt()).toString(),
            p == null ? null : p.getModelName(),
            p == null ? null : p.getModelVersion(),
            p == null ? null : p.getTopLabel(),
            p == null ? null : p.getTopProbability(),
            probs,
            p == null ? null : p.getDecision(),
            p == null ? null : p.getRoute(),
            p != null && p.getAudit(),
            triage.get(eventId) != null));
  }

  /** Stats per model version between {@code from} and {@code to} (window start times). */
  public List<VersionStats> versions(Instant from, Instant to) {
    ReadOnlyWindowStore<String, long[]> store = stores.window(FeedbackStores.STATS_VERSIONS);
    Map<String, long[]> totals = new TreeMap<>();
    Map<String, List<KeyValue<Long, long[]>>> windows = new TreeMap<>();
    try (KeyValueIterator<Windowed<String>, long[]> it = store.fetchAll(from, to)) {
      while (it.hasNext()) {
        KeyValue<Windowed<String>, long[]> kv = it.next();
        String key = kv.key.key();
        long[] sum = totals.computeIfAbsent(key, k -> new long[Stats.VERSION_FIELDS]);
        for (int i = 0; i < Math.min(sum.length, kv.value.length); i++) {
          sum[i] += kv.value[i];
        }
        windows
            .computeIfAbsent(key, k -> new ArrayList<>())
            .add(KeyValue.pair(kv.key.window().start(), kv.value));
      }
    }
    List<VersionStats> out = new ArrayList<>();
    totals.forEach(
        (key, sum) -> {
          int colon = key.lastIndexOf(':');
          String model = key.substring(0, colon);
          int version = Integer.parseInt(key.substring(colon + 1));
          List<VersionStats> series = new ArrayList<>();
          windows.get(key).stream()
              .sorted(Comparator.comparingLong(w -> w.key))
              .forEach(
                  w ->
                      series.add(
                          versionStats(
                              model,
                              version,
                              Instant.ofEpochMilli(w.key).toString(),
                              w.value,
                              List.of())));
          out.add(versionStats(model, version, from.toString(), sum, series));
        });
    out.sort(Comparator.comparing(VersionStats::model).thenComparingInt(VersionStats::version));
    return out;
  }

  private static VersionStats versionStats(
      String model, int version, String from, long[] c, List<VersionStats> windows) {
    long predictions = c[Stats.PREDICTIONS];
    long labeled = c[Stats.LABELED];
    long wrong = c[Stats.WRONG];
    return new VersionStats(
        model,
        version,
        from,
        predictions,
        labeled,
        wrong,
        c[Stats.IMPLICIT],
        predictions == 0 ? 0.0 : (double) wrong / predictions,
        labeled == 0 ? null : (double) (labeled - wrong) / labeled,
        c[Stats.TTC_COUNT] == 0 ? null : (double) c[Stats.TTC_SUM_MS] / c[Stats.TTC_COUNT],
        windows);
  }

  /** Confusion counts and per-label stats of {@code versionKey} ({@code model:version}). */
  public Confusion confusion(String versionKey, Instant from, Instant to) {
    String prefix = versionKey + Stats.SEP;
    Map<String, Long> cells = new TreeMap<>();
    TreeSet<String> labels = new TreeSet<>();
    ReadOnlyWindowStore<String, long[]> confusion = stores.window(FeedbackStores.STATS_CONFUSION);
    try (KeyValueIterator<Windowed<String>, long[]> it = confusion.fetchAll(from, to)) {
      while (it.hasNext()) {
        KeyValue<Windowed<String>, long[]> kv = it.next();
        if (kv.key.key().startsWith(prefix)) {
          cells.merge(kv.key.key().substring(prefix.length()), kv.value[0], Long::sum);
        }
      }
    }
    List<Cell> cellList = new ArrayList<>();
    cells.forEach(
        (k, n) -> {
          if (n != 0) {
            String[] parts = k.split(String.valueOf(Stats.SEP), 2);
            labels.add(parts[0]);
            labels.add(parts[1]);
            cellList.add(new Cell(parts[0], parts[1], n));
          }
        });
    Map<String, long[]> perLabel = new TreeMap<>();
    ReadOnlyWindowStore<String, long[]> labelStore = stores.window(FeedbackStores.STATS_LABELS);
    try (KeyValueIterator<Windowed<String>, long[]> it = labelStore.fetchAll(from, to)) {
      while (it.hasNext()) {
        KeyValue<Windowed<String>, long[]> kv = it.next();
        if (kv.key.key().startsWith(prefix)) {
          long[] sum =
              perLabel.computeIfAbsent(
                  kv.key.key().substring(prefix.length()), k -> new long[Stats.LABEL_FIELDS]);
          for (int i = 0; i < Math.min(sum.length, kv.value.length); i++) {
            sum[i] += kv.value[i];
          }
        }
      }
    }
    List<LabelStats> labelStats = new ArrayList<>();
    perLabel.forEach(
        (label, c) -> {
          if (java.util.Arrays.stream(c).allMatch(n -> n == 0)) {
            return; // a count that was moved away by a superseding correction
          }
          labels.add(label);
          long tp = c[Stats.TRUE_POSITIVE];
          labelStats.add(
              new LabelStats(
                  label,
                  c[Stats.PREDICTED],
                  c[Stats.LABELED_PREDICTED],
                  c[Stats.LABELED_ACTUAL],
                  tp,
                  c[Stats.LABELED_PREDICTED] == 0 ? null : (double) tp / c[Stats.LABELED_PREDICTED],
                  c[Stats.LABELED_ACTUAL] == 0 ? null : (double) tp / c[Stats.LABELED_ACTUAL]));
        });
    return new Confusion(versionKey, List.copyOf(labels), cellList, labelStats);
  }

  /**
   * Open triage items (routed to triage, no correction yet), oldest first, at most {@code limit}.
   */
  public List<TriageItem> openTriage(int limit) {
    ReadOnlyKeyValueStore<String, Prediction> triage = stores.keyValue(FeedbackStores.TRIAGE);
    ReadOnlyKeyValueStore<String, Event> events = stores.keyValue(FeedbackStores.EVENTS);
    List<TriageItem> out = new ArrayList<>();
    try (KeyValueIterator<String, Prediction> it = triage.all()) {
      while (it.hasNext()) {
        KeyValue<String, Prediction> kv = it.next();
        Prediction p = kv.value;
        Event e = events.get(kv.key);
        List<Map<String, Object>> probs = new ArrayList<>();
        for (LabelProbability lp : p.getProbabilities()) {
          probs.add(Map.of("label", lp.getLabel(), "probability", lp.getProbability()));
        }
        out.add(
            new TriageItem(
                kv.key,
                e == null ? null : e.getText(),
                e == null ? Map.of() : e.getAttributes(),
                (e == null ? p.getOccurredAt() : e.getOccurredAt()).toString(),
                p.getModelName(),
                p.getModelVersion(),
                p.getTopLabel(),
                p.getTopProbability(),
                probs,
                p.getAudit()));
      }
    }
    out.sort(Comparator.comparing(TriageItem::occurredAt).thenComparing(TriageItem::eventId));
    return out.size() > limit ? out.subList(0, limit) : out;
  }

  /** The most recently written feedback records, newest first, at most {@code limit}. */
  public List<RecentFeedback> recentFeedback(int limit) {
    ReadOnlyKeyValueStore<Bytes, LabeledExample> recent = stores.keyValue(FeedbackStores.RECENT);
    ReadOnlyKeyValueStore<String, Event> events = stores.keyValue(FeedbackStores.EVENTS);
    List<RecentFeedback> out = new ArrayList<>();
    try (KeyValueIterator<Bytes, LabeledExample> it = recent.reverseAll()) {
      while (it.hasNext() && out.size() < limit) {
        KeyValue<Bytes, LabeledExample> kv = it.next();
        long writtenAt = java.nio.ByteBuffer.wrap(kv.key.get()).getLong();
        LabeledExample x = kv.value;
        Event e = events.get(x.getEventId());
        out.add(
            new RecentFeedback(
                Instant.ofEpochMilli(writtenAt).toString(),
                x.getEventId(),
                e == null ? null : e.getText(),
                x.getLabel(),
                x.getSource().name(),
                x.getLabeledBy(),
                x.getLabeledAt().toString(),
                x.getPredictedLabel(),
                x.getPredictedProbability(),
                x.getPredictedByModel() == null
                    ? null
                    : x.getPredictedByModel() + ":" + x.getPredictedByVersion(),
                x.getCorrect()));
      }
    }
    return out;
  }
}
