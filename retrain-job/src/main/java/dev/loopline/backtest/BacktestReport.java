package dev.loopline.backtest;

import dev.loopline.model.eval.CalibrationBin;
import dev.loopline.model.eval.EvaluationReport;
import dev.loopline.model.eval.ThresholdPoint;
import java.util.List;
import java.util.Map;

/**
 * A backtest's result, the one object the terminal table, the JSON file and the HTML report are
 * rendered from. Metric objects are model-core's {@link EvaluationReport}s, computed by the same
 * evaluator the promotion gate uses.
 *
 * @param from start of the replayed range (inclusive, ISO-8601)
 * @param to end of the replayed range (exclusive)
 * @param eventsReplayed events read and scored
 * @param labelled of those, events with a final label (forgotten ids not counted)
 * @param forgotten replayed events whose id is on {@code forgotten}
 * @param policy the decision policy's settings (thresholds) the figures use
 * @param sliceAttribute the attribute sliced by, or null
 * @param includeTrained true when events a version trained on were kept (flagged) instead of
 *     excluded
 * @param versions one result per chosen version, in the order given
 * @param served what actually served the same events, from {@code predictions}
 * @param comparisons one line per version: auto-route rate against served at served's precision
 * @param missing what a partial report lacks (no labels, no served predictions, ...)
 */
public record BacktestReport(
    String from,
    String to,
    long eventsReplayed,
    long labelled,
    long forgotten,
    Map<String, String> policy,
    String sliceAttribute,
    boolean includeTrained,
    List<VersionResult> versions,
    ServedResult served,
    List<String> comparisons,
    List<String> missing) {

  /**
   * @param key {@code name:version}
   * @param labels the version's labels
   * @param labelled replayed events with a final label
   * @param coverage labelled / replayed
   * @param trainedOn labelled events the version or an ancestor trained on (the leakage guard)
   * @param unknownLabel labelled events whose label the version does not have
   * @param report metrics on the evaluated events (null when none)
   * @param sweep auto-route rate and precision per threshold
   * @param calibration reliability bins of the top probability
   * @param slices per value of the slice attribute
   */
  public record VersionResult(
      String key,
      List<String> labels,
      long labelled,
      double coverage,
      long trainedOn,
      long unknownLabel,
      EvaluationReport report,
      List<ThresholdPoint> sweep,
      List<CalibrationBin> calibration,
      List<Slice> slices) {}

  /**
   * @param events replayed events with a served (non-shadow) prediction
   * @param byVersion how many of those each version served
   * @param recordedAutoRouteRate share of labelled served events whose recorded decision was
   *     AUTO_ROUTE (the audit draw included)
   * @param recordedAutoRoutePrecision of those, share routed to the true label
   * @param report served probabilities re-decided under this report's policy (no audit draw), so
   *     they compare with the versions' figures
   */
  public record ServedResult(
      long events,
      Map<Integer, Long> byVersion,
      long labelled,
      long unknownLabel,
      List<String> labels,
      double recordedAutoRouteRate,
      double recordedAutoRoutePrecision,
      EvaluationReport report,
      List<ThresholdPoint> sweep,
      List<CalibrationBin> calibration,
      List<Slice> slices) {}

  /** Headline figures of one slice (e.g. {@code channel=email}). */
  public record Slice(
      String value,
      int examples,
      double accuracy,
      double macroF1,
      double triageRate,
      double autoRouteRate,
      double autoRoutePrecision) {}
}
