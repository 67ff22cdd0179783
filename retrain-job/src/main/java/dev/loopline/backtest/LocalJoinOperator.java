package dev.loopline.backtest;

import java.util.Map;
import java.util.TreeMap;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;

/**
 * Scores replayed events (see {@link ScoringOperator}) and joins their final labels on the spot
 * from a {@link LabelIndex} the task reads first, and, when given one, what served them from a
 * {@link ServedIndex}: the backtest then needs no shuffle of the events at all. Emits one {@link
 * BacktestRow} per labelled, non-forgotten event and, at the end, one row per (forgotten or not,
 * served version) counting the task's other events, which is all the report keeps of them. An id
 * replayed twice counts once ({@link SeenIds}; {@code events} is keyed by id, so both copies reach
 * the same task).
 */
public class LocalJoinOperator extends ScoringOperator<BacktestRow> {

  private static final long serialVersionUID = 1L;

  private final LabelIndex.Spec labels;
  private final ServedIndex.Spec servedSpec; // null: no served predictions to join
  private transient LabelIndex index;
  private transient ServedIndex served;
  private transient SeenIds seen;

  /** Events without a usable label: count by (forgotten ? 1 : 0, served version). */
  private transient TreeMap<Long, Long> others;

  public LocalJoinOperator(BacktestPlan plan, LabelIndex.Spec labels) {
    this(plan, labels, null);
  }

  public LocalJoinOperator(BacktestPlan plan, LabelIndex.Spec labels, ServedIndex.Spec served) {
    super(plan);
    this.labels = labels;
    this.servedSpec = served;
  }

  @Override
  public void open() throws Exception {
    super.open();
    index = LabelIndex.acquire(labels, plan);
    if (servedSpec != null) {
      served = ServedIndex.acquire(servedSpec, index, plan);
    }
    seen = new SeenIds();
    others = new TreeMap<>();
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
    if (!index.resolve(r)) {
      boolean gone = plan.forgotten().contains(r.eventId);
      int version = served == null ? -1 : served.version(r.eventId);
      others.merge(((gone ? 1L : 0L) << 32) | (version & 0xFFFFFFFFL), 1L, Long::sum);
      return;
    }
    BacktestRecord s = served == null ? null : served.full(r.eventId);
    output.collect(
        new StreamRecord<>(JoinFunction.row(r, r.label, r.labelSource, r.trainedMask, s, false)));
  }

  @Override
  protected void scoredAll() {
    for (Map.Entry<Long, Long> e : others.entrySet()) {
      BacktestRow row = new BacktestRow();
      row.count = e.getValue();
      row.forgotten = (e.getKey() >>> 32) != 0;
      row.servedVersion = (int) e.getKey().longValue();
      output.collect(new StreamRecord<>(row));
    }
  }

  @Override
  public void close() throws Exception {
    if (served != null) {
      served = null;
      ServedIndex.release(servedSpec, plan);
    }
    if (index != null) {
      index = null;
      LabelIndex.release(labels, plan);
    }
    super.close();
  }
}
