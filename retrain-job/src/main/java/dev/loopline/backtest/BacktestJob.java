package dev.loopline.backtest;

import dev.loopline.retrain.job.FeedbackRecord;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
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
 * stand now) and served predictions; it produces the rows the report is built from.
 *
 * <p>Keyed join (labels from a feedback {@link Source}):
 *
 * <pre>
 * events ── score (micro-batches, every version) ─┐
 * feedback ── to label records ───────────────────┼─ keyBy(eventId) ─ join (end of key) ─ rows
 * predictions ────────────────────────────────────┘
 * </pre>
 *
 * Local label join (a {@link LabelIndex.Spec}: each scoring task reads the labels first and joins
 * them on the spot, so the events are not shuffled to meet their labels), and with {@link
 * #localJoin} the served predictions too ({@link ServedIndex}):
 *
 * <pre>
 * events ── score + label (+ served) ─ rows (labelled ones, and per-task counts of the rest)
 * events ── score + label ─┬─ keyBy(eventId) ─ join served (end of key) ─ rows   (with predictions)
 * predictions ─────────────┘
 * </pre>
 *
 * BATCH mode: the keyed join sees all records of an id together and emits once (rows of events
 * without a usable label carry only what the report counts). The report is computed from the rows
 * by {@link ReportBuilder} (model-core's evaluator) where they are collected.
 */
public final class BacktestJob {

  private final Source<BacktestRecord, ?, ?> events;
  private final Source<FeedbackRecord, ?, ?> feedback;
  private final LabelIndex.Spec labels;
  private final Source<BacktestRecord, ?, ?> predictions;
  private final ServedIndex.Spec served;
  private final BacktestPlan plan;

  /**
   * Labels through the keyed join.
   *
   * @param predictions served predictions, or null when the topic is not to be read
   */
  public BacktestJob(
      Source<BacktestRecord, ?, ?> events,
      Source<FeedbackRecord, ?, ?> feedback,
      Source<BacktestRecord, ?, ?> predictions,
      BacktestPlan plan) {
    this(events, feedback, null, predictions, null, plan);
  }

  /**
   * Labels read by every scoring task and joined there.
   *
   * @param predictions served predictions, or null when there are none to read
   */
  public BacktestJob(
      Source<BacktestRecord, ?, ?> events,
      LabelIndex.Spec labels,
      Source<BacktestRecord, ?, ?> predictions,
      BacktestPlan plan) {
    this(events, null, labels, predictions, null, plan);
  }

  /**
   * Labels and served predictions both read by every scoring task and joined there: nothing is
   * shuffled but the rows the report needs.
   *
   * @param served the served predictions' index, or null when there are none to read
   */
  public static BacktestJob localJoin(
      Source<BacktestRecord, ?, ?> events,
      LabelIndex.Spec labels,
      ServedIndex.Spec served,
      BacktestPlan plan) {
    return new BacktestJob(events, null, labels, null, served, plan);
  }

  private BacktestJob(
      Source<BacktestRecord, ?, ?> events,
      Source<FeedbackRecord, ?, ?> feedback,
      LabelIndex.Spec labels,
      Source<BacktestRecord, ?, ?> predictions,
      ServedIndex.Spec served,
      BacktestPlan plan) {
    if ((feedback == null) == (labels == null)) {
      throw new IllegalArgumentException("labels come either from a source or from an index");
    }
    if (served != null && (labels == null || predictions != null)) {
      throw new IllegalArgumentException(
          "served predictions are indexed only with the labels, and not also read as a source");
    }
    this.events = events;
    this.feedback = feedback;
    this.labels = labels;
    this.predictions = predictions;
    this.served = served;
    this.plan = plan;
  }

  /**
   * Starts reading, on a thread of its own, the indexes this job's scoring tasks will share when
   * they run in this JVM (the local MiniCluster), so that the read overlaps with verifying the
   * versions and starting the job; the tasks then find them read or being read ({@link JvmShared}).
   * Close the result once the job has ended: it waits for the read and gives the indexes back.
   */
  public AutoCloseable prefetchIndexes() {
    if (labels == null) {
      return () -> {};
    }
    boolean[] held = new boolean[2]; // labels, served
    CompletableFuture<Void> read =
        CompletableFuture.runAsync(
            () -> {
              LabelIndex l = LabelIndex.acquire(labels, plan);
              held[0] = true;
              if (served != null) {
                ServedIndex.acquire(served, l, plan);
                held[1] = true;
              }
            },
            r -> {
              Thread t = new Thread(r, "backtest-index-prefetch");
              t.setDaemon(true);
              t.start();
            });
    return () -> {
      try {
        read.join();
      } catch (CompletionException e) {
        // the tasks met (and reported) the same failure when they asked for the index
      } finally {
        if (held[1]) {
          ServedIndex.release(served, plan);
        }
        if (held[0]) {
          LabelIndex.release(labels, plan);
        }
      }
    };
  }

  /** Adds the job's operators to {@code env} and returns the joined rows. */
  public DataStream<BacktestRow> build(StreamExecutionEnvironment env) {
    env.setRuntimeMode(RuntimeExecutionMode.BATCH);
    TypeInformation<BacktestRecord> type = TypeInformation.of(BacktestRecord.class);
    TypeInformation<BacktestRow> rowType = TypeInformation.of(BacktestRow.class);
    DataStream<BacktestRecord> replayed =
        env.fromSource(events, WatermarkStrategy.noWatermarks(), "events").uid("events-source");
    if (labels != null && predictions == null) {
      // Safe here and worth ~4% of the CPU: the Kafka source emits a new record per event and no
      // operator of this chain keeps one it passes on, so the copy between them is for nothing.
      env.getConfig().enableObjectReuse();
      return replayed
          .transform(
              served == null ? "score-and-join-labels" : "score-and-join-labels-and-served",
              rowType,
              new LocalJoinOperator(plan, labels, served))
          .uid("score-and-join-labels");
    }
    DataStream<BacktestRecord> all =
        replayed.transform("score", type, new ScoreOperator(plan, labels)).uid("score");
    if (labels == null) {
      all =
          all.union(
              env.fromSource(feedback, WatermarkStrategy.noWatermarks(), "feedback")
                  .uid("feedback-source")
                  .filter(r -> r.problem == null && r.label != null)
                  .name("decodable-labels")
                  .uid("decodable-labels")
                  .map(BacktestJob::toLabel, type)
                  .name("to-label")
                  .uid("to-label"));
    }
    if (predictions != null) {
      DataStream<BacktestRecord> served =
          env.fromSource(predictions, WatermarkStrategy.noWatermarks(), "predictions")
              .uid("predictions-source");
      if (labels != null) {
        served =
            served
                .map(new ServedStripFunction(plan, labels), type)
                .name("strip-unlabelled-served")
                .uid("strip-unlabelled-served");
      }
      all = all.union(served);
    }
    return all.keyBy(r -> JoinFunction.key(r.eventId), Types.LONG)
        .process(new JoinFunction(plan), rowType)
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
