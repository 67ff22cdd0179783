package dev.loopline.retrain.gate;

import dev.loopline.retrain.gate.GateDecision.Verdict;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Decides whether a candidate replaces production. Both are measured on the same holdout, on the
 * unbiased label sources only ({@link GateConfig#sources()}).
 *
 * <ul>
 *   <li>No production model (or none comparable): PROMOTED if macro-F1 clears the absolute floor,
 *       else REJECTED.
 *   <li>Otherwise PROMOTED if macro-F1 is no worse than production's minus the tolerance and no
 *       class's recall drops more than the bound; a miss within the reject margin is kept as
 *       CANDIDATE (for shadow scoring), a bigger one is REJECTED.
 *   <li>Too few gate examples to decide: CANDIDATE (or REJECTED for a first model).
 * </ul>
 */
public final class PromotionGate {

  private final GateConfig config;

  public PromotionGate(GateConfig config) {
    this.config = config;
  }

  /**
   * @param candidate the candidate on the gate slice
   * @param production production on the same slice, or null when there is none to compare with
   * @param noProductionWhy why there is no comparison (e.g. "first model"), used in the reason
   */
  public GateDecision decide(
      GateMetrics candidate, GateMetrics production, String noProductionWhy) {
    String src = String.join("+", config.sources());
    if (candidate.examples() < config.minExamples()) {
      String why =
          String.format(
              Locale.ROOT,
              "only %d holdout examples from %s (gate needs %d)",
              candidate.examples(),
              src,
              config.minExamples());
      return new GateDecision(production == null ? Verdict.REJECTED : Verdict.CANDIDATE, why);
    }
    if (production == null) {
      if (candidate.macroF1() >= config.absoluteFloor()) {
        return new GateDecision(
            Verdict.PROMOTED,
            String.format(
                Locale.ROOT,
                "%s: macro-F1 %.4f clears the floor %.4f on %d %s holdout examples",
                noProductionWhy,
                candidate.macroF1(),
                config.absoluteFloor(),
                candidate.examples(),
                src));
      }
      return new GateDecision(
          Verdict.REJECTED,
          String.format(
              Locale.ROOT,
              "%s: macro-F1 %.4f is below the floor %.4f on %d %s holdout examples",
              noProductionWhy,
              candidate.macroF1(),
              config.absoluteFloor(),
              candidate.examples(),
              src));
    }
    double delta = candidate.macroF1() - production.macroF1();
    List<String> drops = new ArrayList<>();
    double worstDrop = 0;
    for (Map.Entry<String, Double> e : production.recallByLabel().entrySet()) {
      Double cand = candidate.recallByLabel().get(e.getKey());
      if (cand == null || e.getValue() == null || Double.isNaN(e.getValue())) {
        continue;
      }
      double drop = e.getValue() - cand;
      if (drop > config.maxRecallDrop()) {
        drops.add(
            String.format(
                Locale.ROOT,
                "%s recall %.4f -> %.4f",
                e.getKey(),
                e.getValue(),
                cand.doubleValue()));
        worstDrop = Math.max(worstDrop, drop);
      }
    }
    String compared =
        String.format(
            Locale.ROOT,
            "macro-F1 %.4f vs production %.4f (%+.4f) on %d %s holdout examples",
            candidate.macroF1(),
            production.macroF1(),
            delta,
            candidate.examples(),
            src);
    boolean f1Ok = delta >= -config.macroF1Tolerance();
    if (f1Ok && drops.isEmpty()) {
      return new GateDecision(Verdict.PROMOTED, "not worse than production: " + compared);
    }
    StringBuilder reason = new StringBuilder();
    if (!f1Ok) {
      reason.append(
          String.format(
              Locale.ROOT,
              "macro-F1 worse than production beyond tolerance %.4f: ",
              config.macroF1Tolerance()));
    } else {
      reason.append(
          String.format(
              Locale.ROOT,
              "class recall dropped more than %.4f (%s): ",
              config.maxRecallDrop(),
              String.join(", ", drops)));
    }
    reason.append(compared);
    if (!f1Ok && !drops.isEmpty()) {
      reason.append("; recall drops: ").append(String.join(", ", drops));
    }
    boolean farOff = delta < -config.rejectMargin() || worstDrop > 2 * config.maxRecallDrop();
    return new GateDecision(farOff ? Verdict.REJECTED : Verdict.CANDIDATE, reason.toString());
  }
}
