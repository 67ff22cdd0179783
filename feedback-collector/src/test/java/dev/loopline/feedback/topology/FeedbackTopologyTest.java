package dev.loopline.feedback.topology;

import static dev.loopline.feedback.topology.Fixture.T0;
import static dev.loopline.feedback.topology.Fixture.at;
import static org.assertj.core.api.Assertions.assertThat;

import dev.loopline.avro.Correction;
import dev.loopline.avro.Event;
import dev.loopline.avro.Forgotten;
import dev.loopline.avro.LabelSource;
import dev.loopline.avro.LabeledExample;
import dev.loopline.avro.Prediction;
import dev.loopline.feedback.CollectorConfig;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.ValueAndTimestamp;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The join semantics of the collector, one test each, on TopologyTestDriver (stream time). */
class FeedbackTopologyTest {

  private static final Duration RETENTION = Duration.ofDays(14);

  @TempDir Path stateDir;
  private Fixture f;

  private Fixture fixture(CollectorConfig config) {
    f = new Fixture(config, stateDir);
    return f;
  }

  private Fixture fixture() {
    return fixture(Fixture.defaults());
  }

  @AfterEach
  void close() {
    if (f != null) {
      f.close();
    }
  }

  @Test
  void correctionJoinsEventAndPredictionIntoLabeledExample() {
    Fixture f = fixture();
    f.event("e1", T0);
    f.predict("e1", T0, 3, "billing");
    f.correct("e1", "refunds", at(Duration.ofMinutes(20)));

    List<KeyValue<String, LabeledExample>> out = f.feedback.readKeyValuesToList();
    assertThat(out).hasSize(1);
    LabeledExample ex = out.get(0).value;
    assertThat(out.get(0).key).isEqualTo("e1");
    assertThat(ex.getText()).isEqualTo("text of e1");
    assertThat(ex.getAttributes()).containsEntry("channel", "email");
    assertThat(ex.getOccurredAt()).isEqualTo(T0);
    assertThat(ex.getLabel()).isEqualTo("refunds");
    assertThat(ex.getSource()).isEqualTo(LabelSource.REROUTE);
    assertThat(ex.getLabeledBy()).isEqualTo("agent-7");
    assertThat(ex.getLabeledAt()).isEqualTo(at(Duration.ofMinutes(20)));
    assertThat(ex.getPredictedLabel()).isEqualTo("billing");
    assertThat(ex.getPredictedProbability()).isEqualTo(0.9);
    assertThat(ex.getPredictedByModel()).isEqualTo(Fixture.MODEL);
    assertThat(ex.getPredictedByVersion()).isEqualTo(3);
    assertThat(ex.getPredictedDecision()).isEqualTo("AUTO_ROUTE");
    assertThat(ex.getCorrect()).isFalse();
    assertThat(f.unmatched.isEmpty()).isTrue();
  }

  @Test
  void confirmationOfThePredictionIsMarkedCorrect() {
    Fixture f = fixture();
    f.event("e1", T0);
    f.predict("e1", T0, 3, "billing");
    f.corrections.pipeInput(
        "e1", Fixture.correction("e1", "billing", at(Duration.ofHours(1)), LabelSource.CONFIRM));

    LabeledExample ex = f.feedback.readValue();
    assertThat(ex.getCorrect()).isTrue();
    assertThat(ex.getSource()).isEqualTo(LabelSource.CONFIRM);
  }

  @Test
  void correctionDaysLateStillJoins() {
    Fixture f = fixture();
    f.event("e1", T0);
    f.predict("e1", T0, 1, "billing");
    // Ten days of other traffic pass (expiry runs), then the correction arrives.
    f.advanceStreamTime(at(Duration.ofDays(5)));
    f.advanceStreamTime(at(Duration.ofDays(10)));
    f.feedback.readValuesToList();
    f.correct("e1", "outage", at(Duration.ofDays(10).plusHours(1)));

    LabeledExample ex = f.feedback.readValue();
    assertThat(ex.getLabel()).isEqualTo("outage");
    assertThat(ex.getPredictedByVersion()).isEqualTo(1);
    assertThat(f.unmatched.isEmpty()).isTrue();
  }

  @Test
  void correctionBeforeItsEventAndPredictionIsHeldAndJoinedWhenTheyArrive() {
    Fixture f = fixture();
    f.correct("e1", "refunds", T0);
    assertThat(f.feedback.isEmpty()).isTrue();

    f.event("e1", at(Duration.ofSeconds(1)));
    assertThat(f.feedback.isEmpty()).as("still waiting for the prediction").isTrue();

    f.predict("e1", at(Duration.ofSeconds(2)), 2, "billing");
    List<LabeledExample> out = f.feedback.readValuesToList();
    assertThat(out).hasSize(1);
    assertThat(out.get(0).getLabel()).isEqualTo("refunds");
    assertThat(out.get(0).getPredictedByVersion()).isEqualTo(2);
    assertThat(out.get(0).getCorrect()).isFalse();
    assertThat(f.counter("loopline.collector.corrections.outcome", "outcome", "held")).isEqualTo(1);
  }

  @Test
  void correctionWithEventButNoPredictionIsWrittenAfterTheGraceAndUpdatedWhenOneArrives() {
    Fixture f = fixture();
    f.event("e1", T0);
    f.correct("e1", "refunds", at(Duration.ofMinutes(1)));
    assertThat(f.feedback.isEmpty()).isTrue();

    f.advanceStreamTime(at(Duration.ofMinutes(10))); // past the 5 minute grace
    LabeledExample withoutPrediction = f.feedback.readValue();
    assertThat(withoutPrediction.getLabel()).isEqualTo("refunds");
    assertThat(withoutPrediction.getPredictedByVersion()).isNull();
    assertThat(withoutPrediction.getCorrect()).isNull();

    f.predict("e1", at(Duration.ofMinutes(11)), 4, "refunds");
    LabeledExample updated = f.feedback.readValue();
    assertThat(updated.getPredictedByVersion()).isEqualTo(4);
    assertThat(updated.getCorrect()).isTrue();
  }

  @Test
  void latestCorrectedAtWinsAndSupersedesTheEarlierRecord() {
    Fixture f = fixture();
    f.event("e1", T0);
    f.predict("e1", T0, 1, "billing");
    f.correct("e1", "refunds", at(Duration.ofHours(2)));
    assertThat(f.feedback.readValue().getLabel()).isEqualTo("refunds");

    // Arrives later but was made earlier: loses, nothing is written.
    f.correct("e1", "outage", at(Duration.ofHours(1)));
    assertThat(f.feedback.isEmpty()).isTrue();
    assertThat(f.counter("loopline.collector.corrections.outcome", "outcome", "superseded"))
        .isEqualTo(1);

    // Made later: wins, and its record supersedes the earlier one under the same key.
    f.correct("e1", "billing", at(Duration.ofHours(3)));
    TestRecord<String, LabeledExample> r = f.feedback.readRecord();
    assertThat(r.key()).isEqualTo("e1");
    assertThat(r.value().getLabel()).isEqualTo("billing");
    assertThat(r.value().getCorrect()).isTrue();
    assertThat(f.feedback.isEmpty()).isTrue();
  }

  @Test
  void onATieOfCorrectedAtTheLaterOffsetWins() {
    Fixture f = fixture();
    f.event("e1", T0);
    f.predict("e1", T0, 1, "billing");
    Instant same = at(Duration.ofHours(1));
    f.correct("e1", "refunds", same);
    f.correct("e1", "outage", same);

    List<LabeledExample> out = f.feedback.readValuesToList();
    assertThat(out).extracting(LabeledExample::getLabel).containsExactly("refunds", "outage");
  }

  @Test
  void severalCorrectionsBeforeTheEventKeepOnlyTheWinner() {
    Fixture f = fixture();
    f.correct("e1", "refunds", at(Duration.ofSeconds(3)));
    f.correct("e1", "outage", at(Duration.ofSeconds(1)));
    f.event("e1", at(Duration.ofSeconds(4)));
    f.predict("e1", at(Duration.ofSeconds(4)), 1, "billing");

    List<LabeledExample> out = f.feedback.readValuesToList();
    assertThat(out).extracting(LabeledExample::getLabel).containsExactly("refunds");
  }

  @Test
  void correctionForUnknownEventExpiresToUnmatchedAfterRetention() {
    Fixture f = fixture();
    f.correct("ghost", "refunds", T0);
    f.advanceStreamTime(at(RETENTION));
    assertThat(f.unmatched.isEmpty()).as("not before the retention has passed").isTrue();

    f.advanceStreamTime(at(RETENTION.plusMinutes(2)));
    TestRecord<String, Correction> r = f.unmatched.readRecord();
    assertThat(r.key()).isEqualTo("ghost");
    assertThat(r.value().getLabel()).isEqualTo("refunds");
    assertThat(f.feedback.readValuesToList())
        .extracting(LabeledExample::getEventId)
        .doesNotContain("ghost");
    assertThat(f.counter("loopline.collector.corrections.outcome", "outcome", "unmatched"))
        .isEqualTo(1);

    // Its event turning up afterwards joins nothing.
    f.event("ghost", at(RETENTION.plusMinutes(3)));
    f.predict("ghost", at(RETENTION.plusMinutes(3)), 1, "billing");
    assertThat(f.feedback.readValuesToList())
        .extracting(LabeledExample::getEventId)
        .doesNotContain("ghost");
  }

  @Test
  void lateCorrectionJustInsideTheRetentionJoins() {
    Fixture f = fixture();
    f.event("e1", T0);
    f.predict("e1", T0, 1, "billing");
    f.correct("e1", "refunds", at(RETENTION.minusSeconds(1)));
    assertThat(f.feedback.readValue().getLabel()).isEqualTo("refunds");
  }

  @Test
  void lateCorrectionJustOutsideTheRetentionDoesNotJoinAndExpires() {
    Fixture f = fixture();
    f.event("e1", T0);
    f.predict("e1", T0, 1, "billing");
    Instant late = at(RETENTION.plusSeconds(1));
    f.correct("e1", "refunds", late);
    assertThat(f.feedback.isEmpty()).isTrue();

    f.advanceStreamTime(late.plus(RETENTION).plus(Duration.ofMinutes(2)));
    assertThat(f.unmatched.readValue().getLabel()).isEqualTo("refunds");
    assertThat(f.feedback.readValuesToList())
        .extracting(LabeledExample::getEventId)
        .doesNotContain("e1");
  }

  @Test
  void recordsAlreadyOlderThanTheRetentionAreCountedNotSilentlyDropped() {
    Fixture f = fixture();
    f.event("new", at(RETENTION.multipliedBy(2)));
    f.event("old", T0);
    f.predict("old", T0, 1, "billing");
    f.correct("old", "refunds", at(RETENTION.multipliedBy(2)));
    assertThat(f.feedback.isEmpty()).isTrue();
    assertThat(
            f.meters
                .get("loopline.collector.records.expired")
                .tag("type", "event")
                .counter()
                .count())
        .isEqualTo(1.0);
    assertThat(
            f.meters
                .get("loopline.collector.records.expired")
                .tag("type", "prediction")
                .counter()
                .count())
        .isEqualTo(1.0);
  }

  @Test
  void earlyCorrectionJoinsAnEventArrivingJustInsideTheRetention() {
    Fixture f = fixture();
    f.correct("e1", "refunds", T0);
    Instant eventAt = at(RETENTION.minusSeconds(1));
    f.event("e1", eventAt);
    f.predict("e1", eventAt, 1, "billing");
    assertThat(f.feedback.readValue().getLabel()).isEqualTo("refunds");
    assertThat(f.unmatched.isEmpty()).isTrue();
  }

  @Test
  void earlyCorrectionExpiresBeforeAnEventArrivingJustOutsideTheRetention() {
    Fixture f = fixture();
    f.correct("e1", "refunds", T0);
    Instant eventAt = at(RETENTION.plusSeconds(1));
    f.event("e1", eventAt);
    f.predict("e1", eventAt, 1, "billing");
    assertThat(f.feedback.readValuesToList())
        .extracting(LabeledExample::getEventId)
        .doesNotContain("e1");
    assertThat(f.unmatched.readValue().getLabel()).isEqualTo("refunds");
  }

  @Test
  void retentionIsConfigurable() {
    Fixture f = fixture(Fixture.defaults().withRetention(Duration.ofHours(2)));
    f.event("e1", T0);
    f.predict("e1", T0, 1, "billing");
    f.correct("e1", "refunds", at(Duration.ofHours(3)));
    assertThat(f.feedback.isEmpty()).isTrue();
  }

  @Test
  void correctionWithALabelTheModelDoesNotKnowIsStillRecorded() {
    Fixture f = fixture();
    f.event("e1", T0);
    f.predict("e1", T0, 1, "billing");
    f.correct("e1", "brand-new-queue", at(Duration.ofMinutes(5)));
    LabeledExample ex = f.feedback.readValue();
    assertThat(ex.getLabel()).isEqualTo("brand-new-queue");
    assertThat(ex.getCorrect()).isFalse();
  }

  @Test
  void shadowPredictionsAreNotWhatServed() {
    Fixture f = fixture();
    f.event("e1", T0);
    f.predict("e1", T0, 1, "billing");
    Prediction shadow = Fixture.prediction("e1", T0, 2, "refunds", 0.99);
    shadow.setShadow(true);
    f.predictions.pipeInput("e1", shadow, T0);
    f.correct("e1", "refunds", at(Duration.ofMinutes(5)));
    assertThat(f.feedback.readValue().getPredictedByVersion()).isEqualTo(1);
  }

  @Test
  void implicitConfirmationIsOffByDefault() {
    Fixture f = fixture();
    f.event("e1", T0);
    f.predict("e1", T0, 1, "billing");
    f.advanceStreamTime(at(Duration.ofDays(3)));
    assertThat(f.feedback.readValuesToList())
        .extracting(LabeledExample::getEventId)
        .doesNotContain("e1");
  }

  @Test
  void implicitConfirmationLabelsAnUncorrectedAutoRouteAndAHumanCorrectionSupersedesIt() {
    Fixture f = fixture(Fixture.defaults().withImplicit(true, Duration.ofHours(24)));
    f.event("e1", T0);
    f.predict("e1", T0, 1, "billing");
    f.event("e2", T0);
    f.triage.pipeInput("e2", Fixture.triaged("e2", T0, 1, "billing", 0.4), T0);
    f.predictions.pipeInput("e2", Fixture.triaged("e2", T0, 1, "billing", 0.4), T0);
    f.event("e3", T0);
    f.predict("e3", T0, 1, "billing");
    f.correct("e3", "refunds", at(Duration.ofHours(1)));
    assertThat(f.feedback.readValue().getEventId()).isEqualTo("e3");

    f.advanceStreamTime(at(Duration.ofHours(23)));
    assertThat(f.feedback.isEmpty()).as("not within the window").isTrue();
    f.advanceStreamTime(at(Duration.ofHours(25)));
    List<LabeledExample> out = f.feedback.readValuesToList();
    assertThat(out).extracting(LabeledExample::getEventId).containsExactly("e1");
    LabeledExample implicit = out.get(0);
    assertThat(implicit.getSource()).isEqualTo(LabelSource.IMPLICIT);
    assertThat(implicit.getLabel()).isEqualTo("billing");
    assertThat(implicit.getLabeledBy()).isEqualTo(FeedbackJoinProcessor.IMPLICIT_AGENT);
    assertThat(implicit.getLabeledAt()).isEqualTo(at(Duration.ofHours(24)));

    // A human correction made before the implicit one still wins: humans beat inferences.
    f.correct("e1", "refunds", at(Duration.ofHours(20)));
    LabeledExample human = f.feedback.readValue();
    assertThat(human.getSource()).isEqualTo(LabelSource.REROUTE);
    assertThat(human.getLabel()).isEqualTo("refunds");
  }

  @Test
  void forgetTombstonesFeedbackRemovesHeldTextAndIgnoresLaterCorrections() {
    Fixture f = fixture();
    f.event("e1", T0);
    f.predict("e1", T0, 1, "billing");
    f.correct("e1", "refunds", at(Duration.ofMinutes(5)));
    assertThat(f.feedback.readValue()).isNotNull();

    f.forgotten.pipeInput(
        "e1",
        Forgotten.newBuilder()
            .setEventId("e1")
            .setRequestedAt(at(Duration.ofMinutes(6)))
            .setRequestedBy("dpo")
            .setReason("erasure request")
            .build(),
        at(Duration.ofMinutes(6)));
    TestRecord<String, LabeledExample> tombstone = f.feedback.readRecord();
    assertThat(tombstone.key()).isEqualTo("e1");
    assertThat(tombstone.value()).isNull();
    KeyValueStore<String, ValueAndTimestamp<Event>> events =
        f.driver.getTimestampedKeyValueStore(FeedbackStores.EVENTS);
    assertThat(events.get("e1")).isNull();

    f.correct("e1", "outage", at(Duration.ofMinutes(7)));
    f.event("e1", at(Duration.ofMinutes(8)));
    assertThat(f.feedback.isEmpty()).isTrue();
    assertThat(events.get("e1")).as("a replayed event is not held again").isNull();
  }

  /**
   * TopologyTestDriver skips the undecodable record but does not capture the dead-letter records a
   * deserialization handler returns; {@code CollectorStreamsConfigTest} checks the handler builds
   * them and {@code CollectorIntegrationTest} reads them from a real broker.
   */
  @Test
  void undecodableCorrectionIsSkippedAndTheAppKeepsGoing() {
    Fixture f = fixture();
    f.rawCorrections.pipeInput("e1", "not avro".getBytes(StandardCharsets.UTF_8), T0);
    f.event("e1", T0);
    f.predict("e1", T0, 1, "billing");
    f.correct("e1", "refunds", at(Duration.ofMinutes(1)));
    assertThat(f.feedback.readValue().getLabel()).isEqualTo("refunds");
    assertThat(f.counter("loopline.collector.records.in", "type", "correction")).isEqualTo(1);
  }

  @Test
  void invalidCorrectionGoesToTheDeadLetterTopic() {
    Fixture f = fixture();
    f.corrections.pipeInput("e1", Fixture.correction("e1", " ", T0, LabelSource.TRIAGE), T0);
    f.corrections.pipeInput(
        "other", Fixture.correction("e1", "refunds", T0, LabelSource.TRIAGE), T0);
    List<TestRecord<byte[], byte[]>> dead = f.dlq.readRecordsToList();
    assertThat(dead).hasSize(2);
    assertThat(header(dead.get(0), "__streams.errors.message")).contains("has no label");
    assertThat(header(dead.get(1), "__streams.errors.message")).contains("does not match");
  }

  @Test
  void triageItemsStayOpenUntilCorrected() {
    Fixture f = fixture();
    f.event("e1", T0);
    f.event("e2", T0);
    f.triage.pipeInput("e1", Fixture.triaged("e1", T0, 1, "billing", 0.4), T0);
    f.triage.pipeInput("e2", Fixture.triaged("e2", T0, 1, "refunds", 0.5), T0);
    KeyValueStore<String, ValueAndTimestamp<Prediction>> open =
        f.driver.getTimestampedKeyValueStore(FeedbackStores.TRIAGE);
    assertThat(open.get("e1")).isNotNull();

    f.corrections.pipeInput(
        "e1", Fixture.correction("e1", "billing", at(Duration.ofMinutes(3)), LabelSource.TRIAGE));
    assertThat(open.get("e1")).isNull();
    assertThat(open.get("e2")).isNotNull();
  }

  private static String header(TestRecord<?, ?> r, String name) {
    Header h = r.headers().lastHeader(name);
    return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
  }
}
