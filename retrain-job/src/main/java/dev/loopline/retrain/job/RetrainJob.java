package dev.loopline.retrain.job;

import java.util.List;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.api.common.RuntimeExecutionMode;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * The retraining job as a pure function of its inputs: a bounded source of feedback records
 * (normally the Kafka {@code feedback} topic up to the offsets at start), optional bootstrap
 * examples, and the plan the client made; it produces one {@link RetrainResult}.
 *
 * <pre>
 * feedback source ─┐
 *                  ├─ keyBy(eventId) ─ latest label ─ validate+split+featurize (parallel) ─ train/evaluate/gate/publish (1 task) ─ result
 * bootstrap ───────┘
 * </pre>
 *
 * Runs in BATCH mode: the dedupe emits one record per id, and the training task sees the end of
 * input.
 */
public final class RetrainJob {

  private final Source<FeedbackRecord, ?, ?> feedback;
  private final List<FeedbackRecord> bootstrap;
  private final RetrainPlan plan;

  public RetrainJob(
      Source<FeedbackRecord, ?, ?> feedback, List<FeedbackRecord> bootstrap, RetrainPlan plan) {
    this.feedback = feedback;
    this.bootstrap = bootstrap == null ? List.of() : List.copyOf(bootstrap);
    this.plan = plan;
  }

  /** Adds the job's operators to {@code env} and returns the result stream (one element). */
  public DataStream<RetrainResult> build(StreamExecutionEnvironment env) {
    env.setRuntimeMode(RuntimeExecutionMode.BATCH);
    DataStream<FeedbackRecord> records =
        env.fromSource(feedback, WatermarkStrategy.noWatermarks(), "feedback")
            .uid("feedback-source");
    if (!bootstrap.isEmpty()) {
      records =
          records.union(
              env.fromData(bootstrap, TypeInformation.of(FeedbackRecord.class))
                  .name("bootstrap")
                  .uid("bootstrap-source"));
    }
    return records
        .keyBy(r -> r.eventId)
        .reduce(new LatestLabel())
        .name("latest-label-per-event")
        .uid("latest-label")
        .map(new FeaturizeFunction(plan))
        .name("validate-split-featurize")
        .uid("featurize")
        .transform(
            "train-evaluate-gate-publish",
            TypeInformation.of(RetrainResult.class),
            new TrainOperator(plan))
        .uid("train")
        .setParallelism(1)
        .setMaxParallelism(1);
  }

  /** Builds, attaches {@code sink} to the result and runs the job. */
  public JobExecutionResult execute(StreamExecutionEnvironment env, Sink<RetrainResult> sink)
      throws Exception {
    build(env).sinkTo(sink).name("result").uid("result-sink");
    return env.execute("loopline-retrain " + plan.modelName + " v" + plan.nextVersion);
  }
}
