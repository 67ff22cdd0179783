package dev.loopline.backtest;

import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichMapFunction;

/**
 * With the local label join and served predictions: drops what the report never reads from the
 * served predictions of events without a usable label (no label, or forgotten) before they cross
 * the shuffle. Their version and time stay (the report counts served events by version; the latest
 * one wins). Uses the JVM's shared {@link LabelIndex}.
 */
public class ServedStripFunction extends RichMapFunction<BacktestRecord, BacktestRecord> {

  private static final long serialVersionUID = 1L;

  private final BacktestPlan plan;
  private final LabelIndex.Spec labels;
  private transient LabelIndex index;

  public ServedStripFunction(BacktestPlan plan, LabelIndex.Spec labels) {
    this.plan = plan;
    this.labels = labels;
  }

  @Override
  public void open(OpenContext ctx) {
    index = LabelIndex.acquire(labels, plan);
  }

  @Override
  public BacktestRecord map(BacktestRecord r) {
    if (r.kind == BacktestRecord.SERVED && !index.usable(r.eventId)) {
      r.servedDecision = null;
      r.servedTopLabel = null;
      r.servedLabels = null;
      r.servedProbs = null;
    }
    return r;
  }

  @Override
  public void close() {
    if (index != null) {
      index = null;
      LabelIndex.release(labels, plan);
    }
  }
}
