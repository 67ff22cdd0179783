package dev.loopline.launcher.loop;

import dev.loopline.avro.LabeledExample;
import dev.loopline.config.LooplineConfig;
import dev.loopline.launcher.EmbeddedLoop;
import dev.loopline.retrain.RetrainService;
import dev.loopline.retrain.job.RetrainResult;
import dev.loopline.retrain.registry.ModelHistory;
import dev.loopline.retrain.registry.ModelRegistryReader;
import dev.loopline.retrain.schedule.Schedule;
import dev.loopline.serde.AvroSerdes;
import dev.loopline.topics.Topics;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The retrain scheduler of the demo, with the correction-to-production latency. Every check
 * interval it asks the same question as {@code loopline retrain --every --min-new-labels} (new
 * feedback since the newest version, time since it was made); when a run is due it first notes the
 * <em>triggering correction</em> (the newest labeled example the run will read), runs {@link
 * RetrainService#runOnce}, and for a promoted version waits for the first prediction stamped with
 * it. The latency (that prediction's {@code scoredAt} minus the correction's {@code labeledAt}) is
 * kept for the status line and written into the version's lineage (see {@link LatencyLedger}): the
 * triggering correction as soon as the version is promoted, the latency once measured, so that a
 * latency still pending when the loop stops is recovered from {@code predictions} on the next
 * start.
 */
final class RetrainStage implements EmbeddedLoop.Stage {

  private static final Logger LOG = LoggerFactory.getLogger(RetrainStage.class);
  private static final Duration SETTLE = Duration.ofSeconds(3);

  /** The newest correction a run read: it completed the batch that made the run due. */
  record Trigger(String eventId, Instant correctedAt) {}

  /** A promoted version's correction-to-production latency. */
  record Latency(int version, Trigger trigger, Instant firstPrediction, Duration latency) {}

  /** Whether the recovery of latencies pending from the last run has finished. */
  private volatile boolean recoveryDone;

  /** The newest latency recorded in a version's lineage before this start (null: none). */
  private volatile Latency recordedBefore;

  private final DemoSettings demo;
  private final RetrainService service;
  private final PredictionTracker tracker;
  private final Map<Integer, Trigger> awaiting = new ConcurrentHashMap<>();
  private final List<Latency> latencies = new CopyOnWriteArrayList<>();
  private final List<RetrainResult> results = new CopyOnWriteArrayList<>();
  private volatile long newLabels;
  private volatile Instant lastRun;
  private volatile boolean running;
  private volatile boolean stopped;
  private LooplineConfig config;
  private LatencyLedger ledger;
  private Thread thread;
  private ScheduledExecutorService latencyTimer;

  RetrainStage(DemoSettings demo, RetrainService service, PredictionTracker tracker) {
    this.demo = demo;
    this.service = service;
    this.tracker = tracker;
  }

  @Override
  public String name() {
    return "retrain scheduler";
  }

  @Override
  public EmbeddedLoop.Running start(LooplineConfig config) {
    this.config = config;
    this.ledger = new LatencyLedger(config);
    Schedule schedule = demo.schedule();
    thread = new Thread(() -> run(schedule), "loopline-retrain-scheduler");
    thread.setDaemon(true);
    thread.start();
    // Measured apart from the scheduler thread, which may be busy with the next run.
    latencyTimer =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "loopline-latency");
              t.setDaemon(true);
              return t;
            });
    // First, once: latencies the last run left pending (the timer's one thread runs it before
    // any live measurement).
    latencyTimer.execute(this::recoverPending);
    latencyTimer.scheduleWithFixedDelay(this::recordLatencies, 1, 1, TimeUnit.SECONDS);
    String what =
        (demo.retrainEvery() == null ? "" : "every " + human(demo.retrainEvery()))
            + (demo.retrainEvery() != null && demo.retrainMinNewLabels() > 0 ? " or " : "")
            + (demo.retrainMinNewLabels() > 0
                ? "after " + demo.retrainMinNewLabels() + " new labels"
                : "");
    return new EmbeddedLoop.Running(
        List.of(new EmbeddedLoop.Endpoint("Retrain (Flink MiniCluster)", "schedule", what)),
        config,
        this::stop);
  }

  private void run(Schedule schedule) {
    String name = config.get("model.name");
    Topics topics = Topics.from(config);
    while (!stopped) {
      try {
        ModelHistory history = ModelRegistryReader.read(config, topics, name);
        Map<Integer, Long> end = ModelRegistryReader.endOffsets(config, topics.feedback());
        newLabels =
            RetrainService.newLabelsSince(
                config, topics.feedback(), history, end, Math.max(1, schedule.minNewLabels()));
        lastRun = RetrainService.lastRun(history);
        if (schedule.isDue(Instant.now(), lastRun, newLabels)) {
          Trigger trigger = latestCorrection(topics.feedback(), end).orElse(null);
          LOG.info(
              "retrain due: {} new labels, last run {}; triggering correction {}",
              newLabels,
              lastRun,
              trigger);
          running = true;
          RetrainResult r;
          try {
            r = service.runOnce(config);
          } finally {
            running = false;
          }
          results.add(r);
          LOG.info("retrain: {}", r.summary());
          if (r.published() && "PROMOTED".equals(r.verdict) && trigger != null) {
            try {
              ledger.markPending(r.version, trigger);
            } catch (RuntimeException e) {
              LOG.warn("could not mark v{}'s latency pending in its lineage: {}", r.version, e);
            }
            awaiting.put(r.version, trigger);
          }
          continue;
        }
      } catch (Exception e) {
        if (stopped) {
          return;
        }
        LOG.warn("retrain check failed (will check again): {}", e.toString());
      }
      pause(demo.retrainCheckInterval());
    }
  }

  private synchronized void pause(Duration d) {
    long until = System.currentTimeMillis() + d.toMillis();
    long left;
    while (!stopped && (left = until - System.currentTimeMillis()) > 0) {
      try {
        wait(left);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  /** Latencies the last run left pending: from {@code predictions}, or measured live from now. */
  private void recoverPending() {
    try {
      LatencyLedger.Recovery r = ledger.recover(() -> stopped);
      recordedBefore = r.latestRecorded();
      latencies.addAll(r.recovered());
      // A version this run promoted meanwhile may be among them: its exact first is now known.
      r.recovered().forEach(l -> awaiting.remove(l.version()));
      r.stillPending().forEach(awaiting::putIfAbsent);
      if (!r.stillPending().isEmpty()) {
        LOG.info(
            "no prediction yet by {}: their latency is measured when the first one shows up",
            r.stillPending().keySet().stream().map(v -> "v" + v).toList());
      }
    } catch (RuntimeException e) {
      if (!stopped) {
        LOG.warn("could not recover pending correction-to-production latencies: {}", e.toString());
      }
    } finally {
      recoveryDone = true;
    }
  }

  /** For each promoted version whose first prediction has shown up: measure and record. */
  private void recordLatencies() {
    if (stopped) {
      return;
    }
    synchronized (awaiting) {
      recordLatenciesLocked();
    }
  }

  private void recordLatenciesLocked() {
    for (Map.Entry<Integer, Trigger> e : awaiting.entrySet()) {
      int v = e.getKey();
      Optional<Instant> first = tracker.firstPrediction(v, SETTLE);
      if (first.isEmpty()) {
        continue;
      }
      awaiting.remove(v);
      Trigger t = e.getValue();
      Latency l = new Latency(v, t, first.get(), Duration.between(t.correctedAt(), first.get()));
      latencies.add(l);
      LOG.info(
          "correction-to-production latency of v{}: {} (correction on {} at {}, first prediction"
              + " at {})",
          v,
          human(l.latency()),
          t.eventId(),
          t.correctedAt(),
          first.get());
      try {
        ledger.record(l);
      } catch (Exception ex) {
        LOG.warn("could not record the latency in v{}'s lineage: {}", v, ex.toString());
      }
    }
  }

  /** The feedback record with the latest labeledAt among the last few of each partition. */
  private Optional<Trigger> latestCorrection(String topic, Map<Integer, Long> end) {
    Map<String, Object> props = new HashMap<>(config.kafkaClientProps());
    props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    Trigger best = null;
    try (KafkaConsumer<String, byte[]> c =
        new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer())) {
      var deserializer =
          AvroSerdes.specific(LabeledExample.class, config.clientAndSerdeProps(), false)
              .deserializer();
      List<TopicPartition> parts = new ArrayList<>();
      end.forEach((p, o) -> parts.add(new TopicPartition(topic, p)));
      c.assign(parts);
      Map<TopicPartition, Long> left = new HashMap<>();
      for (TopicPartition tp : parts) {
        long e = end.get(tp.partition());
        if (e > 0) {
          c.seek(tp, Math.max(0, e - 20));
          left.put(tp, e);
        }
      }
      long deadline = System.currentTimeMillis() + 10_000;
      while (!left.isEmpty() && System.currentTimeMillis() < deadline) {
        for (ConsumerRecord<String, byte[]> r : c.poll(Duration.ofMillis(200))) {
          TopicPartition tp = new TopicPartition(r.topic(), r.partition());
          if (r.offset() >= left.getOrDefault(tp, Long.MIN_VALUE) || r.value() == null) {
            continue;
          }
          LabeledExample x = deserializer.deserialize(topic, r.value());
          if (best == null || x.getLabeledAt().isAfter(best.correctedAt())) {
            best = new Trigger(x.getEventId(), x.getLabeledAt());
          }
        }
        left.entrySet().removeIf(en -> c.position(en.getKey()) >= en.getValue());
      }
    }
    return Optional.ofNullable(best);
  }

  private void stop() throws InterruptedException {
    stopped = true;
    if (latencyTimer != null) {
      latencyTimer.shutdownNow();
    }
    synchronized (this) {
      notifyAll();
    }
    if (thread != null) {
      if (running) {
        LOG.warn("waiting for the running retrain to finish (up to 2 min)");
      }
      thread.join(120_000);
    }
  }

  /** Labels arrived since the newest version, as of the last check. */
  long newLabels() {
    return newLabels;
  }

  boolean retraining() {
    return running;
  }

  /** When the next run is due by time, if the schedule has an interval. */
  Optional<Instant> nextByTime() {
    return demo.retrainEvery() == null || lastRun == null
        ? Optional.empty()
        : Optional.of(lastRun.plus(demo.retrainEvery()));
  }

  List<Latency> latencies() {
    return List.copyOf(latencies);
  }

  /**
   * The latency to show: the newest measured or recovered in this run, else the newest recorded in
   * the lineage before this start (a resumed loop shows what it last measured).
   */
  Optional<Latency> latestLatency() {
    List<Latency> l = latencies();
    if (!l.isEmpty()) {
      return Optional.of(l.get(l.size() - 1));
    }
    return Optional.ofNullable(recordedBefore);
  }

  /** Promoted versions whose first prediction has not been seen yet. */
  List<Integer> pending() {
    return awaiting.keySet().stream().sorted().toList();
  }

  /** Whether the latencies pending from the last run were looked for (found or not). */
  boolean recoveryDone() {
    return recoveryDone;
  }

  List<RetrainResult> results() {
    return List.copyOf(results);
  }

  static String human(Duration d) {
    long s = d.toSeconds();
    if (s < 120) {
      return d.toMillis() < 10_000 ? String.format("%.1f s", d.toMillis() / 1000.0) : s + " s";
    }
    return s / 60 + " min " + s % 60 + " s";
  }
}
