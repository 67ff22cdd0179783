package dev.loopline.retrain.gate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.loopline.config.LooplineConfig;
import dev.loopline.retrain.gate.GateDecision.Verdict;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PromotionGateTest {

  private final PromotionGate gate =
      new PromotionGate(GateConfig.from(LooplineConfig.of(Map.of())));

  private static GateMetrics m(double f1, double billing, double shipping) {
    return new GateMetrics(200, f1, Map.of("Billing", billing, "Shipping", shipping));
  }

  @Test
  void defaultsMeasureOnUnbiasedSourcesOnly() {
    GateConfig c = GateConfig.from(LooplineConfig.of(Map.of()));
    assertThat(c.sources()).containsExactly("TRIAGE", "AUDIT", "CONFIRM", "BOOTSTRAP");
  }

  @Test
  void firstModelNeedsTheFloor() {
    assertThat(gate.decide(m(0.8, 0.8, 0.8), null, "first model").verdict())
        .isEqualTo(Verdict.PROMOTED);
    GateDecision low = gate.decide(m(0.3, 0.3, 0.3), null, "first model");
    assertThat(low.verdict()).isEqualTo(Verdict.REJECTED);
    assertThat(low.reason()).contains("below the floor");
  }

  @Test
  void promotesWhenNotWorseBeyondTolerance() {
    GateDecision d = gate.decide(m(0.795, 0.8, 0.8), m(0.80, 0.8, 0.8), null);
    assertThat(d.verdict()).isEqualTo(Verdict.PROMOTED);
    assertThat(d.reason()).contains("not worse than production");
  }

  @Test
  void aSmallMissIsKeptAsCandidateABigOneRejected() {
    GateDecision close = gate.decide(m(0.77, 0.8, 0.8), m(0.80, 0.8, 0.8), null);
    assertThat(close.verdict()).isEqualTo(Verdict.CANDIDATE);
    assertThat(close.reason()).contains("beyond tolerance");
    GateDecision far = gate.decide(m(0.60, 0.6, 0.6), m(0.80, 0.8, 0.8), null);
    assertThat(far.verdict()).isEqualTo(Verdict.REJECTED);
  }

  @Test
  void aClassRecallDropBlocksPromotionEvenWithBetterMacroF1() {
    GateDecision d = gate.decide(m(0.85, 0.95, 0.73), m(0.80, 0.80, 0.80), null);
    assertThat(d.verdict()).isEqualTo(Verdict.CANDIDATE);
    assertThat(d.reason()).contains("Shipping recall 0.8000 -> 0.7300");
  }

  @Test
  void tooFewGateExamplesCannotPromote() {
    GateMetrics few = new GateMetrics(5, 0.99, Map.of());
    assertThat(gate.decide(few, m(0.5, 0.5, 0.5), null).verdict()).isEqualTo(Verdict.CANDIDATE);
    assertThat(gate.decide(few, null, "first model").verdict()).isEqualTo(Verdict.REJECTED);
  }
}
