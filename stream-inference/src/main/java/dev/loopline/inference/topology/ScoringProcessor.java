package dev.loopline.inference.topology;

import dev.loopline.avro.Event;
import dev.loopline.avro.LabelProbability;
import dev.loopline.avro.Prediction;
import dev.loopline.inference.model.Models;
import dev.loopline.inference.model.ServingModel;
import dev.loopline.inference.ops.ScoringMetrics;
import dev.loopline.model.policy.Decision;
import dev.loopline.model.policy.DecisionPolicy;
import dev.loopline.topics.Topics;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.internals.InternalProcessorContext;
import org.apache.kafka.streams.processor.internals.ProcessorNode;
import org.apache.kafka.streams.processor.internals.ProcessorRecordContext;

/**
 * Validates each event, buffers it, and scores the buffer as one model call when it is full, when
 * its oldest event has waited {@code maxWait}, or when Kafka Streams commits (see {@link
 * CommitFlushedBuffer}). Every scored event yields one {@link Prediction} to {@code predictions}
 * and one to its route ({@code routed.<slug>} or {@code triage}); a sampled share is also scored by
 * the shadow version, if any, to {@code predictions.shadow}.
 *
 * <p>With model threads (an {@link Executor}), every batch is featurized and scored on a model
 * thread while the stream thread goes on polling, decoding, validating and writing. A task may have
 * up to {@link #MAX_IN_FLIGHT} batches in flight; their outputs are written on the stream thread,
 * strictly oldest first, as soon as they are done (checked whenever a batch fills and on every
 * wall-clock tick), when a full task must wait for its oldest, and on the commit path, which hands
 * over what is left in the buffer and then waits for all of them. So a partition's outputs keep
 * their input order, each batch holds the model it was handed with (a swap switches versions at one
 * point per partition), and nothing is committed before it is written. A dirty close drops the
 * batches in flight with the buffer and the uncommitted offsets. Without model threads every batch
 * is scored on the stream thread.
 *
 * <p>Records are forwarded with the record context they arrived with (topic, partition, offset,
 * timestamp, headers), also when the flush runs on the commit path where Kafka Streams has no
 * current record; that needs its internal processor context, as its own record caches do.
 */
final class ScoringProcessor implements Processor<String, Event, String, Encoded> {

  /** A buffered event and the context (timestamp, headers, source offset) it arrived with. */
  record Pending(Event event, ProcessorRecordContext context, long arrivedMs) {}

  /** Probabilities of one batch and how long featurize + predict took. */
  private record Scores(float[][] probs, long nanos) {}

  /** A batch on a model thread: its model (for labels and metadata) and the result to come. */
  private record InFlight(
      List<Pending> batch, ServingModel model, String reason, CompletableFuture<Scores> scores) {}

  /**
   * Batches a task may have on model threads at once: enough for the stream thread to go on
   * polling, decoding and writing while the model threads work through a task's backlog; the commit
   * path waits for all of them.
   */
  static final int MAX_IN_FLIGHT = 4;

  private final String storeName;
  private final Models models;
  private final DecisionPolicy policy;
  private final Topics topics;
  private final EventValidator validator;
  private final ScoringMetrics metrics;
  private final Clock clock;
  private final int maxBatch;
  private final long maxWaitMs;
  private final PredictionEncoder encoder;
  private final String predictionsTopic;
  private final Executor modelThreads;

  /**
   * Route topic per label: {@link Topics#routed} slugs the label with two regular expressions,
   * which cost more per event than the rest of the routing; labels are few.
   */
  private final Map<String, String> routedTopics = new HashMap<>();

  private ProcessorContext<String, Encoded> context;
  private InternalProcessorContext<String, Encoded> internal;
  private ProcessorNode<?, ?, ?, ?> node;
  private CommitFlushedBuffer<Pending> buffer;

  /** Batches on model threads, oldest first; written strictly in this order. */
  private final ArrayDeque<InFlight> inFlight = new ArrayDeque<>();

  ScoringProcessor(
      String storeName,
      Models models,
      DecisionPolicy policy,
      Topics topics,
      EventValidator validator,
      ScoringMetrics metrics,
      Clock clock,
      int maxBatch,
      long maxWaitMs,
      PredictionEncoder encoder,
      Executor modelThreads) {
    this.storeName = storeName;
    this.models = models;
    this.policy = policy;
    this.topics = topics;
    this.validator = validator;
    this.metrics = metrics;
    this.clock = clock;
    this.maxBatch = maxBatch;
    this.maxWaitMs = maxWaitMs;
    this.encoder = encoder;
    this.predictionsTopic = topics.predictions();
    this.modelThreads = modelThreads;
  }

  @Override
  @SuppressWarnings("unchecked")
  public void init(ProcessorContext<String, Encoded> context) {
    this.context = context;
    this.internal = (InternalProcessorContext<String, Encoded>) context;
    this.node = internal.currentNode();
    this.buffer = context.getStateStore(storeName);
    buffer.bind(() -> flush("commit"));
    long tick = Math.max(1, Math.min(maxWaitMs / 2, 1_000));
    context.schedule(Duration.ofMillis(tick), PunctuationType.WALL_CLOCK_TIME, this::flushIfDue);
  }

  @Override
  public void process(Record<String, Event> record) {
    validator.validate(record.key(), record.value());
    ProcessorRecordContext rc = internal.recordContext();
    // Keep only what forwarding needs: not the raw source bytes.
    ProcessorRecordContext light =
        new ProcessorRecordContext(
            rc.timestamp(), rc.offset(), rc.partition(), rc.topic(), rc.headers());
    buffer.add(new Pending(record.value(), light, context.currentSystemTimeMs()));
    metrics.pendingDelta(1);
    if (buffer.size() >= maxBatch) {
      if (modelThreads == null) {
        flush("size");
      } else {
        dispatch();
      }
    }
  }

  /**
   * Writes the batches in flight that are done (and waits for the oldest when the task already has
   * {@link #MAX_IN_FLIGHT}), then hands the full buffer to a model thread.
   */
  private void dispatch() {
    completeDone();
    if (inFlight.size() >= MAX_IN_FLIGHT) {
      completeOldest();
    }
    dispatch(buffer.drain(), "size");
  }

  /** Hands {@code batch} to a model thread; its outputs are written by {@link #completeOldest}. */
  private void dispatch(List<Pending> batch, String reason) {
    ServingModel model = acquireServing(batch.size());
    CompletableFuture<Scores> scores;
    try {
      scores =
          CompletableFuture.supplyAsync(
              () -> {
                try {
                  return featurizeAndPredict(model, batch);
                } finally {
                  // Labels and metadata stay readable once released; the scorer is all it frees.
                  model.release();
                }
              },
              modelThreads);
    } catch (RuntimeException e) {
      model.release();
      throw e;
    }
    inFlight.addLast(new InFlight(batch, model, reason, scores));
  }

  /** Waits for every batch in flight and writes their outputs, oldest first. */
  private void completeInFlight() {
    while (!inFlight.isEmpty()) {
      completeOldest();
    }
  }

  /** Writes the batches in flight that are done, oldest first, up to the first one that is not. */
  private void completeDone() {
    while (!inFlight.isEmpty() && inFlight.peekFirst().scores().isDone()) {
      completeOldest();
    }
  }

  /** Waits for the oldest batch in flight and writes its outputs (and its shadow scores). */
  private void completeOldest() {
    InFlight f = inFlight.pollFirst();
    metrics.pendingDelta(-f.batch().size());
    Scores s;
    try {
      s = f.scores().join();
    } catch (CompletionException e) {
      throw e.getCause() instanceof RuntimeException r ? r : e;
    }
    emit(f.batch(), f.model(), s, f.reason());
    scoreShadow(f.batch());
  }

  private ServingModel acquireServing(int pending) {
    ServingModel model = models.serving().acquire();
    if (model == null) {
      // The app starts stream threads only once a model serves; reaching here is a bug.
      throw new IllegalStateException("no model is serving; " + pending + " events pending");
    }
    return model;
  }

  private void flushIfDue(long nowMs) {
    completeDone();
    Pending oldest = buffer.first();
    if (oldest != null && nowMs - oldest.arrivedMs() >= maxWaitMs) {
      flush("wait");
    }
  }

  /**
   * Scores the buffer now (its wait is up, or Kafka Streams commits) and writes everything: with
   * model threads the buffer goes behind the batches in flight and this waits for all of them;
   * without, it is scored on this (the stream) thread.
   */
  private void flush(String reason) {
    List<Pending> batch = buffer.drain();
    if (modelThreads != null) {
      // Behind the batches in flight, on the model threads too: their outputs are written while
      // this one is scored, and every batch is featurized on a model thread's warm caches.
      if (!batch.isEmpty()) {
        dispatch(batch, reason);
      }
      completeInFlight();
      return;
    }
    if (batch.isEmpty()) {
      return;
    }
    metrics.pendingDelta(-batch.size());
    ServingModel model = acquireServing(batch.size());
    try {
      emit(batch, model, featurizeAndPredict(model, batch), reason);
    } finally {
      model.release();
    }
    scoreShadow(batch);
  }

  /** One model call for {@code batch}, timed. */
  private static Scores featurizeAndPredict(ServingModel model, List<Pending> batch) {
    List<String> texts = new ArrayList<>(batch.size());
    List<Map<String, String>> attrs = new ArrayList<>(batch.size());
    for (Pending p : batch) {
      texts.add(p.event().getText());
      attrs.add(p.event().getAttributes());
    }
    long t0 = System.nanoTime();
    float[][] probs = model.featurizeAndPredict(texts, attrs);
    return new Scores(probs, System.nanoTime() - t0);
  }

  /** Decides, encodes and writes the prediction and the route record of every scored event. */
  private void emit(List<Pending> batch, ServingModel model, Scores scores, String reason) {
    float[][] probs = scores.probs();
    long nanos = scores.nanos();
    metrics.batch(batch.size(), nanos, reason);
    long perRecordMicros = nanos / 1_000 / batch.size();
    Instant scoredAt = clock.instant();
    List<String> labels = model.labels();
    for (int i = 0; i < batch.size(); i++) {
      Pending p = batch.get(i);
      Event e = p.event();
      Decision d = policy.decide(labels, probs[i], e.getId());
      String route =
          d.autoRoute()
              ? routedTopics.computeIfAbsent(d.routeLabel(), topics::routed)
              : topics.triage();
      PredictionEncoder.Scored out =
          new PredictionEncoder.Scored(
              model, e, probs[i], d, route, false, perRecordMicros, batch.size(), scoredAt);
      // One Avro encoding serves both copies when the two topics share the writer schema id.
      Encoded logged = encoder.encode(predictionsTopic, out);
      forward(p, e.getId(), logged);
      forward(p, e.getId(), encoder.reuse(route, out, logged));
      metrics.decision(route, d.action());
    }
  }

  private void scoreShadow(List<Pending> batch) {
    double rate = models.shadowSampleRate();
    if (rate <= 0 || models.shadow().peek() == null) {
      return;
    }
    List<Pending> sample = new ArrayList<>();
    for (Pending p : batch) {
      if (ShadowSampler.sampled(p.event().getId(), rate)) {
        sample.add(p);
      }
    }
    if (sample.isEmpty()) {
      return;
    }
    ServingModel shadow = models.shadow().acquire();
    if (shadow == null) {
      return;
    }
    try {
      Scores scores = featurizeAndPredict(shadow, sample);
      float[][] probs = scores.probs();
      long perRecordMicros = scores.nanos() / 1_000 / sample.size();
      Instant scoredAt = clock.instant();
      for (int i = 0; i < sample.size(); i++) {
        Pending p = sample.get(i);
        Event e = p.event();
        Decision d = policy.decide(shadow.labels(), probs[i], e.getId());
        PredictionEncoder.Scored out =
            new PredictionEncoder.Scored(
                shadow, e, probs[i], d, "", true, perRecordMicros, sample.size(), scoredAt);
        forward(p, e.getId(), encoder.encode(topics.shadow(), out));
      }
      metrics.shadow(sample.size());
    } finally {
      shadow.release();
    }
  }

  /**
   * Forwards to the one sink (which writes to {@link Encoded#topic()}) with the buffered record's
   * own context, timestamp and headers and this processor as the current node: on the commit path
   * Kafka Streams has neither set.
   */
  private void forward(Pending p, String key, Encoded value) {
    ProcessorRecordContext previousContext = internal.recordContext();
    ProcessorNode<?, ?, ?, ?> previousNode = internal.currentNode();
    ProcessorRecordContext rc = p.context();
    internal.setRecordContext(rc);
    internal.setCurrentNode(node);
    try {
      context.forward(new Record<>(key, value, rc.timestamp(), rc.headers()));
    } finally {
      internal.setRecordContext(previousContext);
      internal.setCurrentNode(previousNode);
    }
  }

  static Prediction prediction(
      ServingModel model,
      Event e,
      float[] probs,
      Decision d,
      String route,
      boolean shadow,
      long latencyMicros,
      int batchSize,
      Instant scoredAt) {
    List<String> labels = model.labels();
    List<LabelProbability> lp = new ArrayList<>(labels.size());
    for (int j = 0; j < labels.size(); j++) {
      lp.add(new LabelProbability(labels.get(j), (double) probs[j]));
    }
    // The all-arguments constructor: the builder copies the schema's field array and checks
    // every field per record; every value here is non-null by construction.
    return new Prediction(
        e.getId(),
        model.metadata().name(),
        model.version(),
        lp,
        d.topLabel(),
        d.topProbability(),
        d.action(),
        route,
        d.audit(),
        shadow,
        e.getOccurredAt(),
        scoredAt,
        latencyMicros,
        batchSize,
        model.metadata().featurizerFingerprint());
  }

  @Override
  public void close() {
    // A clean close flushed on the commit path; a dirty one drops the buffer and the batch in
    // flight with their offsets (the model thread still releases its model reference).
    int dropped = buffer.size();
    for (InFlight f : inFlight) {
      dropped += f.batch().size();
    }
    metrics.pendingDelta(-dropped);
    inFlight.clear();
  }
}
