package dev.loopline.backtest;

import dev.loopline.retrain.job.FeedbackRecord;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.api.common.RuntimeExecutionMode;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * The backtest as a pure function of its bounded sources: replayed events, feedback (labels as they
 * stand now) and served predictions; it produces one {@link BacktestRow} per replayed event.
 *
 * <pre>
 * events ── score (micro-batches, every version) ─┐
 * feedback ── to label records ───────────────────┼─ keyBy(eventId) ─ join (end of key) ─ rows
 * predictions ────────────────────────────────────┘
 * </pre>
 *
 * BATCH mode: the keyed join sees all records of an id together and emits once (rows of events
 * without a usable label carry only what the report counts). The report is computed from the rows
 * by {@link ReportBuilder} (model-core's evaluator) where they are collected.
 */
public final class BacktestJob {

  private final Source<BacktestRecord, ?, ?> events;
  private final Source<FeedbackRecord, ?, ?> feedback;
  private final Source<BacktestRecord, ?, ?> predictions;
  private final BacktestPlan plan;

  /**
   * @param predictions served predictions, or null when the topic is not to be read
   */
  public BacktestJob(
      Source<BacktestRecord, ?, ?> events,
      Source<FeedbackRecord, ?, ?> feedback,
      Source<BacktestRecord, ?, ?> predictions,
      BacktestPlan plan) {
    this.events = events;
    this.feedback = feedback;
    this.predictions = predictions;
    this.plan = plan;
  }

  /** Adds the job's operators to {@code env} and returns the joined rows. */
  public DataStream<BacktestRow> build(StreamExecutionEnvironment env) {
    env.setRuntimeMode(RuntimeExecutionMode.BATCH);
    TypeInformation<BacktestRecord> type = TypeInformation.of(BacktestRecord.class);
    DataStream<BacktestRecord> scored =
        env.fromSource(events, WatermarkStrategy.noWatermarks(), "events")
            .uid("events-source")
            .transform("score", type, new ScoreOperator(plan))
            .uid("score");
    DataStream<BacktestRecord> labels =
        env.fromSource(feedback, WatermarkStrategy.noWatermarks(), "feedback")
            .uid("feedback-source")
            .filter(r -> r.problem == null && r.label != null)
            .name("decodable-labels")
            .uid("decodable-labels")
            .map(BacktestJob::toLabel, type)
            .name("to-label")
            .uid("to-label");
    DataStream<BacktestRecord> all = scored.union(labels);
    if (predictions != null) {
      all =
          all.union(
              env.fromSource(predictions, WatermarkStrategy.noWatermarks(), "predictions")
                  .uid("predictions-source"));
    }
    return all.keyBy(r -> JoinFunction.key(r.eventId), Types.LONG)
        .process(new JoinFunction(plan), TypeInformation.of(BacktestRow.class))
        .name("join-labels-and-served")
        .uid("join");
  }

  static BacktestRecord toLabel(FeedbackRecord f) {
    BacktestRecord r = new BacktestRecord();
    r.kind = BacktestRecord.LABEL;
    r.eventId = f.eventId;
    r.time = f.labeledAt;
    r.label = f.label;
    r.labelSource = f.source;
    r.partition = f.partition;
    r.offset = f.offset;
    return r;
  }

  /** The report's JSON (one element), built on one task from {@link #build}'s rows. */
  public DataStream<String> report(StreamExecutionEnvironment env) {
    return build(env)
        .transform("report", TypeInformation.of(String.class), new ReportOperator(plan))
        .uid("report")
        .setParallelism(1)
        .setMaxParallelism(1);
  }

  /**
   * Builds, attaches {@code sink} to the report's JSON and runs the job; the JSON is also the
   * result's accumulator {@link ReportOperator#ACCUMULATOR} (see {@link #reportOf}).
   */
  public JobExecutionResult execute(StreamExecutionEnvironment env, Sink<String> sink)
      throws Exception {
    report(env).sinkTo(sink).name("report-sink").uid("report-sink");
    return env.execute("loopline-backtest " + describe());
  }

  /** The report a finished job left in its accumulator. */
  public static BacktestReport reportOf(JobExecutionResult result) {
    java.util.List<String> json = result.getAccumulatorResult(ReportOperator.ACCUMULATOR);
    if (json == null || json.size() != 1) {
      throw new IllegalStateException("the backtest job left no report");
    }
    return ReportRenderer.parse(json.get(0));
  }

  String describe() {
    StringBuilder sb = new StringBuilder();
    for (VersionSpec v : plan.versions()) {
      sb.append(sb.length() == 0 ? "" : ",").append(v.key());
    }
    return sb.toString();
  }
}
