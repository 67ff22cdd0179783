package dev.loopline.inference.ops;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The scoring app's own meters, in one place so names and tags stay consistent between the
 * topology, the hot-swap watcher and the dead-letter handlers. Kafka's client metrics (consumer lag
 * among them) are bound to the same registry by the app.
 */
public final class ScoringMetrics {

  private final MeterRegistry registry;
  private final Counter events;
  private final Counter shadowEvents;
  private final DistributionSummary batchSize;
  private final Timer batchLatency;
  private final Timer recordLatency;
  private final Counter swaps;
  private final Counter dlq;
  private final AtomicLong pending = new AtomicLong();
  private final ConcurrentMap<String, ConcurrentMap<String, Counter>> decisions =
      new ConcurrentHashMap<>();
  private final ConcurrentMap<String, Counter> flushes = new ConcurrentHashMap<>();
  private final ConcurrentMap<String, Counter> rejected = new ConcurrentHashMap<>();

  public ScoringMetrics(MeterRegistry registry) {
    this.registry = registry;
    this.events =
        Counter.builder("loopline.scoring.events")
            .description("Events scored by the serving version")
            .register(registry);
    this.shadowEvents =
        Counter.builder("loopline.scoring.shadow.events")
            .description("Events also scored by the shadow version")
            .register(registry);
    this.batchSize =
        DistributionSummary.builder("loopline.scoring.batch.size")
            .description("Events per model call")
            .publishPercentileHistogram()
            .minimumExpectedValue(1.0)
            .maximumExpectedValue(4096.0)
            .register(registry);
    this.batchLatency =
        Timer.builder("loopline.scoring.batch.latency")
            .description("Featurize + model call time per batch")
            .publishPercentileHistogram()
            .minimumExpectedValue(Duration.ofNanos(50_000))
            .maximumExpectedValue(Duration.ofSeconds(5))
            .register(registry);
    this.recordLatency =
        Timer.builder("loopline.scoring.record.latency")
            .description("Featurize + model call time attributed to one event (batch time / size)")
            .publishPercentileHistogram()
            .minimumExpectedValue(Duration.ofNanos(500))
            .maximumExpectedValue(Duration.ofSeconds(1))
            .register(registry);
    this.swaps =
        Counter.builder("loopline.scoring.model.swaps")
            .description("Model versions swapped in (serving)")
            .register(registry);
    this.dlq =
        Counter.builder("loopline.scoring.dlq")
            .description("Events sent to the dead-letter topic")
            .register(registry);
    registry.gauge("loopline.scoring.batch.pending", pending);
  }

  public MeterRegistry registry() {
    return registry;
  }

  public void batch(int size, long nanos, String reason) {
    events.increment(size);
    batchSize.record(size);
    batchLatency.record(nanos, TimeUnit.NANOSECONDS);
    recordLatency.record(nanos / Math.max(1, size), TimeUnit.NANOSECONDS);
    flushes
        .computeIfAbsent(
            reason,
            r ->
                Counter.builder("loopline.scoring.flushes")
                    .description("Batches scored, by what triggered them (size, wait, commit)")
                    .tag("reason", r)
                    .register(registry))
        .increment();
  }

  public void shadow(int size) {
    shadowEvents.increment(size);
  }

  /** Once per scored event: two map lookups, no allocation once the counter exists. */
  public void decision(String route, String decision) {
    ConcurrentMap<String, Counter> byDecision = decisions.get(route);
    if (byDecision == null) {
      byDecision = decisions.computeIfAbsent(route, r -> new ConcurrentHashMap<>());
    }
    Counter c = byDecision.get(decision);
    if (c == null) {
      c =
          byDecision.computeIfAbsent(
              decision,
              k ->
                  Counter.builder("loopline.scoring.decisions")
                      .description("Events per route and decision")
                      .tag("route", route)
                      .tag("decision", decision)
                      .register(registry));
    }
    c.increment();
  }

  public void pendingDelta(long delta) {
    pending.addAndGet(delta);
  }

  public long pending() {
    return pending.get();
  }

  public void swapped() {
    swaps.increment();
  }

  public void rejected(String reason) {
    String r = reason == null ? "unknown" : reason;
    rejected
        .computeIfAbsent(
            r,
            k ->
                Counter.builder("loopline.scoring.model.rejected")
                    .description("Artifacts rejected at load, by reason")
                    .tag("reason", k)
                    .register(registry))
        .increment();
  }

  public void deadLettered() {
    dlq.increment();
  }

  public double meanBatchSize() {
    return batchSize.count() == 0 ? 0 : batchSize.totalAmount() / batchSize.count();
  }

  public long batches() {
    return batchSize.count();
  }

  public double swapCount() {
    return swaps.count();
  }

  public double rejectedCount() {
    return rejected.values().stream().mapToDouble(Counter::count).sum();
  }

  public double dlqCount() {
    return dlq.count();
  }
}
