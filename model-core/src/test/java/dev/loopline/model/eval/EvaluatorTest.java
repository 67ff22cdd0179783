package dev.loopline.model.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.loopline.model.json.Json;
import dev.loopline.model.policy.DecisionPolicy;
import java.util.List;
import java.util.Map;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;

class EvaluatorTest {

  private static final Offset<Double> EPS = Offset.offset(1e-6);
  private static final List<String> LABELS = List.of("a", "b", "c");
  private static final int[] TRUTH = {0, 0, 1, 1, 2, 2};
  private static final float[][] PROBS = {
    {0.8f, 0.1f, 0.1f}, // a, auto-routed, right
    {0.5f, 0.4f, 0.1f}, // a, triage, right
    {0.1f, 0.85f, 0.05f}, // b, auto-routed, right
    {0.75f, 0.2f, 0.05f}, // predicted a, auto-routed, wrong
    {0.2f, 0.3f, 0.5f}, // c, triage, right
    {0.3f, 0.6f, 0.1f} // predicted b, triage, wrong
  };
  private static final String[] SOURCES = {"TRIAGE", "TRIAGE", "AUDIT", "AUDIT", null, "AUDIT"};

  @Test
  void computesTheHeadlineMetricsByHand() {
    EvaluationReport r = Evaluator.evaluate(LABELS, TRUTH, PROBS, null, null);
    assertThat(r.examples()).isEqualTo(6);
    assertThat(r.accuracy()).isCloseTo(4 / 6.0, EPS);
    assertThat(r.macroF1()).isCloseTo((0.8 + 0.5 + 2 / 3.0) / 3, EPS);
    double ll =
        -(Math.log(0.8f)
                + Math.log(0.5f)
                + Math.log(0.85f)
                + Math.log(0.2f)
                + Math.log(0.5f)
                + Math.log(0.1f))
            / 6;
    assertThat(r.logLoss()).isCloseTo(ll, EPS);
    assertThat(r.triageRate()).isCloseTo(0.5, EPS);
    assertThat(r.autoRouteRate()).isCloseTo(0.5, EPS);
    assertThat(r.autoRoutePrecision()).isCloseTo(2 / 3.0, EPS);
    assertThat(r.confusion()).isDeepEqualTo(new long[][] {{2, 0, 0}, {1, 1, 0}, {0, 1, 1}});
    assertThat(r.actions()).containsEntry("AUTO_ROUTE", 3L).containsEntry("TRIAGE", 3L);
    assertThat(r.bySource()).isEmpty();

    ClassReport a = r.forLabel("a");
    assertThat(a.support()).isEqualTo(2);
    assertThat(a.predicted()).isEqualTo(3);
    assertThat(a.precision()).isCloseTo(2 / 3.0, EPS);
    assertThat(a.recall()).isCloseTo(1.0, EPS);
    assertThat(a.f1()).isCloseTo(0.8, EPS);
    assertThat(a.autoRouted()).isEqualTo(2);
    assertThat(a.autoRouteCorrect()).isEqualTo(1);
    ClassReport c = r.forLabel("c");
    assertThat(c.precision()).isCloseTo(1.0, EPS);
    assertThat(c.recall()).isCloseTo(0.5, EPS);
  }

  @Test
  void breaksDownBySource() {
    EvaluationReport r = Evaluator.evaluate(LABELS, TRUTH, PROBS, SOURCES, null);
    assertThat(r.bySource()).containsOnlyKeys("AUDIT", "TRIAGE", Evaluator.UNKNOWN_SOURCE);
    EvaluationReport audit = r.bySource().get("AUDIT");
    assertThat(audit.examples()).isEqualTo(3);
    assertThat(audit.accuracy()).isCloseTo(1 / 3.0, EPS);
    assertThat(audit.autoRoutePrecision()).isCloseTo(0.5, EPS);
    assertThat(r.bySource().get("TRIAGE").accuracy()).isCloseTo(1.0, EPS);
    assertThat(r.bySource().get(Evaluator.UNKNOWN_SOURCE).examples()).isEqualTo(1);
    assertThat(audit.bySource()).isEmpty();

    Map<String, Double> m = r.toMetrics();
    assertThat(m.get("accuracy")).isCloseTo(4 / 6.0, EPS);
    assertThat(m.get("recall.b")).isCloseTo(0.5, EPS);
    assertThat(m.get("source.AUDIT.accuracy")).isCloseTo(1 / 3.0, EPS);
    assertThat(m.get("source.TRIAGE.examples")).isEqualTo(2.0);
    // the unknown-source example was triaged: no auto-route precision, and no NaN in the map
    assertThat(m).doesNotContainKey("source.UNKNOWN.autoRoutePrecision");
  }

  @Test
  void usesThePolicysThresholdsAndBands() {
    DecisionPolicy strict =
        DecisionPolicy.fromConfig(
            Map.of("policy.threshold.default", "0.82", "policy.never.auto", "b"));
    EvaluationReport r = Evaluator.evaluate(LABELS, TRUTH, PROBS, null, strict);
    assertThat(r.autoRouteRate()).isCloseTo(0.0, EPS);
    assertThat(r.autoRoutePrecision()).isNaN();
    assertThat(r.triageRate()).isCloseTo(1.0, EPS);

    DecisionPolicy banded = DecisionPolicy.fromConfig(Map.of("policy.bands.c", "0.5:HOLD"));
    EvaluationReport b = Evaluator.evaluate(LABELS, TRUTH, PROBS, null, banded);
    assertThat(b.actions()).containsEntry("HOLD", 1L).containsEntry("AUTO_ROUTE", 3L);
    assertThat(b.triageRate()).isCloseTo(2 / 6.0, EPS);
  }

  @Test
  void macroF1CountsOnlyLabelsThatOccurOrArePredicted() {
    List<String> labels = List.of("x", "y", "never");
    EvaluationReport r =
        Evaluator.evaluate(
            labels,
            new int[] {0, 1},
            new float[][] {{0.9f, 0.1f, 0f}, {0.1f, 0.9f, 0f}},
            null,
            null);
    assertThat(r.macroF1()).isCloseTo(1.0, EPS);
    assertThat(r.forLabel("never").f1()).isZero();
  }

  @Test
  void logLossIsClippedForZeroProbabilities() {
    EvaluationReport r =
        Evaluator.evaluate(List.of("x", "y"), new int[] {0}, new float[][] {{0f, 1f}}, null, null);
    assertThat(r.logLoss()).isCloseTo(-Math.log(1e-15), EPS);
  }

  @Test
  void emptyInputGivesNaNNotAnException() {
    EvaluationReport r = Evaluator.evaluate(LABELS, new int[0], new float[0][], null, null);
    assertThat(r.examples()).isZero();
    assertThat(r.accuracy()).isNaN();
    assertThat(r.toMetrics()).containsEntry("examples", 0.0).doesNotContainKey("accuracy");
  }

  @Test
  void rejectsMisalignedInput() {
    assertThatThrownBy(
            () -> Evaluator.evaluate(LABELS, new int[] {0}, new float[][] {{1f, 0f}}, null, null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("expected 3 probabilities");
    assertThatThrownBy(
            () ->
                Evaluator.evaluate(LABELS, new int[] {3}, new float[][] {{1f, 0f, 0f}}, null, null))
        .hasMessageContaining("outside");
    assertThatThrownBy(() -> Evaluator.evaluate(LABELS, TRUTH, PROBS, new String[1], null))
        .hasMessageContaining("sources");
  }

  @Test
  void thresholdSweepTradesRateForPrecision() {
    List<ThresholdPoint> sweep = Evaluator.thresholdSweep(TRUTH, PROBS);
    assertThat(sweep).hasSize(100);
    assertThat(sweep.get(0).threshold()).isZero();
    assertThat(sweep.get(99).threshold()).isCloseTo(0.99, EPS);
    assertThat(sweep.get(0).autoRouted()).isEqualTo(6);
    assertThat(sweep.get(0).precision()).isCloseTo(4 / 6.0, EPS);
    assertThat(sweep.get(50).autoRouted()).isEqualTo(6);
    assertThat(sweep.get(51).autoRouted()).isEqualTo(4);
    assertThat(sweep.get(51).correct()).isEqualTo(2);
    assertThat(sweep.get(76).autoRouted()).isEqualTo(2);
    assertThat(sweep.get(76).precision()).isCloseTo(1.0, EPS);
    assertThat(sweep.get(80).autoRouted()).isEqualTo(2);
    assertThat(sweep.get(81).autoRouted()).isEqualTo(1);
    assertThat(sweep.get(86).autoRouted()).isZero();
    assertThat(sweep.get(86).precision()).isNaN();
    assertThat(sweep.get(81).autoRouteRate()).isCloseTo(1 / 6.0, EPS);
  }

  @Test
  void calibrationBinsAndExpectedCalibrationError() {
    List<CalibrationBin> bins = Evaluator.calibration(TRUTH, PROBS, 10);
    assertThat(bins).hasSize(10);
    assertThat(bins.get(5).count()).isEqualTo(2);
    assertThat(bins.get(5).accuracy()).isCloseTo(1.0, EPS);
    assertThat(bins.get(8).count()).isEqualTo(2);
    assertThat(bins.get(8).meanConfidence()).isCloseTo(0.825, EPS);
    assertThat(bins.get(7).accuracy()).isZero();
    assertThat(bins.get(0).count()).isZero();
    assertThat(bins.get(0).accuracy()).isNaN();
    assertThat(Evaluator.expectedCalibrationError(bins)).isCloseTo(0.45, Offset.offset(1e-6));
  }

  @Test
  void reportsSerializeToJson() {
    EvaluationReport r = Evaluator.evaluate(LABELS, TRUTH, PROBS, SOURCES, null);
    String json = Json.toPrettyJson(r);
    assertThat(json).contains("\"macroF1\"").contains("\"AUDIT\"").contains("\"confusion\"");
    EvaluationReport back = Json.fromJson(json, EvaluationReport.class);
    assertThat(back.accuracy()).isEqualTo(r.accuracy());
    assertThat(back.confusion()).isDeepEqualTo(r.confusion());
    assertThat(back.bySource().get("AUDIT").examples()).isEqualTo(3);
  }
}
