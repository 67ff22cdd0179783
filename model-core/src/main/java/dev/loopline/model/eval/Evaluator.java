package dev.loopline.model.eval;

import dev.loopline.model.policy.Decision;
import dev.loopline.model.policy.DecisionPolicy;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Computes {@link EvaluationReport}s, threshold sweeps and reliability bins from true labels and
 * predicted probabilities. One implementation for the retrain job, the artifact's metrics and
 * backtest, so that "macro-F1" or "triage rate" means the same number everywhere.
 */
public final class Evaluator {

  /** Examples with no (null) label source are reported under this source. */
  public static final String UNKNOWN_SOURCE = "UNKNOWN";

  private static final double EPS = 1e-15;

  private Evaluator() {}

  /**
   * Evaluates predictions.
   *
   * @param labels the model's labels, in output order
   * @param trueIndex per example, the index of its true label
   * @param probabilities per example, one probability per label
   * @param sourcesOrNull per example, its label source (e.g. TRIAGE, AUDIT); null for no breakdown
   * @param policyOrNull the decision policy for triage rate and auto-route precision; null means
   *     {@link DecisionPolicy#defaults()}. The random audit draw is not applied: it is a sampling
   *     device, not a model property.
   * @throws IllegalArgumentException when the arrays do not line up
   */
  public static EvaluationReport evaluate(
      List<String> labels,
      int[] trueIndex,
      float[][] probabilities,
      String[] sourcesOrNull,
      DecisionPolicy policyOrNull) {
    check(labels, trueIndex, probabilities);
    if (sourcesOrNull != null && sourcesOrNull.length != trueIndex.length) {
      throw new IllegalArgumentException(
          sourcesOrNull.length + " sources for " + trueIndex.length + " examples");
    }
    DecisionPolicy policy = policyOrNull == null ? DecisionPolicy.defaults() : policyOrNull;
    policy.validateLabels(labels);
    Decision[] decisions = new Decision[trueIndex.length];
    for (int i = 0; i < trueIndex.length; i++) {
      decisions[i] = policy.decide(labels, probabilities[i], null);
    }
    int[] all = new int[trueIndex.length];
    for (int i = 0; i < all.length; i++) {
      all[i] = i;
    }
    Map<String, EvaluationReport> bySource = Map.of();
    if (sourcesOrNull != null) {
      Map<String, List<Integer>> groups = new TreeMap<>();
      for (int i = 0; i < sourcesOrNull.length; i++) {
        String s = sourcesOrNull[i] == null ? UNKNOWN_SOURCE : sourcesOrNull[i];
        groups.computeIfAbsent(s, k -> new ArrayList<>()).add(i);
      }
      Map<String, EvaluationReport> m = new TreeMap<>();
      groups.forEach(
          (s, rows) -> {
            int[] idx = rows.stream().mapToInt(Integer::intValue).toArray();
            m.put(s, report(labels, trueIndex, probabilities, decisions, idx, Map.of()));
          });
      bySource = Collections.unmodifiableMap(m);
    }
    return report(labels, trueIndex, probabilities, decisions, all, bySource);
  }

  private static void check(List<String> labels, int[] trueIndex, float[][] probabilities) {
    if (labels == null || labels.isEmpty()) {
      throw new IllegalArgumentException("no labels");
    }
    if (trueIndex.length != probabilities.length) {
      throw new IllegalArgumentException(
          trueIndex.length + " true labels for " + probabilities.length + " predictions");
    }
    int k = labels.size();
    for (int i = 0; i < trueIndex.length; i++) {
      if (trueIndex[i] < 0 || trueIndex[i] >= k) {
        throw new IllegalArgumentException(
            "example " + i + ": true label index " + trueIndex[i] + " outside [0, " + k + ")");
      }
      if (probabilities[i] == null || probabilities[i].length != k) {
        throw new IllegalArgumentException("example " + i + ": expected " + k + " probabilities");
      }
    }
  }

  private static EvaluationReport report(
      List<String> labels,
      int[] trueIndex,
      float[][] probabilities,
      Decision[] decisions,
      int[] rows,
      Map<String, EvaluationReport> bySource) {
    int k = labels.size();
    long[][] confusion = new long[k][k];
    long[] routed = new long[k];
    long[] routedCorrect = new long[k];
    Map<String, Long> actions = new TreeMap<>();
    long correct = 0;
    long triage = 0;
    long autoRouted = 0;
    long autoCorrect = 0;
    double logLoss = 0;
    for (int r : rows) {
      float[] p = probabilities[r];
      int t = trueIndex[r];
      Decision d = decisions[r];
      int top = d.topIndex();
      confusion[t][top]++;
      if (top == t) {
        correct++;
      }
      logLoss -= Math.log(Math.min(1.0, Math.max(EPS, p[t])));
      actions.merge(d.action(), 1L, Long::sum);
      if (d.triage()) {
        triage++;
      }
      if (d.autoRoute()) {
        autoRouted++;
        routed[top]++;
        if (top == t) {
          autoCorrect++;
          routedCorrect[top]++;
        }
      }
    }
    int n = rows.length;
    List<ClassReport> perClass = new ArrayList<>(k);
    double f1Sum = 0;
    int f1Count = 0;
    for (int c = 0; c < k; c++) {
      long support = 0;
      long predicted = 0;
      for (int j = 0; j < k; j++) {
        support += confusion[c][j];
        predicted += confusion[j][c];
      }
      long tp = confusion[c][c];
      double precision = predicted == 0 ? 0.0 : (double) tp / predicted;
      double recall = support == 0 ? 0.0 : (double) tp / support;
      double f1 = precision + recall == 0 ? 0.0 : 2 * precision * recall / (precision + recall);
      if (support > 0 || predicted > 0) {
        f1Sum += f1;
        f1Count++;
      }
      perClass.add(
          new ClassReport(
              labels.get(c),
              support,
              predicted,
              precision,
              recall,
              f1,
              routed[c],
              routedCorrect[c]));
    }
    return new EvaluationReport(
        n,
        n == 0 ? Double.NaN : (double) correct / n,
        f1Count == 0 ? Double.NaN : f1Sum / f1Count,
        n == 0 ? Double.NaN : logLoss / n,
        n == 0 ? Double.NaN : (double) triage / n,
        autoRouted == 0 ? Double.NaN : (double) autoCorrect / autoRouted,
        List.copyOf(perClass),
        confusion,
        bySource,
        List.copyOf(labels),
        n == 0 ? Double.NaN : (double) autoRouted / n,
        Collections.unmodifiableMap(actions));
  }

  /**
   * Auto-route rate and precision if every example whose top probability reaches the threshold were
   * auto-routed, at thresholds 0.00, 0.01, ..., 0.99: the curve a backtest plots to pick
   * thresholds.
   */
  public static List<ThresholdPoint> thresholdSweep(int[] trueIndex, float[][] probabilities) {
    if (trueIndex.length != probabilities.length) {
      throw new IllegalArgumentException(
          trueIndex.length + " true labels for " + probabilities.length + " predictions");
    }
    int steps = 100;
    long[] count = new long[steps]; // examples whose highest reached threshold index is k
    long[] right = new long[steps];
    for (int i = 0; i < trueIndex.length; i++) {
      float[] p = probabilities[i];
      int top = argmax(p);
      double tp = p[top];
      int kmax = (int) Math.floor(tp * steps);
      while (kmax + 1 < steps && (kmax + 1) / (double) steps <= tp) {
        kmax++;
      }
      while (kmax >= 0 && kmax / (double) steps > tp) {
        kmax--;
      }
      if (kmax < 0) {
        continue; // NaN or negative
      }
      kmax = Math.min(kmax, steps - 1);
      count[kmax]++;
      if (top == trueIndex[i]) {
        right[kmax]++;
      }
    }
    List<ThresholdPoint> out = new ArrayList<>(steps);
    long routedAbove = 0;
    long correctAbove = 0;
    ThresholdPoint[] points = new ThresholdPoint[steps];
    int n = trueIndex.length;
    for (int k = steps - 1; k >= 0; k--) {
      routedAbove += count[k];
      correctAbove += right[k];
      points[k] =
          new ThresholdPoint(
              k / (double) steps,
              routedAbove,
              correctAbove,
              n == 0 ? Double.NaN : (double) routedAbove / n,
              routedAbove == 0 ? Double.NaN : (double) correctAbove / routedAbove);
    }
    Collections.addAll(out, points);
    return out;
  }

  /**
   * Reliability of the top probability in {@code bins} equal-width bins over [0, 1]; empty bins are
   * included with count 0 and NaN averages.
   */
  public static List<CalibrationBin> calibration(
      int[] trueIndex, float[][] probabilities, int bins) {
    if (bins < 1) {
      throw new IllegalArgumentException("bins must be positive");
    }
    if (trueIndex.length != probabilities.length) {
      throw new IllegalArgumentException(
          trueIndex.length + " true labels for " + probabilities.length + " predictions");
    }
    long[] count = new long[bins];
    double[] conf = new double[bins];
    long[] right = new long[bins];
    for (int i = 0; i < trueIndex.length; i++) {
      float[] p = probabilities[i];
      int top = argmax(p);
      double tp = p[top];
      if (Double.isNaN(tp)) {
        continue;
      }
      int b = (int) Math.floor(Math.max(0.0, Math.min(1.0, tp)) * bins);
      b = Math.min(b, bins - 1);
      count[b]++;
      conf[b] += tp;
      if (top == trueIndex[i]) {
        right[b]++;
      }
    }
    List<CalibrationBin> out = new ArrayList<>(bins);
    for (int b = 0; b < bins; b++) {
      out.add(
          new CalibrationBin(
              b / (double) bins,
              (b + 1) / (double) bins,
              count[b],
              count[b] == 0 ? Double.NaN : conf[b] / count[b],
              count[b] == 0 ? Double.NaN : (double) right[b] / count[b]));
    }
    return out;
  }

  /** Expected calibration error: count-weighted mean |confidence - accuracy| over the bins. */
  public static double expectedCalibrationError(List<CalibrationBin> bins) {
    long total = 0;
    double sum = 0;
    for (CalibrationBin b : bins) {
      if (b.count() > 0) {
        total += b.count();
        sum += b.count() * Math.abs(b.meanConfidence() - b.accuracy());
      }
    }
    return total == 0 ? Double.NaN : sum / total;
  }

  /** Index of the largest value (ties: the lowest index), as the policy picks the top label. */
  public static int argmax(float[] p) {
    int top = 0;
    float best = Float.NEGATIVE_INFINITY;
    for (int i = 0; i < p.length; i++) {
      if (p[i] > best) {
        best = p[i];
        top = i;
      }
    }
    return top;
  }
}
