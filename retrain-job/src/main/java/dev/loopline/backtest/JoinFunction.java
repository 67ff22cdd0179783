package dev.loopline.backtest;

import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Joins, per event id, the scored event with its final label (the latest by labelledAt, ties to the
 * later offset: the feedback topic's own rule), the prediction that actually served it (the latest
 * non-shadow one), and the leakage guard's verdict: a version trained on the event when any
 * feedback record of the id lies in its (or an ancestor's) training set. In BATCH mode every key's
 * records arrive together and the end-of-key timer emits one row; ids with no replayed event
 * (labels of other time ranges) emit nothing.
 */
public class JoinFunction extends KeyedProcessFunction<String, BacktestRecord, BacktestRow> {

  private static final long serialVersionUID = 1L;

  private final BacktestPlan plan;
  private transient ValueState<BacktestRecord> event;
  private transient ValueState<BacktestRecord> label;
  private transient ValueState<BacktestRecord> served;
  private transient ValueState<Long> trained;

  public JoinFunction(BacktestPlan plan) {
    this.plan = plan;
  }

  @Override
  public void open(OpenContext ctx) {
    event = getRuntimeContext().getState(new ValueStateDescriptor<>("event", BacktestRecord.class));
    label = getRuntimeContext().getState(new ValueStateDescriptor<>("label", BacktestRecord.class));
    served =
        getRuntimeContext().getState(new ValueStateDescriptor<>("served", BacktestRecord.class));
    trained = getRuntimeContext().getState(new ValueStateDescriptor<>("trained", Long.class));
  }

  @Override
  public void processElement(BacktestRecord r, Context ctx, Collector<BacktestRow> out)
      throws Exception {
    ctx.timerService().registerEventTimeTimer(Long.MAX_VALUE);
    switch (r.kind) {
      case BacktestRecord.EVENT -> event.update(r);
      case BacktestRecord.LABEL -> {
        long mask = trained.value() == null ? 0L : trained.value();
        for (int i = 0; i < plan.versions().size(); i++) {
          if (plan.versions().get(i).trainedOn(r.eventId, r.partition, r.offset)) {
            mask |= 1L << i;
          }
        }
        trained.update(mask);
        BacktestRecord current = label.value();
        if (current == null || supersedes(r, current)) {
          label.update(r);
        }
      }
      case BacktestRecord.SERVED -> {
        BacktestRecord current = served.value();
        if (current == null || r.time >= current.time) {
          served.update(r);
        }
      }
      default -> throw new IllegalStateException("unknown record kind " + r.kind);
    }
  }

  /** The later label wins (labelledAt), ties go to the later partition/offset. */
  static boolean supersedes(BacktestRecord a, BacktestRecord b) {
    if (a.time != b.time) {
      return a.time > b.time;
    }
    if (a.partition != b.partition) {
      return a.partition > b.partition;
    }
    return a.offset >= b.offset;
  }

  @Override
  public void onTimer(long timestamp, OnTimerContext ctx, Collector<BacktestRow> out)
      throws Exception {
    BacktestRecord e = event.value();
    if (e != null) {
      BacktestRow row = new BacktestRow();
      row.eventId = e.eventId;
      row.occurredAt = e.time;
      row.slice = e.slice;
      row.probs = e.probs;
      row.forgotten = plan.forgotten().contains(e.eventId);
      BacktestRecord l = label.value();
      if (l != null && !row.forgotten) {
        row.label = l.label;
        row.labelSource = l.labelSource;
      }
      Long mask = trained.value();
      row.trainedMask = mask == null ? 0L : mask;
      BacktestRecord s = served.value();
      if (s != null) {
        row.servedVersion = s.servedVersion;
        row.servedDecision = s.servedDecision;
        row.servedTopLabel = s.servedTopLabel;
        row.servedLabels = s.servedLabels;
        row.servedProbs = s.servedProbs;
      }
      out.collect(row);
    }
    event.clear();
    label.clear();
    served.clear();
    trained.clear();
  }
}
