package dev.loopline.backtest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.loopline.model.eval.EvaluationReport;
import dev.loopline.model.policy.DecisionPolicy;
import dev.loopline.retrain.job.HoldoutSplit;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Report figures on a small case computed by hand (two versions, labels A and B). */
class ReportBuilderTest {

  private static final List<String> AB = List.of("A", "B");

  private static VersionSpec version(int v) {
    return new VersionSpec("m", v, "file:///x", "sha", AB, "fp", List.of());
  }

  private static BacktestRow row(
      String id, String label, String channel, long trainedMask, float a1, float a2) {
    BacktestRow r = new BacktestRow();
    r.eventId = id;
    r.label = label;
    r.labelSource = "TRIAGE";
    r.slice = channel;
    r.trainedMask = trainedMask;
    r.probs = new float[] {a1, 1 - a1, a2, 1 - a2};
    return r;
  }

  /** Two versions, threshold 0.8, no audit draw, slices by channel. */
  private static ReportBuilder twoVersions(boolean includeTrained) {
    return new ReportBuilder(
        List.of(version(1), version(2)),
        DecisionPolicy.fromConfig(
            Map.of("policy.threshold.default", "0.8", "policy.audit.rate", "0")),
        "channel",
        includeTrained,
        "2026-03-01T00:00:00Z",
        "2026-03-02T00:00:00Z");
  }

  private static BacktestReport sixEvents(boolean includeTrained) {
    ReportBuilder b = twoVersions(includeTrained);
    // v1 probs (P(A)), v2 probs (P(A)), true label:
    b.add(row("e1", "A", "email", 0, 0.9f, 0.95f)); // v1 A auto ok, v2 A auto ok
    b.add(row("e2", "A", "chat", 0, 0.6f, 0.85f)); // v1 A triage ok, v2 A auto ok
    b.add(row("e3", "B", "email", 0, 0.7f, 0.1f)); // v1 A triage WRONG, v2 B auto ok
    b.add(row("e4", "B", "chat", 0b10, 0.3f, 0.5f)); // v2 trained on it: excluded for v2
    b.add(row("e5", null, "chat", 0, 0.9f, 0.9f)); // no label: counts for coverage only
    BacktestRow served = row("e6", "B", "email", 0, 0.05f, 0.15f); // v1 B auto ok; v2 B auto ok
    served.servedVersion = 1;
    served.servedDecision = "AUTO_ROUTE";
    served.servedTopLabel = "A"; // what served said, recorded: wrong
    served.servedLabels = new String[] {"B", "A"};
    served.servedProbs = new float[] {0.1f, 0.9f};
    b.add(served);
    return b.build();
  }

  @Test
  void figuresMatchTheHandComputedExpectation() {
    BacktestReport r = sixEvents(false);
    assertThat(r.eventsReplayed()).isEqualTo(6);
    assertThat(r.labelled()).isEqualTo(5);

    BacktestReport.VersionResult v1 = r.versions().get(0);
    EvaluationReport e1 = v1.report();
    assertThat(v1.coverage()).isCloseTo(5 / 6.0, within(1e-9));
    assertThat(v1.trainedOn()).isZero();
    assertThat(e1.examples()).isEqualTo(5);
    // v1 top labels: A A A B B vs truth A A B B B -> 4/5 right
    assertThat(e1.accuracy()).isCloseTo(0.8, within(1e-9));
    assertThat(e1.confusion()).isDeepEqualTo(new long[][] {{2, 0}, {1, 2}});
    // A: precision 2/3, recall 1; B: precision 1, recall 2/3; F1 0.8 each
    assertThat(e1.forLabel("A").precision()).isCloseTo(2 / 3.0, within(1e-9));
    assertThat(e1.forLabel("B").recall()).isCloseTo(2 / 3.0, within(1e-9));
    assertThat(e1.macroF1()).isCloseTo(0.8, within(1e-9));
    // threshold 0.8: e1 (0.9 A) and e6 (0.95 B) auto-route, both right; e2, e3, e4 triage
    assertThat(e1.autoRouteRate()).isCloseTo(2 / 5.0, within(1e-9));
    assertThat(e1.autoRoutePrecision()).isCloseTo(1.0, within(1e-9));
    assertThat(e1.triageRate()).isCloseTo(3 / 5.0, within(1e-9));

    BacktestReport.VersionResult v2 = r.versions().get(1);
    assertThat(v2.trainedOn()).isEqualTo(1);
    assertThat(v2.report().examples()).isEqualTo(4); // e4 excluded by the leakage guard
    assertThat(v2.report().accuracy()).isCloseTo(1.0, within(1e-9));
    assertThat(v2.report().autoRouteRate()).isCloseTo(1.0, within(1e-9));

    // slices of v1: chat = e2 (right), e4 (right); email = e1, e3 (wrong), e6
    assertThat(v1.slices())
        .extracting(BacktestReport.Slice::value, BacktestReport.Slice::examples)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("chat", 2),
            org.assertj.core.groups.Tuple.tuple("email", 3));
    assertThat(v1.slices().get(1).accuracy()).isCloseTo(2 / 3.0, within(1e-9));

    // served: one labelled event, recorded AUTO_ROUTE to A but truth B; its probabilities are
    // mapped by label name (served order B, A) so the re-decided top label is A too
    BacktestReport.ServedResult s = r.served();
    assertThat(s.events()).isEqualTo(1);
    assertThat(s.byVersion()).containsEntry(1, 1L);
    assertThat(s.recordedAutoRouteRate()).isCloseTo(1.0, within(1e-9));
    assertThat(s.recordedAutoRoutePrecision()).isCloseTo(0.0, within(1e-9));
    assertThat(s.report().accuracy()).isCloseTo(0.0, within(1e-9));
    assertThat(r.missing()).isEmpty();
  }

  @Test
  void theJsonFormReadsBackToTheSameReport() {
    BacktestReport r = sixEvents(false);
    String json = ReportRenderer.json(r);
    BacktestReport back = ReportRenderer.parse(json);
    assertThat(ReportRenderer.json(back)).isEqualTo(json);
    assertThat(back.versions().get(0).report().confusion())
        .isDeepEqualTo(new long[][] {{2, 0}, {1, 2}});
    assertThat(back.versions().get(0).sweep().get(99).precision()).isNaN();
  }

  @Test
  void includeTrainedKeepsAndCountsTheTrainedEvents() {
    BacktestReport r = sixEvents(true);
    assertThat(r.versions().get(1).trainedOn()).isEqualTo(1);
    assertThat(r.versions().get(1).report().examples()).isEqualTo(5);
  }

  @Test
  void aRangeWithoutLabelsIsAPartialReportSayingSo() {
    ReportBuilder b =
        new ReportBuilder(List.of(version(1)), DecisionPolicy.defaults(), null, false, "a", "b");
    b.add(row("e1", null, null, 0, 0.9f, 0.9f));
    BacktestReport r = b.build();
    assertThat(r.versions().get(0).report()).isNull();
    assertThat(r.missing()).anyMatch(m -> m.startsWith("no labels"));
    assertThat(ReportRenderer.table(r)).contains("missing: no labels");
    assertThat(ReportRenderer.html(r)).contains("Missing: no labels");
  }

  @Test
  void theTrainingSetFollowsOffsetsAndTheSplit() {
    HoldoutSplit split = new HoldoutSplit(7L, 0.2);
    TrainingSet t = new TrainingSet(1, Map.of(0, 10L), split);
    String trainId = null;
    String holdoutId = null;
    for (int i = 0; trainId == null || holdoutId == null; i++) {
      String id = "ev-" + i;
      if (split.isHoldout(id)) {
        holdoutId = holdoutId == null ? id : holdoutId;
      } else {
        trainId = trainId == null ? id : trainId;
      }
    }
    assertThat(t.contains(trainId, 0, 9)).isTrue();
    assertThat(t.contains(trainId, 0, 10)).as("at or past the recorded end offset").isFalse();
    assertThat(t.contains(trainId, 1, 0)).as("a partition it did not read").isFalse();
    assertThat(t.contains(holdoutId, 0, 0)).as("held out").isFalse();
    VersionSpec child =
        new VersionSpec(
            "m", 2, "u", "s", AB, "fp", List.of(new TrainingSet(2, Map.of(0, 3L), split), t));
    assertThat(child.trainedOn(trainId, 0, 9)).as("via the ancestor").isTrue();
  }

  @Test
  void htmlEscapesTextAndHasTheCharts() {
    VersionSpec v =
        new VersionSpec("m<script>", 1, "u", "s", List.of("<b>A", "B&"), "fp", List.of());
    ReportBuilder b =
        new ReportBuilder(List.of(v), DecisionPolicy.defaults(), "ch", false, "a", "b");
    BacktestRow r = row("e1", "<b>A", "<img>", 0, 0.9f, 0.9f);
    r.probs = new float[] {0.9f, 0.1f};
    b.add(r);
    String html = ReportRenderer.html(b.build());
    assertThat(html).doesNotContain("<script>").doesNotContain("<b>A").doesNotContain("<img>");
    assertThat(html).contains("m&lt;script&gt;:1").contains("&lt;b&gt;A").contains("B&amp;");
    assertThat(html).contains("<polyline").contains("<rect");
    assertThat(ReportRenderer.json(b.build())).contains("\"eventsReplayed\" : 1");
  }

  @Test
  void aLongServedVersionListStaysInItsColumn() {
    assertThat(ReportRenderer.servedName(java.util.Set.of(2, 1))).isEqualTo("served [1, 2]");
    java.util.Set<Integer> many = new java.util.HashSet<>();
    for (int v = 1; v <= 15; v++) {
      many.add(v);
    }
    assertThat(ReportRenderer.servedName(many)).isEqualTo("served [1..15] (15)");
  }

  @Test
  void aCountRowCountsAsThatManyUnlabelledEvents() {
    ReportBuilder single =
        new ReportBuilder(List.of(version(1)), DecisionPolicy.defaults(), null, false, "a", "b");
    ReportBuilder counted =
        new ReportBuilder(List.of(version(1)), DecisionPolicy.defaults(), null, false, "a", "b");
    for (ReportBuilder b : List.of(single, counted)) {
      BacktestRow labelled = row("e1", "A", null, 0, 0.9f, 0.9f);
      labelled.probs = new float[] {0.9f, 0.1f};
      b.add(labelled);
    }
    for (int i = 0; i < 5; i++) {
      single.add(new BacktestRow());
    }
    for (int i = 0; i < 2; i++) {
      BacktestRow gone = new BacktestRow();
      gone.forgotten = true;
      single.add(gone);
    }
    BacktestRow five = new BacktestRow();
    five.count = 5;
    BacktestRow two = new BacktestRow();
    two.count = 2;
    two.forgotten = true;
    counted.add(five);
    counted.add(two);

    BacktestReport r = counted.build();
    assertThat(r.eventsReplayed()).isEqualTo(8);
    assertThat(r.forgotten()).isEqualTo(2);
    assertThat(r.labelled()).isEqualTo(1);
    assertThat(ReportRenderer.json(r)).isEqualTo(ReportRenderer.json(single.build()));
  }

  @Test
  void theReportDoesNotDependOnTheOrderRowsArriveIn() {
    List<BacktestRow> rows = new java.util.ArrayList<>();
    java.util.SplittableRandom rnd = new java.util.SplittableRandom(7);
    for (int i = 0; i < 500; i++) {
      BacktestRow r =
          row(
              "id-" + i,
              i % 3 == 0 ? "A" : "B",
              i % 2 == 0 ? "email" : "chat",
              0,
              (float) rnd.nextDouble(),
              (float) rnd.nextDouble());
      r.occurredAt = 1_000 + i % 37; // ties on event time too
      rows.add(r);
    }
    String[] json = new String[2];
    for (int round = 0; round < 2; round++) {
      List<BacktestRow> order = new java.util.ArrayList<>();
      for (BacktestRow r : rows) { // fresh copies: the builder drops each row's id
        BacktestRow c = row(r.eventId, r.label, r.slice, 0, r.probs[0], r.probs[2]);
        c.occurredAt = r.occurredAt;
        order.add(c);
      }
      java.util.Collections.shuffle(order, new java.util.Random(round));
      ReportBuilder b = twoVersions(false);
      order.forEach(b::add);
      json[round] = ReportRenderer.json(b.build());
    }
    assertThat(json[1]).isEqualTo(json[0]);
  }
}
