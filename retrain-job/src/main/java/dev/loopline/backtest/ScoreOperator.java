package dev.loopline.backtest;

import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;

/**
 * Scores replayed events (see {@link ScoringOperator}) and passes them on to the keyed {@link
 * JoinFunction}; other records (labels, served predictions) pass through. With a {@link
 * LabelIndex.Spec} the task reads the labels first and joins them here ({@link
 * BacktestRecord#resolved}): only served predictions are left for the keyed join, and events
 * without a usable label cross the shuffle without their probabilities.
 */
public class ScoreOperator extends ScoringOperator<BacktestRecord> {

  private static final long serialVersionUID = 1L;

  private final LabelIndex.Spec labels;
  private transient LabelIndex index;

  /**
   * @param labels where to read the labels from, or null when they come through the keyed join
   */
  public ScoreOperator(BacktestPlan plan, LabelIndex.Spec labels) {
    super(plan);
    this.labels = labels;
  }

  public ScoreOperator(BacktestPlan plan) {
    this(plan, null);
  }

  @Override
  public void open() throws Exception {
    super.open();
    index = labels == null ? null : LabelIndex.acquire(labels, plan);
  }

  @Override
  protected void other(BacktestRecord r) {
    output.collect(new StreamRecord<>(r));
  }

  @Override
  protected void scored(BacktestRecord r) {
    if (index != null) {
      index.resolve(r);
    }
    output.collect(new StreamRecord<>(r));
  }

  @Override
  public void close() throws Exception {
    if (index != null) {
      index = null;
      LabelIndex.release(labels, plan);
    }
    super.close();
  }
}
