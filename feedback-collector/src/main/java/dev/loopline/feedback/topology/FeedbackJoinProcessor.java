package dev.loopline.feedback.topology;

import dev.loopline.avro.Correction;
import dev.loopline.avro.Event;
import dev.loopline.avro.Forgotten;
import dev.loopline.avro.LabelSource;
import dev.loopline.avro.LabeledExample;
import dev.loopline.avro.Prediction;
import dev.loopline.feedback.CollectorConfig;
import dev.loopline.feedback.topology.CorrectionState.Emitted;
import dev.loopline.topics.Topics;
import io.micrometer.core.instrument.Counter;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.TimestampedKeyValueStore;
import org.apache.kafka.streams.state.ValueAndTimestamp;
import org.apache.kafka.streams.state.WindowStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The join, as one processor over all inputs keyed by event id. Held state lives in stores; every
 * held thing has a deadline in the expiry index, and a stream-time punctuator acts on due
 * deadlines. Lookups also check deadlines, so an entry past its deadline is never joined even
 * before the punctuator has run: retention boundaries depend only on record timestamps.
 *
 * <p>"now" is the task's stream time (the largest record timestamp seen), never the wall clock.
 */
final class FeedbackJoinProcessor implements Processor<String, Input, String, Output> {

  private static final Logger log = LoggerFactory.getLogger(FeedbackJoinProcessor.class);

  /** Expiry index kinds (the first key byte). */
  static final byte EVENT = 'E';

  static final byte PREDICTION = 'P';
  static final byte TRIAGE = 'T';
  static final byte GRACE = 'G';
  static final byte IMPLICIT = 'I';
  static final byte CORRECTION = 'W';
  private static final byte[] KINDS = {GRACE, IMPLICIT, CORRECTION, EVENT, PREDICTION, TRIAGE};
  private static final byte[] PRESENT = {1};

  static final String IMPLICIT_AGENT = "loopline-implicit";

  private final CollectorConfig config;
  private final Topics topics;
  private final CollectorMetrics metrics;
  private final long retention;
  private final long grace;
  private final long implicitWindow;
  private final long statsWindow;
  private final long recentRetention;

  private ProcessorContext<String, Output> context;
  private TimestampedKeyValueStore<String, Event> events;
  private TimestampedKeyValueStore<String, Prediction> predictions;
  private TimestampedKeyValueStore<String, Prediction> triage;
  private KeyValueStore<String, CorrectionState> corrections;
  private KeyValueStore<String, Long> forgotten;
  private KeyValueStore<Bytes, byte[]> expiry;
  private KeyValueStore<Bytes, LabeledExample> recent;
  private WindowStore<String, long[]> statsVersions;
  private WindowStore<String, long[]> statsLabels;
  private WindowStore<String, long[]> statsConfusion;

  FeedbackJoinProcessor(CollectorConfig config, Topics topics, CollectorMetrics metrics) {
    this.config = config;
    this.topics = topics;
    this.metrics = metrics;
    this.retention = config.retention().toMillis();
    this.grace = config.predictionGrace().toMillis();
    this.implicitWindow = config.implicitWindow().toMillis();
    this.statsWindow = config.statsWindow().toMillis();
    this.recentRetention = config.recentRetention().toMillis();
  }

  @Override
  public void init(ProcessorContext<String, Output> context) {
    this.context = context;
    events = FeedbackStores.timestamped(context.getStateStore(FeedbackStores.EVENTS));
    predictions = FeedbackStores.timestamped(context.getStateStore(FeedbackStores.PREDICTIONS));
    triage = FeedbackStores.timestamped(context.getStateStore(FeedbackStores.TRIAGE));
    corrections = FeedbackStores.kv(context.getStateStore(FeedbackStores.CORRECTIONS));
    forgotten = FeedbackStores.kv(context.getStateStore(FeedbackStores.FORGOTTEN));
    expiry = FeedbackStores.kv(context.getStateStore(FeedbackStores.EXPIRY));
    recent = FeedbackStores.kv(context.getStateStore(FeedbackStores.RECENT));
    statsVersions = context.getStateStore(FeedbackStores.STATS_VERSIONS);
    statsLabels = context.getStateStore(FeedbackStores.STATS_LABELS);
    statsConfusion = context.getStateStore(FeedbackStores.STATS_CONFUSION);
    context.schedule(config.punctuateInterval(), PunctuationType.STREAM_TIME, this::expire);
  }

  @Override
  public void process(Record<String, Input> record) {
    Input in = record.value();
    if (in == null || in.value() == null) {
      return; // tombstones on inputs carry nothing to join
    }
    long now = Math.max(context.currentStreamTimeMs(), record.timestamp());
    long ts = record.timestamp();
    switch (in.kind()) {
      case EVENT -> onEvent(record.key(), (Event) in.value(), ts, now);
      case PREDICTION -> onPrediction(record.key(), (Prediction) in.value(), ts, now);
      case TRIAGE -> onTriage(record.key(), (Prediction) in.value(), ts, now);
      case CORRECTION -> onCorrection(record.key(), (Correction) in.value(), now);
      case FORGOTTEN -> onForgotten(record.key(), (Forgotten) in.value(), now);
      default -> throw new IllegalStateException("unknown input " + in.kind());
    }
  }

  // ---------------------------------------------------------------- inputs

  private void onEvent(String key, Event event, long ts, long now) {
    String id = requireKey(key, event.getId(), "event");
    metrics.events.increment();
    if (forgotten.get(id) != null) {
      log.info("Not holding event {}: it was forgotten on request", id);
      return;
    }
    if (now > ts + retention) {
      expired(metrics.expiredEvents, "event", id, ts, now);
      return; // already older than the retention: nothing could join it
    }
    events.put(id, ValueAndTimestamp.make(event, ts));
    index(EVENT, ts + retention, id);
    CorrectionState state = liveState(id, now);
    if (state != null) {
      tryEmit(id, state, now, false);
    }
  }

  private void onPrediction(String key, Prediction p, long ts, long now) {
    String id = requireKey(key, p.getEventId(), "prediction");
    if (p.getShadow()) {
      return; // shadow scorings never served
    }
    metrics.predictions.increment();
    if (forgotten.get(id) != null) {
      return;
    }
    ValueAndTimestamp<Prediction> previous = predictions.get(id);
    boolean sameServing =
        previous != null
            && previous.value().getModelName().equals(p.getModelName())
            && previous.value().getModelVersion() == p.getModelVersion();
    if (!sameServing) {
      String v = Stats.versionKey(p.getModelName(), p.getModelVersion());
      long w = windowStart(ts);
      add(statsVersions, v, w, Stats.PREDICTIONS, Stats.VERSION_FIELDS, 1);
      add(
          statsLabels,
          Stats.labelKey(v, p.getTopLabel()),
          w,
          Stats.PREDICTED,
          Stats.LABEL_FIELDS,
          1);
    }
    if (now > ts + retention) {
      expired(metrics.expiredPredictions, "prediction", id, ts, now);
      return;
    }
    predictions.put(id, ValueAndTimestamp.make(p, ts));
    index(PREDICTION, ts + retention, id);
    if (config.implicitEnabled() && autoRouted(p)) {
      index(IMPLICIT, ts + implicitWindow, id);
    }
    CorrectionState state = liveState(id, now);
    if (state != null) {
      tryEmit(id, state, now, false);
    }
  }

  private void onTriage(String key, Prediction p, long ts, long now) {
    String id = requireKey(key, p.getEventId(), "triage item");
    metrics.triageItems.increment();
    if (forgotten.get(id) != null) {
      return;
    }
    if (now > ts + retention) {
      expired(metrics.expiredTriage, "triage item", id, ts, now);
      return;
    }
    CorrectionState state = liveState(id, now);
    if (state != null && state.winner().getSource() != LabelSource.IMPLICIT) {
      return; // already resolved (the correction overtook the triage record)
    }
    triage.put(id, ValueAndTimestamp.make(p, ts));
    index(TRIAGE, ts + retention, id);
  }

  /**
   * A record that arrived already older than the retention (by stream time, e.g. a replay of old
   * history behind newer records) is not held: counted, and logged on the first and every 10,000th
   * occurrence so a replay cannot flood the log.
   */
  private static void expired(Counter counter, String what, String id, long ts, long now) {
    counter.increment();
    long n = (long) counter.count();
    if (n == 1 || n % 10_000 == 0) {
      log.warn(
          "Not holding {} {}: its timestamp {} is older than the retention at stream time {}"
              + " ({} such records so far; metric loopline_collector_records_expired)",
          what,
          id,
          java.time.Instant.ofEpochMilli(ts),
          java.time.Instant.ofEpochMilli(now),
          n);
    }
  }

  private void onCorrection(String key, Correction c, long now) {
    String id = requireKey(key, c.getEventId(), "correction");
    if (c.getLabel() == null || c.getLabel().isBlank()) {
      throw new InvalidRecordException("correction for event " + id + " has no label");
    }
    if (c.getCorrectedAt() == null) {
      throw new InvalidRecordException("correction for event " + id + " has no correctedAt");
    }
    metrics.corrections.increment();
    if (forgotten.get(id) != null) {
      metrics.droppedForgotten.increment();
      log.info("Ignoring correction for event {}: it was forgotten on request", id);
      return;
    }
    long offset = context.recordMetadata().map(RecordMetadata::offset).orElse(-1L);
    CorrectionState previous = liveState(id, now);
    if (previous != null && !previous.losesTo(c, offset)) {
      metrics.superseded.increment();
      log.debug(
          "Correction for {} at {} (offset {}) loses to the one at {} (offset {})",
          id,
          c.getCorrectedAt(),
          offset,
          previous.winner().getCorrectedAt(),
          previous.offset());
      return;
    }
    if (triage.get(id) != null) {
      triage.delete(id); // resolved; a get first spares a changelog tombstone per correction
    }
    CorrectionState state =
        new CorrectionState(c, offset, now, false, previous == null ? null : previous.emitted());
    corrections.put(id, state);
    index(CORRECTION, now + retention, id);
    if (!tryEmit(id, state, now, false)) {
      metrics.held.increment();
    }
  }

  private void onForgotten(String key, Forgotten f, long now) {
    String id = requireKey(key, f.getEventId(), "forgotten marker");
    metrics.forgotten.increment();
    forgotten.put(id, f.getRequestedAt() == null ? now : f.getRequestedAt().toEpochMilli());
    events.delete(id);
    predictions.delete(id);
    triage.delete(id);
    corrections.delete(id);
    metrics.tombstones.increment();
    context.forward(new Record<>(id, new Output(Output.Kind.FEEDBACK, null), now));
    log.info("Forgot event {}: held text removed, feedback tombstoned", id);
  }

  // ---------------------------------------------------------------- join

  /**
   * Writes the feedback record for {@code state} if the event is known and either the prediction is
   * known, its grace has passed, or {@code force}; and only if it differs from what was written.
   *
   * @return whether the correction is joined (written now or before)
   */
  private boolean tryEmit(String id, CorrectionState state, long now, boolean force) {
    ValueAndTimestamp<Event> event = visible(events, id, now);
    if (event == null) {
      return false; // held until the event arrives, or expires to unmatched
    }
    ValueAndTimestamp<Prediction> prediction = visible(predictions, id, now);
    if (prediction == null && !force) {
      long graceDeadline = event.timestamp() + grace;
      if (now <= graceDeadline) {
        index(GRACE, graceDeadline, id);
        return false; // the prediction is normally moments behind the event: wait for it
      }
    }
    Correction c = state.winner();
    Prediction p = prediction == null ? null : prediction.value();
    Emitted next =
        new Emitted(
            c.getLabel(),
            c.getSource(),
            c.getCorrectedAt().toEpochMilli(),
            p == null ? null : p.getModelName(),
            p == null ? 0 : p.getModelVersion(),
            p == null ? null : p.getTopLabel(),
            prediction == null ? 0L : prediction.timestamp());
    if (state.winnerEmitted() && next.equals(state.emitted())) {
      return true;
    }
    Event e = event.value();
    LabeledExample example =
        LabeledExample.newBuilder()
            .setEventId(id)
            .setText(e.getText())
            .setAttributes(e.getAttributes() == null ? Map.of() : e.getAttributes())
            .setOccurredAt(e.getOccurredAt())
            .setLabel(c.getLabel())
            .setSource(c.getSource())
            .setLabeledBy(c.getAgent())
            .setLabeledAt(c.getCorrectedAt())
            .setPredictedLabel(p == null ? null : p.getTopLabel())
            .setPredictedProbability(p == null ? null : p.getTopProbability())
            .setPredictedByModel(p == null ? null : p.getModelName())
            .setPredictedByVersion(p == null ? null : p.getModelVersion())
            .setPredictedDecision(p == null ? null : p.getDecision())
            .setCorrect(p == null ? null : p.getTopLabel().equals(c.getLabel()))
            .build();
    Emitted before = state.emitted();
    if (before != null) {
      applyStats(before, -1);
      metrics.feedbackUpdated.increment();
    } else if (c.getSource() == LabelSource.IMPLICIT) {
      metrics.feedbackImplicit.increment();
    } else {
      metrics.feedbackJoined.increment();
    }
    applyStats(next, +1);
    if (before == null && next.hasPrediction() && next.source() != LabelSource.IMPLICIT) {
      long ttc = next.correctedAt() - next.predictedAt();
      if (ttc >= 0) {
        metrics.timeToCorrection.record(ttc);
      }
    }
    LabeledExample summary =
        LabeledExample.newBuilder(example).setText("").setAttributes(Map.of()).build();
    recent.put(FeedbackStores.recentKey(now, id), summary);
    corrections.put(id, state.withEmitted(next));
    context.forward(new Record<>(id, new Output(Output.Kind.FEEDBACK, example), now));
    return true;
  }

  /**
   * The live correction state of {@code id}: null if none, or if it is past its deadline, in which
   * case it is retired now (a never-joined winner goes to the unmatched topic).
   */
  private CorrectionState liveState(String id, long now) {
    CorrectionState state = corrections.get(id);
    if (state == null || now <= state.arrivedAt() + retention) {
      return state;
    }
    retire(id, state, now);
    return null;
  }

  private void retire(String id, CorrectionState state, long now) {
    corrections.delete(id);
    if (!state.winnerEmitted() && state.winner().getSource() != LabelSource.IMPLICIT) {
      metrics.unmatched.increment();
      log.info(
          "Correction for event {} (label {}, by {}) matched no event within {}: to {}",
          id,
          state.winner().getLabel(),
          state.winner().getAgent(),
          config.retention(),
          topics.correctionsUnmatched());
      context.forward(new Record<>(id, new Output(Output.Kind.UNMATCHED, state.winner()), now));
    }
  }

  // ---------------------------------------------------------------- expiry

  private void expire(long now) {
    for (byte kind : KINDS) {
      List<KeyValue<Bytes, byte[]>> due = new ArrayList<>();
      try (KeyValueIterator<Bytes, byte[]> it =
          expiry.range(indexKey(kind, 0L, null), indexKey(kind, now, null))) {
        it.forEachRemaining(due::add);
      }
      for (KeyValue<Bytes, byte[]> entry : due) {
        ByteBuffer buf = ByteBuffer.wrap(entry.key.get());
        buf.get();
        long deadline = buf.getLong();
        String id = StandardCharsets.UTF_8.decode(buf).toString();
        expiry.delete(entry.key);
        onDeadline(kind, deadline, id, now);
      }
    }
    try (KeyValueIterator<Bytes, LabeledExample> it =
        recent.range(FeedbackStores.timeKey(0L), FeedbackStores.timeKey(now - recentRetention))) {
      List<Bytes> old = new ArrayList<>();
      it.forEachRemaining(kv -> old.add(kv.key));
      old.forEach(recent::delete);
    }
  }

  private void onDeadline(byte kind, long deadline, String id, long now) {
    switch (kind) {
      case EVENT -> dropIfDue(events, id, deadline, retention);
      case PREDICTION -> dropIfDue(predictions, id, deadline, retention);
      case TRIAGE -> dropIfDue(triage, id, deadline, retention);
      case GRACE -> {
        CorrectionState state = corrections.get(id);
        if (state != null && !state.winnerEmitted() && now <= state.arrivedAt() + retention) {
          tryEmit(id, state, now, true);
        }
      }
      case IMPLICIT -> confirmImplicitly(id, deadline, now);
      case CORRECTION -> {
        CorrectionState state = corrections.get(id);
        if (state != null && state.arrivedAt() + retention == deadline) {
          retire(id, state, now);
        }
      }
      default -> throw new IllegalStateException("unknown index kind " + kind);
    }
  }

  private static <V> void dropIfDue(
      TimestampedKeyValueStore<String, V> store, String id, long deadline, long ttl) {
    ValueAndTimestamp<V> v = store.get(id);
    if (v != null && v.timestamp() + ttl <= deadline) {
      store.delete(id);
    }
  }

  private void confirmImplicitly(String id, long deadline, long now) {
    ValueAndTimestamp<Prediction> prediction = predictions.get(id);
    if (prediction == null || prediction.timestamp() + implicitWindow != deadline) {
      return; // re-scored since, or gone
    }
    if (corrections.get(id) != null || visible(events, id, now) == null) {
      return; // a human had a say, or there is no text to learn from
    }
    Prediction p = prediction.value();
    Correction confirmation =
        Correction.newBuilder()
            .setEventId(id)
            .setLabel(p.getTopLabel())
            .setAgent(IMPLICIT_AGENT)
            .setCorrectedAt(Instant.ofEpochMilli(deadline))
            .setSource(LabelSource.IMPLICIT)
            .setNote("auto-routed, no correction within " + config.implicitWindow())
            .build();
    CorrectionState state = new CorrectionState(confirmation, -1L, now, false, null);
    corrections.put(id, state);
    index(CORRECTION, now + retention, id);
    tryEmit(id, state, now, true);
  }

  // ---------------------------------------------------------------- helpers

  private <V> ValueAndTimestamp<V> visible(
      TimestampedKeyValueStore<String, V> store, String id, long now) {
    ValueAndTimestamp<V> v = store.get(id);
    if (v == null) {
      return null;
    }
    if (now > v.timestamp() + retention) {
      store.delete(id);
      return null;
    }
    return v;
  }

  private boolean autoRouted(Prediction p) {
    return p.getRoute() != null && p.getRoute().startsWith(topics.routedPrefix()) && !p.getAudit();
  }

  private void index(byte kind, long deadline, String id) {
    expiry.put(indexKey(kind, deadline, id), PRESENT);
  }

  static Bytes indexKey(byte kind, long deadline, String id) {
    byte[] idBytes = id == null ? new byte[0] : id.getBytes(StandardCharsets.UTF_8);
    return Bytes.wrap(
        ByteBuffer.allocate(1 + Long.BYTES + idBytes.length)
            .put(kind)
            .putLong(Math.max(0L, deadline))
            .put(idBytes)
            .array());
  }

  private long windowStart(long ts) {
    return ts - Math.floorMod(ts, statsWindow);
  }

  private void applyStats(Emitted e, int sign) {
    if (!e.hasPrediction()) {
      return; // not attributable to a version
    }
    String v = Stats.versionKey(e.modelName(), e.modelVersion());
    long w = windowStart(e.predictedAt());
    if (e.source() == LabelSource.IMPLICIT) {
      add(statsVersions, v, w, Stats.IMPLICIT, Stats.VERSION_FIELDS, sign);
      return;
    }
    boolean right = e.label().equals(e.predictedLabel());
    long[] d = new long[Stats.VERSION_FIELDS];
    d[Stats.LABELED] = sign;
    d[Stats.WRONG] = right ? 0 : sign;
    long ttc = e.correctedAt() - e.predictedAt();
    if (ttc >= 0) {
      d[Stats.TTC_SUM_MS] = sign * ttc;
      d[Stats.TTC_COUNT] = sign;
    }
    add(statsVersions, v, w, d);
    add(
        statsLabels,
        Stats.labelKey(v, e.predictedLabel()),
        w,
        Stats.LABELED_PREDICTED,
        Stats.LABEL_FIELDS,
        sign);
    long[] actual = new long[Stats.LABEL_FIELDS];
    actual[Stats.LABELED_ACTUAL] = sign;
    actual[Stats.TRUE_POSITIVE] = right ? sign : 0;
    add(statsLabels, Stats.labelKey(v, e.label()), w, actual);
    add(statsConfusion, Stats.confusionKey(v, e.predictedLabel(), e.label()), w, 0, 1, sign);
  }

  private static void add(
      WindowStore<String, long[]> store, String key, long w, int field, int width, long delta) {
    long[] d = new long[width];
    d[field] = delta;
    add(store, key, w, d);
  }

  private static void add(WindowStore<String, long[]> store, String key, long w, long[] delta) {
    long[] current = store.fetch(key, w);
    long[] next = current == null ? new long[delta.length] : current.clone();
    if (next.length < delta.length) {
      next = java.util.Arrays.copyOf(next, delta.length);
    }
    for (int i = 0; i < delta.length; i++) {
      next[i] += delta[i];
    }
    store.put(key, next, w);
  }

  private static String requireKey(String key, String id, String what) {
    if (id == null || id.isBlank()) {
      throw new InvalidRecordException(what + " with key " + key + " has no event id");
    }
    if (key == null) {
      throw new InvalidRecordException(what + " for event " + id + " has no key");
    }
    if (!key.equals(id)) {
      throw new InvalidRecordException(
          what + " key '" + key + "' does not match its event id '" + id + "'");
    }
    return id;
  }
}
