package dev.loopline.retrain.job;

import dev.loopline.avro.ClassMetrics;
import dev.loopline.avro.Metrics;
import dev.loopline.model.eval.ClassReport;
import dev.loopline.model.eval.EvaluationReport;
import dev.loopline.model.eval.Evaluator;
import dev.loopline.model.policy.DecisionPolicy;
import dev.loopline.retrain.gate.GateMetrics;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * model-core's evaluation on a slice of the holdout, and its report turned into what the gate and
 * the {@code model-versions} record need.
 */
final class Evaluations {

  private Evaluations() {}

  /** The report on the examples where {@code mask} is true (all when null); null if none are. */
  static EvaluationReport evaluate(
      List<String> labels,
      int[] y,
      float[][] probs,
      String[] sources,
      DecisionPolicy policy,
      boolean[] mask) {
    if (mask == null) {
      return y.length == 0 ? null : Evaluator.evaluate(labels, y, probs, sources, policy);
    }
    int n = 0;
    for (boolean b : mask) {
      n += b ? 1 : 0;
    }
    if (n == 0) {
      return null;
    }
    int[] sy = new int[n];
    float[][] sp = new float[n][];
    String[] ss = new String[n];
    int j = 0;
    for (int i = 0; i < mask.length; i++) {
      if (mask[i]) {
        sy[j] = y[i];
        sp[j] = probs[i];
        ss[j] = sources[i];
        j++;
      }
    }
    return Evaluator.evaluate(labels, sy, sp, ss, policy);
  }

  static double macroF1(EvaluationReport r) {
    return r == null ? Double.NaN : r.macroF1();
  }

  /** Examples, macro-F1 and recall of each class that occurs in the slice. */
  static GateMetrics gateMetrics(EvaluationReport r) {
    if (r == null) {
      return new GateMetrics(0, Double.NaN, Map.of());
    }
    Map<String, Double> recall = new LinkedHashMap<>();
    for (ClassReport c : r.perClass()) {
      if (c.support() > 0) {
        recall.put(c.label(), c.recall());
      }
    }
    return new GateMetrics(r.examples(), r.macroF1(), recall);
  }

  static Metrics toMetrics(EvaluationReport r) {
    if (r == null) {
      return null;
    }
    List<ClassMetrics> perClass = new ArrayList<>();
    for (ClassReport c : r.perClass()) {
      perClass.add(
          new ClassMetrics(c.label(), c.precision(), c.recall(), c.f1(), (int) c.support()));
    }
    return Metrics.newBuilder()
        .setExamples(r.examples())
        .setAccuracy(r.accuracy())
        .setMacroF1(r.macroF1())
        .setLogLoss(r.logLoss())
        .setTriageRate(r.triageRate())
        .setAutoRoutePrecision(r.autoRoutePrecision())
        .setPerClass(perClass)
        .build();
  }

  static Map<String, Metrics> bySource(EvaluationReport r) {
    Map<String, Metrics> out = new TreeMap<>();
    if (r != null) {
      r.bySource().forEach((source, report) -> out.put(source, toMetrics(report)));
    }
    return out;
  }
}
