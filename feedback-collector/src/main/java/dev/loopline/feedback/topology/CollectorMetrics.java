package dev.loopline.feedback.topology;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * The collector's own counters (Kafka Streams' metrics are bound separately by the app): what came
 * in, what was joined, superseded, held, expired and forgotten. Names are {@code
 * loopline.collector.*}; Prometheus shows them as {@code loopline_collector_*}.
 */
public final class CollectorMetrics {

  final Counter events;
  final Counter predictions;
  final Counter corrections;
  final Counter triageItems;
  final Counter forgotten;
  final Counter feedbackJoined;
  final Counter feedbackUpdated;
  final Counter feedbackImplicit;
  final Counter tombstones;
  final Counter superseded;
  final Counter held;
  final Counter unmatched;
  final Counter droppedForgotten;
  final Counter expiredEvents;
  final Counter expiredPredictions;
  final Counter expiredTriage;
  final DistributionSummary timeToCorrection;

  public CollectorMetrics(MeterRegistry registry) {
    events = in(registry, "event");
    predictions = in(registry, "prediction");
    corrections = in(registry, "correction");
    triageItems = in(registry, "triage");
    forgotten = in(registry, "forgotten");
    feedbackJoined = feedback(registry, "joined");
    feedbackUpdated = feedback(registry, "updated");
    feedbackImplicit = feedback(registry, "implicit");
    tombstones = feedback(registry, "tombstone");
    superseded = correction(registry, "superseded");
    held = correction(registry, "held");
    unmatched = correction(registry, "unmatched");
    droppedForgotten = correction(registry, "forgotten");
    expiredEvents = expired(registry, "event");
    expiredPredictions = expired(registry, "prediction");
    expiredTriage = expired(registry, "triage");
    timeToCorrection =
        DistributionSummary.builder("loopline.collector.time.to.correction")
            .description("Correction time minus prediction time, human labels only")
            .baseUnit("milliseconds")
            .publishPercentiles(0.5, 0.9, 0.99)
            .register(registry);
  }

  private static Counter in(MeterRegistry r, String type) {
    return Counter.builder("loopline.collector.records.in")
        .description("Records read, by input")
        .tag("type", type)
        .register(r);
  }

  private static Counter expired(MeterRegistry r, String type) {
    return Counter.builder("loopline.collector.records.expired")
        .description(
            "Records already older than the retention (by stream time) when they arrived: not held,"
                + " so nothing can join them")
        .tag("type", type)
        .register(r);
  }

  private static Counter feedback(MeterRegistry r, String outcome) {
    return Counter.builder("loopline.collector.feedback.written")
        .description("Records written to feedback, by why")
        .tag("outcome", outcome)
        .register(r);
  }

  private static Counter correction(MeterRegistry r, String outcome) {
    return Counter.builder("loopline.collector.corrections.outcome")
        .description("Corrections that did not (yet) produce feedback, by why")
        .tag("outcome", outcome)
        .register(r);
  }
}
