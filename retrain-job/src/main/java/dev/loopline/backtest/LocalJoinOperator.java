package dev.loopline.backtest;

import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;

/**
 * Scores replayed events (see {@link ScoringOperator}) and joins their final labels on the spot
 * from a {@link LabelIndex} the task reads first: the backtest without served predictions needs no
 * shuffle of the events at all. Emits one {@link BacktestRow} per labelled, non-forgotten event
 * and, at the end, one row per kind (forgotten or not) counting the task's other events, which is
 * all the report keeps of them. An id replayed twice counts once ({@link SeenIds}; {@code events}
 * is keyed by id, so both copies reach the same task).
 */
public class LocalJoinOperator extends ScoringOperator<BacktestRow> {

  private static final long serialVersionUID = 1L;

  private final LabelIndex.Spec labels;
  private transient LabelIndex index;
  private transient SeenIds seen;
  private transient long unlabelled;
  private transient long forgotten;

  public LocalJoinOperator(BacktestPlan plan, LabelIndex.Spec labels) {
    super(plan);
    this.labels = labels;
  }

  @Override
  public void open() throws Exception {
    super.open();
    index = LabelIndex.acquire(labels, plan);
    seen = new SeenIds();
    unlabelled = 0;
    forgotten = 0;
  }

  @Override
  protected void other(BacktestRecord r) {
    throw new IllegalStateException("the local label join reads only events, got kind " + r.kind);
  }

  @Override
  protected void scored(BacktestRecord r) {
    if (!seen.add(r.eventId)) {
      return; // an id replayed twice is one event, as in the keyed join (which keeps one copy)
    }
    boolean gone = plan.forgotten().contains(r.eventId);
    if (!index.resolve(r)) {
      if (gone) {
        forgotten++;
      } else {
        unlabelled++;
      }
      return;
    }
    output.collect(
        new StreamRecord<>(
            JoinFunction.row(r, r.label, r.labelSource, r.trainedMask, null, false)));
  }

  @Override
  protected void scoredAll() {
    emitCount(unlabelled, false);
    emitCount(forgotten, true);
  }

  private void emitCount(long n, boolean gone) {
    if (n > 0) {
      BacktestRow row = new BacktestRow();
      row.count = n;
      row.forgotten = gone;
      output.collect(new StreamRecord<>(row));
    }
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
