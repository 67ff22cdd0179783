package dev.loopline.backtest;

import dev.loopline.model.eval.EvaluationReport;
import dev.loopline.model.eval.Evaluator;
import dev.loopline.model.eval.ThresholdPoint;
import dev.loopline.model.policy.DecisionPolicy;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Turns joined rows into a {@link BacktestReport}. Every metric comes from model-core's {@link
 * Evaluator}, the code the retrain job's promotion gate uses; this class only chooses which rows
 * each figure is computed on: labelled, not forgotten, a label the version knows, and (unless
 * {@code includeTrained}) not trained on by the version or its ancestors.
 */
public final class ReportBuilder {

  static final int CALIBRATION_BINS = 10;

  private final List<VersionSpec> versions;
  private final DecisionPolicy policy;
  private final String sliceAttribute;
  private final boolean includeTrained;
  private final String from;
  private final String to;
  private final int[] offsets;
  private final List<String> servedLabels;

  private long events;
  private long forgotten;
  private long servedEvents;
  private final Map<Integer, Long> servedByVersion = new TreeMap<>();
  private final List<BacktestRow> labelled = new ArrayList<>();
  private long[] idKeys = new long[16]; // JoinFunction.key of each labelled row's id

  public ReportBuilder(
      List<VersionSpec> versions,
      DecisionPolicy policy,
      String sliceAttribute,
      boolean includeTrained,
      String from,
      String to) {
    this.versions = List.copyOf(versions);
    this.policy = policy;
    this.sliceAttribute = sliceAttribute;
    this.includeTrained = includeTrained;
    this.from = from;
    this.to = to;
    this.offsets = new int[versions.size()];
    int o = 0;
    for (int i = 0; i < versions.size(); i++) {
      offsets[i] = o;
      o += versions.get(i).labels().size();
      policy.validateLabels(versions.get(i).labels());
    }
    this.servedLabels = versions.get(0).labels();
  }

  public void add(BacktestRow row) {
    events += row.count;
    if (row.forgotten) {
      forgotten += row.count;
    }
    if (row.servedVersion >= 0) {
      servedEvents += row.count;
      servedByVersion.merge(row.servedVersion, row.count, Long::sum);
    }
    if (row.label != null && !row.forgotten) {
      if (labelled.size() == idKeys.length) {
        idKeys = java.util.Arrays.copyOf(idKeys, idKeys.length * 2);
      }
      idKeys[labelled.size()] = row.eventId == null ? 0 : JoinFunction.key(row.eventId);
      row.eventId = null; // not needed past this point; keeps a large backtest's heap small
      labelled.add(row);
    }
  }

  /**
   * The labelled rows in one order whatever order they arrived in (by event time, then id hash), so
   * that sums of floating-point terms (log loss, calibration) come out bit for bit the same whether
   * the rows came from the keyed join or from the scoring tasks, and at any parallelism.
   */
  private void sortLabelled() {
    int n = labelled.size();
    Integer[] order = new Integer[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    java.util.Arrays.sort(
        order,
        (a, b) -> {
          int c = Long.compare(labelled.get(a).occurredAt, labelled.get(b).occurredAt);
          return c != 0 ? c : Long.compare(idKeys[a], idKeys[b]);
        });
    List<BacktestRow> sorted = new ArrayList<>(n);
    long[] keys = new long[Math.max(16, n)];
    for (int i = 0; i < n; i++) {
      sorted.add(labelled.get(order[i]));
      keys[i] = idKeys[order[i]];
    }
    labelled.clear();
    labelled.addAll(sorted);
    idKeys = keys;
  }

  public long events() {
    return events;
  }

  public BacktestReport build() {
    sortLabelled();
    List<String> missing = new ArrayList<>();
    if (events == 0) {
      missing.add("no events in the range");
    } else if (labelled.isEmpty()) {
      missing.add("no labels for the replayed events: metrics need labels on feedback");
    }
    List<BacktestReport.VersionResult> results = new ArrayList<>();
    for (int i = 0; i < versions.size(); i++) {
      results.add(version(i, missing));
    }
    BacktestReport.ServedResult served = served(missing);
    List<String> comparisons = new ArrayList<>();
    if (served != null && served.report() != null) {
      for (BacktestReport.VersionResult v : results) {
        String c = compare(v, served);
        if (c != null) {
          comparisons.add(c);
        }
      }
    }
    return new BacktestReport(
        from,
        to,
        events,
        labelled.size(),
        forgotten,
        policy.toConfig(),
        sliceAttribute,
        includeTrained,
        results,
        served,
        comparisons,
        missing);
  }

  private BacktestReport.VersionResult version(int i, List<String> missing) {
    VersionSpec v = versions.get(i);
    List<String> labels = v.labels();
    int k = labels.size();
    Map<String, Integer> index = indexOf(labels);
    long trained = 0;
    long unknown = 0;
    List<Integer> y = new ArrayList<>();
    List<float[]> p = new ArrayList<>();
    List<String> sources = new ArrayList<>();
    List<String> slices = new ArrayList<>();
    for (BacktestRow r : labelled) {
      boolean t = r.trainedOn(i);
      if (t) {
        trained++;
        if (!includeTrained) {
          continue;
        }
      }
      Integer yi = index.get(r.label);
      if (yi == null) {
        unknown++;
        continue;
      }
      y.add(yi);
      p.add(Arrays.copyOfRange(r.probs, offsets[i], offsets[i] + k));
      sources.add(r.labelSource);
      slices.add(r.slice);
    }
    if (y.isEmpty() && !labelled.isEmpty()) {
      missing.add(
          v.key()
              + ": no evaluable events ("
              + trained
              + " trained on, "
              + unknown
              + " with labels it does not have)");
    }
    Evaluated e = evaluate(labels, y, p, sources, slices);
    return new BacktestReport.VersionResult(
        v.key(),
        labels,
        labelled.size(),
        events == 0 ? Double.NaN : labelled.size() / (double) events,
        trained,
        unknown,
        e.report,
        e.sweep,
        e.calibration,
        e.slices);
  }

  private BacktestReport.ServedResult served(List<String> missing) {
    if (servedEvents == 0) {
      if (events > 0) {
        missing.add("no served predictions of " + versions.get(0).name() + " for these events");
      }
      return null;
    }
    Map<String, Integer> index = indexOf(servedLabels);
    long unknown = 0;
    long n = 0;
    long routed = 0;
    long routedRight = 0;
    List<Integer> y = new ArrayList<>();
    List<float[]> p = new ArrayList<>();
    List<String> sources = new ArrayList<>();
    List<String> slices = new ArrayList<>();
    for (BacktestRow r : labelled) {
      if (r.servedVersion < 0) {
        continue;
      }
      n++;
      if (DecisionPolicy.AUTO_ROUTE.equals(r.servedDecision)) {
        routed++;
        if (r.label.equals(r.servedTopLabel)) {
          routedRight++;
        }
      }
      Integer yi = index.get(r.label);
      if (yi == null) {
        unknown++;
        continue;
      }
      float[] row = new float[servedLabels.size()];
      for (int j = 0; j < r.servedLabels.length; j++) {
        Integer c = index.get(r.servedLabels[j]);
        if (c != null) {
          row[c] = r.servedProbs[j];
        }
      }
      y.add(yi);
      p.add(row);
      sources.add(r.labelSource);
      slices.add(r.slice);
    }
    Evaluated e = evaluate(servedLabels, y, p, sources, slices);
    return new BacktestReport.ServedResult(
        servedEvents,
        servedByVersion,
        n,
        unknown,
        servedLabels,
        n == 0 ? Double.NaN : routed / (double) n,
        routed == 0 ? Double.NaN : routedRight / (double) routed,
        e.report,
        e.sweep,
        e.calibration,
        e.slices);
  }

  private record Evaluated(
      EvaluationReport report,
      List<ThresholdPoint> sweep,
      List<dev.loopline.model.eval.CalibrationBin> calibration,
      List<BacktestReport.Slice> slices) {}

  private Evaluated evaluate(
      List<String> labels,
      List<Integer> yList,
      List<float[]> pList,
      List<String> sourceList,
      List<String> sliceList) {
    if (yList.isEmpty()) {
      return new Evaluated(null, List.of(), List.of(), List.of());
    }
    int[] y = yList.stream().mapToInt(Integer::intValue).toArray();
    float[][] p = pList.toArray(new float[0][]);
    String[] s = sourceList.toArray(new String[0]);
    EvaluationReport report = Evaluator.evaluate(labels, y, p, s, policy);
    List<BacktestReport.Slice> slices = new ArrayList<>();
    if (sliceAttribute != null) {
      Map<String, List<Integer>> groups = new TreeMap<>();
      for (int i = 0; i < y.length; i++) {
        String v = sliceList.get(i) == null ? "(none)" : sliceList.get(i);
        groups.computeIfAbsent(v, x -> new ArrayList<>()).add(i);
      }
      groups.forEach(
          (value, rows) -> {
            int[] sy = new int[rows.size()];
            float[][] sp = new float[rows.size()][];
            for (int j = 0; j < sy.length; j++) {
              sy[j] = y[rows.get(j)];
              sp[j] = p[rows.get(j)];
            }
            EvaluationReport r = Evaluator.evaluate(labels, sy, sp, null, policy);
            slices.add(
                new BacktestReport.Slice(
                    value,
                    r.examples(),
                    r.accuracy(),
                    r.macroF1(),
                    r.triageRate(),
                    r.autoRouteRate(),
                    r.autoRoutePrecision()));
          });
    }
    return new Evaluated(
        report,
        Evaluator.thresholdSweep(y, p),
        Evaluator.calibration(y, p, CALIBRATION_BINS),
        slices);
  }

  /**
   * "v7 would have auto-routed X% (served Y%) at precision >= P": the highest auto-route rate on
   * the version's sweep whose precision reaches what served achieved under the same policy.
   */
  static String compare(BacktestReport.VersionResult v, BacktestReport.ServedResult served) {
    EvaluationReport s = served.report();
    if (v.report() == null || s == null || Double.isNaN(s.autoRoutePrecision())) {
      return null;
    }
    double target = s.autoRoutePrecision();
    ThresholdPoint best = null;
    for (ThresholdPoint t : v.sweep()) {
      if (!Double.isNaN(t.precision())
          && t.precision() >= target
          && (best == null || t.autoRouteRate() > best.autoRouteRate())) {
        best = t;
      }
    }
    if (best == null) {
      return String.format(
          Locale.ROOT,
          "%s never reaches served's auto-route precision %.3f at any threshold",
          v.key(),
          target);
    }
    double diff = (best.autoRouteRate() - s.autoRouteRate()) * 100;
    return String.format(
        Locale.ROOT,
        "%s would have routed %.1f%% %s tickets automatically at the same precision (%.1f%% vs"
            + " served %.1f%% at precision >= %.3f, threshold %.2f)",
        v.key(),
        Math.abs(diff),
        diff >= 0 ? "more" : "fewer",
        best.autoRouteRate() * 100,
        s.autoRouteRate() * 100,
        target,
        best.threshold());
  }

  private static Map<String, Integer> indexOf(List<String> labels) {
    Map<String, Integer> m = new HashMap<>();
    for (int i = 0; i < labels.size(); i++) {
      m.put(labels.get(i), i);
    }
    return m;
  }
}
