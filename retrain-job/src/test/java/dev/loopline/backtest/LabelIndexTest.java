package dev.loopline.backtest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.loopline.retrain.job.HoldoutSplit;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The local label join's index follows the keyed join's rules: the latest label by labelledAt wins
 * (ties: later partition, then later offset), a version trained on the id when any of its feedback
 * records lies in the version's training set, forgotten ids have no label, and events without a
 * usable label lose what the report does not count.
 */
class LabelIndexTest {

  private static final List<String> AB = List.of("A", "B");

  /** v1 trained on partition 0 below offset 10 (in effect no holdout); v2 on nothing. */
  private final BacktestPlan plan =
      new BacktestPlan(
          List.of(
              new VersionSpec(
                  "m",
                  1,
                  "file:///x",
                  "sha",
                  AB,
                  "fp",
                  List.of(new TrainingSet(1, Map.of(0, 10L), new HoldoutSplit(1L, 1e-9)))),
              new VersionSpec("m", 2, "file:///y", "sha", AB, "fp", List.of())),
          "m",
          "file:///store",
          "/tmp",
          null,
          Set.of("gone"),
          256,
          Map.of(),
          false,
          "2026-01-01T00:00:00Z",
          "2026-01-02T00:00:00Z");

  private static BacktestRecord event(String id) {
    BacktestRecord r = new BacktestRecord();
    r.kind = BacktestRecord.EVENT;
    r.eventId = id;
    r.time = 1000;
    r.slice = "email";
    r.probs = new float[] {0.9f, 0.1f, 0.8f, 0.2f};
    return r;
  }

  @Test
  void theLatestLabelWinsAndTiesGoToTheLaterPosition() {
    LabelIndex index = new LabelIndex(plan);
    index.add("e1", "B", "TRIAGE", 50, 1, 30);
    index.add("e1", "A", "AUDIT", 60, 1, 20); // later labelledAt wins over the later offset
    index.add("e1", "B", "TRIAGE", 40, 1, 40);
    index.add("e2", "A", "TRIAGE", 50, 0, 30);
    index.add("e2", "B", "REROUTE", 50, 1, 5); // same time: the later partition wins
    index.add("e3", "A", "TRIAGE", 50, 1, 5);
    index.add("e3", "B", "CONFIRM", 50, 1, 6); // same time and partition: the later offset

    assertThat(index.size()).isEqualTo(3);
    assertThat(index.get("e1").label).isEqualTo("A");
    assertThat(index.get("e1").source).isEqualTo("AUDIT");
    assertThat(index.get("e2").label).isEqualTo("B");
    assertThat(index.get("e3").label).isEqualTo("B");
    assertThat(index.get("e3").source).isEqualTo("CONFIRM");
    assertThat(index.get("nope")).isNull();
  }

  @Test
  void aVersionTrainedOnTheIdWhenAnyOfItsRecordsWasInItsTrainingSet() {
    LabelIndex index = new LabelIndex(plan);
    index.add("e1", "A", "TRIAGE", 50, 0, 3); // in v1's training set
    index.add("e1", "B", "TRIAGE", 60, 0, 12); // the winning label is past it
    index.add("e2", "A", "TRIAGE", 60, 0, 12);
    index.add("e2", "B", "TRIAGE", 50, 0, 4); // a losing record in the set still counts

    BacktestRecord e1 = event("e1");
    assertThat(index.resolve(e1)).isTrue();
    assertThat(e1.resolved).isTrue();
    assertThat(e1.label).isEqualTo("B");
    assertThat(e1.trainedMask).isEqualTo(1L);
    assertThat(e1.probs).hasSize(4);
    BacktestRecord e2 = event("e2");
    assertThat(index.resolve(e2)).isTrue();
    assertThat(e2.label).isEqualTo("A");
    assertThat(e2.trainedMask).isEqualTo(1L);
  }

  @Test
  void unlabelledAndForgottenEventsKeepOnlyWhatTheReportCounts() {
    LabelIndex index = new LabelIndex(plan);
    index.add("gone", "A", "TRIAGE", 50, 1, 1);
    index.add("kept", "A", "TRIAGE", 50, 1, 2);
    assertThat(index.usable("kept")).isTrue();
    assertThat(index.usable("gone")).as("forgotten").isFalse();
    assertThat(index.usable("unlabelled")).isFalse();
    for (String id : List.of("gone", "unlabelled")) {
      BacktestRecord r = event(id);
      assertThat(index.resolve(r)).as(id).isFalse();
      assertThat(r.resolved).isTrue();
      assertThat(r.label).isNull();
      assertThat(r.probs).isNull();
      assertThat(r.slice).isNull();
      assertThat(r.eventId).as("still needed to meet its served prediction").isEqualTo(id);
    }
  }

  @Test
  void resolvedEventsJoinTheirServedPredictionWithTheLabelTheyCarry() {
    LabelIndex index = new LabelIndex(plan);
    index.add("e1", "B", "TRIAGE", 50, 0, 3);
    BacktestRecord e = event("e1");
    index.resolve(e);
    BacktestRecord served = new BacktestRecord();
    served.kind = BacktestRecord.SERVED;
    served.eventId = "e1";
    served.servedVersion = 4;
    served.servedTopLabel = "A";
    BacktestRow row = JoinFunction.row(e, e.label, e.labelSource, e.trainedMask, served, false);
    assertThat(row.label).isEqualTo("B");
    assertThat(row.trainedMask).isEqualTo(1L);
    assertThat(row.servedVersion).isEqualTo(4);
    assertThat(row.servedTopLabel).isEqualTo("A");
    assertThat(row.probs).containsExactly(0.9f, 0.1f, 0.8f, 0.2f);
    assertThat(row.count).isEqualTo(1);
  }

  @Test
  void tasksOfOneJvmShareOneIndexUntilTheLastLetsGo() {
    // no records to read (end offsets 0): no broker needed
    LabelIndex.Spec spec =
        new LabelIndex.Spec("feedback", Map.of(), Map.<String, Object>of(), Map.of(0, 0L));
    LabelIndex a = LabelIndex.acquire(spec, plan);
    LabelIndex b = LabelIndex.acquire(spec, plan);
    assertThat(b).isSameAs(a);
    assertThat(a.size()).isZero();
    LabelIndex.release(spec, plan);
    assertThat(LabelIndex.acquire(spec, plan)).as("still held by one task").isSameAs(a);
    LabelIndex.release(spec, plan);
    LabelIndex.release(spec, plan);
    LabelIndex c = LabelIndex.acquire(spec, plan);
    assertThat(c).as("all gave it back: read anew").isNotSameAs(a);
    LabelIndex.release(spec, plan);
  }
}
