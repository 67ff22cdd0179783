package dev.loopline.backtest;

import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Joins, per event id, the scored event with its final label (the latest by labelledAt, ties to the
 * later offset: the feedback topic's own rule), the prediction that actually served it (the latest
 * non-shadow one), and the leakage guard's verdict: a version trained on the event when any
 * feedback record of the id lies in its (or an ancestor's) training set. Ids with no replayed event
 * (labels of other time ranges) emit nothing. With the local label join ({@link LabelIndex}) the
 * scoring task has joined the label already ({@link BacktestRecord#resolved}) and only served
 * predictions meet the event here.
 *
 * <p>Keyed by {@link #key}, a 64-bit hash of the id: the BATCH shuffle sorts fixed 8-byte keys
 * instead of variable-length strings (the sort was a fifth of the job's CPU). Distinct ids that
 * share a hash are kept apart here by comparing the ids. BATCH mode only: every key's records
 * arrive together and the end-of-key timer emits; the per-key groups live in plain fields, so a key
 * arriving while another is still open (STREAMING) is refused rather than mis-joined.
 *
 * <p>Rows of events without a usable label (none, or forgotten) carry only what the report counts
 * of them (forgotten, served version), not the id or probabilities, which keeps the shuffle to the
 * single report task small.
 */
public class JoinFunction extends KeyedProcessFunction<Long, BacktestRecord, BacktestRow> {

  private static final long serialVersionUID = 1L;

  private final BacktestPlan plan;

  /** The ids of the open key (almost always one), in arrival order. */
  private transient List<Group> groups;

  private transient boolean open;
  private transient long openKey;

  public JoinFunction(BacktestPlan plan) {
    this.plan = plan;
  }

  /** The join key of an event id: 64 bits of a hash of its chars (not a secret; collisions ok). */
  public static long key(String eventId) {
    long h = 0x9E3779B97F4A7C15L ^ eventId.length();
    for (int i = 0, n = eventId.length(); i < n; i++) {
      h = (h ^ eventId.charAt(i)) * 0xFF51AFD7ED558CCDL;
      h ^= h >>> 29;
    }
    h ^= h >>> 33;
    h *= 0xC4CEB9FE1A85EC53L;
    h ^= h >>> 33;
    return h;
  }

  /** What one id has collected so far. */
  private static final class Group {
    final String eventId;
    BacktestRecord event;
    BacktestRecord label;
    BacktestRecord served;
    long trained;

    Group(String eventId) {
      this.eventId = eventId;
    }
  }

  @Override
  public void open(OpenContext ctx) {
    groups = new ArrayList<>(2);
    open = false;
  }

  @Override
  public void processElement(BacktestRecord r, Context ctx, Collector<BacktestRow> out) {
    long key = ctx.getCurrentKey();
    if (!open) {
      ctx.timerService().registerEventTimeTimer(Long.MAX_VALUE);
      open = true;
      openKey = key;
    } else if (key != openKey) {
      throw new IllegalStateException(
          "the backtest join needs BATCH execution (records of a key arrived interleaved)");
    }
    Group g = group(r.eventId);
    switch (r.kind) {
      case BacktestRecord.EVENT -> g.event = r;
      case BacktestRecord.LABEL -> {
        for (int i = 0; i < plan.versions().size(); i++) {
          if (plan.versions().get(i).trainedOn(r.eventId, r.partition, r.offset)) {
            g.trained |= 1L << i;
          }
        }
        if (g.label == null || supersedes(r, g.label)) {
          g.label = r;
        }
      }
      case BacktestRecord.SERVED -> {
        if (g.served == null || r.time >= g.served.time) {
          g.served = r;
        }
      }
      default -> throw new IllegalStateException("unknown record kind " + r.kind);
    }
  }

  private Group group(String eventId) {
    for (int i = 0, n = groups.size(); i < n; i++) {
      Group g = groups.get(i);
      if (g.eventId.equals(eventId)) {
        return g;
      }
    }
    Group g = new Group(eventId);
    groups.add(g);
    return g;
  }

  /** The later label wins (labelledAt), ties go to the later partition/offset. */
  static boolean supersedes(BacktestRecord a, BacktestRecord b) {
    return supersedes(a.time, a.partition, a.offset, b.time, b.partition, b.offset);
  }

  /** Whether label a (labelledAt, partition, offset) supersedes label b. */
  static boolean supersedes(
      long aTime, int aPartition, long aOffset, long bTime, int bPartition, long bOffset) {
    if (aTime != bTime) {
      return aTime > bTime;
    }
    if (aPartition != bPartition) {
      return aPartition > bPartition;
    }
    return aOffset >= bOffset;
  }

  @Override
  public void onTimer(long timestamp, OnTimerContext ctx, Collector<BacktestRow> out) {
    for (int i = 0, n = groups.size(); i < n; i++) {
      BacktestRow row = row(groups.get(i));
      if (row != null) {
        out.collect(row);
      }
    }
    groups.clear();
    open = false;
  }

  private BacktestRow row(Group g) {
    BacktestRecord e = g.event;
    if (e == null) {
      return null;
    }
    boolean forgotten = plan.forgotten().contains(g.eventId);
    if (e.resolved) { // the scoring task joined the label already (LabelIndex)
      return row(e, e.label, e.labelSource, e.trainedMask, g.served, forgotten);
    }
    BacktestRecord l = g.label;
    return l == null
        ? row(e, null, null, 0, g.served, forgotten)
        : row(e, l.label, l.labelSource, g.trained, g.served, forgotten);
  }

  /**
   * The row of scored event {@code e} with its final label (null: none), the versions that trained
   * on it, what served it (null: unknown) and whether it is forgotten.
   */
  static BacktestRow row(
      BacktestRecord e,
      String label,
      String labelSource,
      long trained,
      BacktestRecord served,
      boolean forgotten) {
    BacktestRow row = new BacktestRow();
    row.forgotten = forgotten;
    if (served != null) {
      row.servedVersion = served.servedVersion;
    }
    if (label == null || forgotten) {
      return row; // counted, never evaluated: the rest is not needed downstream
    }
    row.eventId = e.eventId;
    row.occurredAt = e.time;
    row.slice = e.slice;
    row.probs = e.probs;
    row.label = label;
    row.labelSource = labelSource;
    row.trainedMask = trained;
    if (served != null) {
      row.servedDecision = served.servedDecision;
      row.servedTopLabel = served.servedTopLabel;
      row.servedLabels = served.servedLabels;
      row.servedProbs = served.servedProbs;
    }
    return row;
  }
}
