package dev.loopline.backtest;

import dev.loopline.model.policy.DecisionPolicy;
import org.apache.flink.api.common.accumulators.ListAccumulator;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.BoundedOneInput;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;

/**
 * Feeds every joined row to a {@link ReportBuilder} on one task and, when the bounded input ends,
 * emits the report as JSON and also publishes it as the job accumulator {@link #ACCUMULATOR}: the
 * client reads it from the {@code JobExecutionResult} that {@code execute()} returns, which works
 * the same on the local MiniCluster and on a remote cluster and never races a collect fetcher
 * against the end of the job.
 */
public class ReportOperator extends AbstractStreamOperator<String>
    implements OneInputStreamOperator<BacktestRow, String>, BoundedOneInput {

  private static final long serialVersionUID = 1L;

  /** Name of the accumulator holding the report's JSON. */
  public static final String ACCUMULATOR = "backtest-report";

  private final BacktestPlan plan;
  private transient ReportBuilder builder;
  private transient ListAccumulator<String> result;

  public ReportOperator(BacktestPlan plan) {
    this.plan = plan;
  }

  @Override
  public void open() throws Exception {
    super.open();
    builder =
        new ReportBuilder(
            plan.versions(),
            DecisionPolicy.fromConfig(plan.policy()),
            plan.sliceAttribute(),
            plan.includeTrained(),
            plan.from(),
            plan.to());
    result = new ListAccumulator<>();
    getRuntimeContext().addAccumulator(ACCUMULATOR, result);
  }

  @Override
  public void processElement(StreamRecord<BacktestRow> element) {
    builder.add(element.getValue());
  }

  @Override
  public void endInput() {
    String json = ReportRenderer.json(builder.build());
    result.add(json);
    output.collect(new StreamRecord<>(json));
  }
}
