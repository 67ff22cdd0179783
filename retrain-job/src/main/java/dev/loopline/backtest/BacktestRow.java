package dev.loopline.backtest;

/**
 * One replayed event after the join: every chosen version's probabilities, the final label (if
 * any), what served it (if known), and which versions trained on it (the leakage guard's verdict).
 * Flink POJO.
 */
public class BacktestRow {
  public String eventId;
  public long occurredAt;
  public String slice;

  /** Probabilities of every chosen version, concatenated in version order. */
  public float[] probs;

  /** The final label, or null when the event has none (or it was forgotten). */
  public String label;

  public String labelSource;

  /** True when the id is on {@code forgotten}: counted, never evaluated. */
  public boolean forgotten;

  /** Bit i set: version i (in plan order) or one of its ancestors trained on this event. */
  public long trainedMask;

  /** The version that served it, or -1 when no prediction was found. */
  public int servedVersion = -1;

  public String servedDecision;
  public String servedTopLabel;
  public String[] servedLabels;
  public float[] servedProbs;

  /**
   * How many replayed events this row stands for: 1, or more for the per-task totals of events
   * without a usable label that the local label join sends instead of one row each (such a row
   * carries only {@code forgotten} and, with the local served join, the served version; -1 when
   * unknown or none).
   */
  public long count = 1;

  public BacktestRow() {}

  public boolean trainedOn(int versionIndex) {
    return (trainedMask & (1L << versionIndex)) != 0;
  }
}
