package dev.loopline.feedback.topology;

import static dev.loopline.feedback.topology.Fixture.T0;
import static dev.loopline.feedback.topology.Fixture.at;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.loopline.avro.LabelSource;
import dev.loopline.feedback.query.FeedbackQueries;
import dev.loopline.feedback.query.FeedbackQueries.Cell;
import dev.loopline.feedback.query.FeedbackQueries.VersionStats;
import dev.loopline.feedback.query.StoreAccess;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.apache.kafka.streams.state.ReadOnlyWindowStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Running stats and the read API, over the stores the topology fills (TopologyTestDriver). */
class FeedbackQueriesTest {

  private static final Instant FROM = T0.minus(Duration.ofDays(1));
  private static final Instant TO = T0.plus(Duration.ofDays(1));

  @TempDir Path stateDir;
  private Fixture f;
  private FeedbackQueries queries;

  @BeforeEach
  void setUp() {
    f = new Fixture(Fixture.defaults(), stateDir);
    queries =
        new FeedbackQueries(
            new StoreAccess() {
              @Override
              public <K, V> ReadOnlyKeyValueStore<K, V> keyValue(String name) {
                return f.driver.getKeyValueStore(name);
              }

              @Override
              public <K, V> ReadOnlyWindowStore<K, V> window(String name) {
                return f.driver.getWindowStore(name);
              }
            });
  }

  @AfterEach
  void tearDown() {
    f.close();
  }

  @Test
  void statsPerVersionCountPredictionsCorrectionsAndTimeToCorrection() {
    f.event("e1", T0);
    f.predict("e1", T0, 1, "billing");
    f.event("e2", T0);
    f.predict("e2", T0, 1, "billing");
    f.event("e3", T0);
    f.predict("e3", T0, 1, "billing");
    f.event("e4", T0);
    f.predict("e4", T0, 2, "refunds");
    f.correct("e1", "refunds", at(Duration.ofMinutes(10)));
    f.corrections.pipeInput(
        "e2", Fixture.correction("e2", "billing", at(Duration.ofMinutes(30)), LabelSource.AUDIT));

    List<VersionStats> versions = queries.versions(FROM, TO);
    assertThat(versions).extracting(VersionStats::version).containsExactly(1, 2);
    VersionStats v1 = versions.get(0);
    assertThat(v1.model()).isEqualTo(Fixture.MODEL);
    assertThat(v1.predictions()).isEqualTo(3);
    assertThat(v1.labeled()).isEqualTo(2);
    assertThat(v1.wrong()).isEqualTo(1);
    assertThat(v1.correctionRate()).isCloseTo(1.0 / 3, within(1e-9));
    assertThat(v1.accuracyOnLabeled()).isEqualTo(0.5);
    assertThat(v1.meanTimeToCorrectionMs()).isEqualTo(Duration.ofMinutes(20).toMillis());
    assertThat(v1.windows()).hasSize(1);
    assertThat(v1.windows().get(0).from()).isEqualTo(T0.toString());
    VersionStats v2 = versions.get(1);
    assertThat(v2.predictions()).isEqualTo(1);
    assertThat(v2.labeled()).isZero();
    assertThat(v2.accuracyOnLabeled()).isNull();
  }

  @Test
  void aSupersedingCorrectionMovesItsConfusionCountInsteadOfAddingOne() {
    f.event("e1", T0);
    f.predict("e1", T0, 1, "billing");
    f.event("e2", T0);
    f.predict("e2", T0, 1, "billing");
    f.correct("e1", "outage", at(Duration.ofMinutes(10)));
    f.correct("e2", "billing", at(Duration.ofMinutes(10)));
    f.correct("e1", "refunds", at(Duration.ofMinutes(20)));

    FeedbackQueries.Confusion c = queries.confusion("tickets:1", FROM, TO);
    assertThat(c.cells())
        .containsExactlyInAnyOrder(
            new Cell("billing", "billing", 1), new Cell("billing", "refunds", 1));
    assertThat(c.labels()).contains("billing", "refunds").doesNotContain("outage");
    var billing =
        c.perLabel().stream().filter(l -> l.label().equals("billing")).findFirst().orElseThrow();
    assertThat(billing.predicted()).isEqualTo(2);
    assertThat(billing.labeledPredicted()).isEqualTo(2);
    assertThat(billing.truePositive()).isEqualTo(1);
    assertThat(billing.precision()).isEqualTo(0.5);
    assertThat(billing.recall()).isEqualTo(1.0);
    VersionStats v1 = queries.versions(FROM, TO).get(0);
    assertThat(v1.labeled()).isEqualTo(2);
    assertThat(v1.wrong()).isEqualTo(1);
  }

  @Test
  void implicitConfirmationsAreCountedApartFromHumanLabels() {
    f.close();
    f = new Fixture(Fixture.defaults().withImplicit(true, Duration.ofHours(1)), stateDir);
    f.event("e1", T0);
    f.predict("e1", T0, 1, "billing");
    f.advanceStreamTime(at(Duration.ofHours(2)));
    VersionStats v1 = queries.versions(FROM, TO).get(0);
    assertThat(v1.implicit()).isEqualTo(1);
    assertThat(v1.labeled()).isZero();
  }

  @Test
  void openTriageItemsCarryTheEventTextAndCloseOnCorrection() {
    f.event("e1", T0);
    f.triage.pipeInput("e1", Fixture.triaged("e1", T0, 1, "billing", 0.41), T0);
    f.event("e2", at(Duration.ofMinutes(1)));
    f.triage.pipeInput(
        "e2",
        Fixture.triaged("e2", at(Duration.ofMinutes(1)), 1, "refunds", 0.5),
        at(Duration.ofMinutes(1)));

    List<FeedbackQueries.TriageItem> open = queries.openTriage(10);
    assertThat(open).extracting(FeedbackQueries.TriageItem::eventId).containsExactly("e1", "e2");
    assertThat(open.get(0).text()).isEqualTo("text of e1");
    assertThat(open.get(0).topProbability()).isEqualTo(0.41);
    assertThat(open.get(0).probabilities()).hasSize(2);

    f.corrections.pipeInput(
        "e1", Fixture.correction("e1", "billing", at(Duration.ofMinutes(2)), LabelSource.TRIAGE));
    assertThat(queries.openTriage(10))
        .extracting(FeedbackQueries.TriageItem::eventId)
        .containsExactly("e2");
    assertThat(queries.openTriage(0)).isEmpty();
  }

  @Test
  void recentFeedbackIsNewestFirstWithoutTextOnceForgotten() {
    f.event("e1", T0);
    f.predict("e1", T0, 1, "billing");
    f.event("e2", T0);
    f.predict("e2", T0, 1, "billing");
    f.correct("e1", "refunds", at(Duration.ofMinutes(1)));
    f.correct("e2", "outage", at(Duration.ofMinutes(2)));

    List<FeedbackQueries.RecentFeedback> recent = queries.recentFeedback(10);
    assertThat(recent)
        .extracting(FeedbackQueries.RecentFeedback::eventId)
        .containsExactly("e2", "e1");
    assertThat(recent.get(0).text()).isEqualTo("text of e2");
    assertThat(recent.get(0).predictedBy()).isEqualTo("tickets:1");
    assertThat(recent.get(0).correct()).isFalse();
    assertThat(queries.recentFeedback(1)).hasSize(1);

    f.forgotten.pipeInput(
        "e2",
        dev.loopline.avro.Forgotten.newBuilder()
            .setEventId("e2")
            .setRequestedAt(at(Duration.ofMinutes(3)))
            .setRequestedBy("dpo")
            .build(),
        at(Duration.ofMinutes(3)));
    assertThat(queries.recentFeedback(10).get(0).text()).isNull();
  }
}
