package dev.loopline.model.eval;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Metrics of a model on labelled examples, overall and per label source, computed one way for the
 * retrain job's promotion gate, the artifact's metadata and backtest.
 *
 * @param examples number of examples
 * @param accuracy share whose top label is right
 * @param macroF1 mean F1 over labels that occur or are predicted
 * @param logLoss mean {@code -ln p(true label)}, with p clipped at 1e-15
 * @param triageRate share of examples the policy sends to triage (audit draw not applied)
 * @param autoRoutePrecision share of auto-routed examples routed to their true label (NaN when
 *     nothing was auto-routed)
 * @param perClass one entry per label, in label order
 * @param confusion {@code confusion[true][predicted]} counts, label order
 * @param bySource the same report per label source (empty when no sources were given; nested
 *     reports have no further breakdown)
 * @param labels the labels, in model order
 * @param autoRouteRate share of examples the policy auto-routes
 * @param actions examples per policy action (AUTO_ROUTE, TRIAGE, band actions)
 */
public record EvaluationReport(
    int examples,
    double accuracy,
    double macroF1,
    double logLoss,
    double triageRate,
    double autoRoutePrecision,
    List<ClassReport> perClass,
    long[][] confusion,
    Map<String, EvaluationReport> bySource,
    List<String> labels,
    double autoRouteRate,
    Map<String, Long> actions) {

  /**
   * Flat metric map for {@code ModelMetadata.metrics} and the {@code Metrics} record: {@code
   * accuracy}, {@code macroF1}, {@code logLoss}, {@code triageRate}, {@code autoRouteRate}, {@code
   * autoRoutePrecision}, {@code examples}, {@code precision.<label>}, {@code recall.<label>},
   * {@code f1.<label>}, {@code support.<label>}, and {@code source.<SOURCE>.<metric>} for the
   * headline metrics per source. NaN values are left out.
   */
  public Map<String, Double> toMetrics() {
    Map<String, Double> out = new LinkedHashMap<>();
    headline("", this, out);
    for (ClassReport c : perClass) {
      put(out, "precision." + c.label(), c.precision());
      put(out, "recall." + c.label(), c.recall());
      put(out, "f1." + c.label(), c.f1());
      put(out, "support." + c.label(), c.support());
    }
    bySource.forEach((source, r) -> headline("source." + source + ".", r, out));
    return out;
  }

  private static void headline(String prefix, EvaluationReport r, Map<String, Double> out) {
    put(out, prefix + "examples", r.examples());
    put(out, prefix + "accuracy", r.accuracy());
    put(out, prefix + "macroF1", r.macroF1());
    put(out, prefix + "logLoss", r.logLoss());
    put(out, prefix + "triageRate", r.triageRate());
    put(out, prefix + "autoRouteRate", r.autoRouteRate());
    put(out, prefix + "autoRoutePrecision", r.autoRoutePrecision());
  }

  private static void put(Map<String, Double> out, String key, double v) {
    if (!Double.isNaN(v)) {
      out.put(key, v);
    }
  }

  /** The report for one label (throws if unknown). */
  public ClassReport forLabel(String label) {
    for (ClassReport c : perClass) {
      if (c.label().equals(label)) {
        return c;
      }
    }
    throw new IllegalArgumentException("no such label: " + label);
  }
}
