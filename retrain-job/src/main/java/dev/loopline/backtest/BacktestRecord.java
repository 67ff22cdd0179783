package dev.loopline.backtest;

/**
 * One input of the backtest join, whatever topic it came from: a replayed event (scored on its way
 * to the join), a feedback record (label), or a served prediction. A plain Flink POJO so that no
 * Avro type crosses Flink's serializers; {@code kind} says which fields are set.
 */
public class BacktestRecord {
  public static final int EVENT = 0;
  public static final int LABEL = 1;
  public static final int SERVED = 2;

  public int kind;
  public String eventId;

  /** Event time (events) or labelledAt (labels) or scoredAt (served), epoch millis. */
  public long time;

  // EVENT
  public String text;

  /** Attribute names and values, same length; null when absent (and after scoring). */
  public String[] attributeKeys;

  public String[] attributeValues;

  /** The value of the slice attribute, or null. */
  public String slice;

  /** Probabilities of every chosen version, concatenated in version order (after scoring). */
  public float[] probs;

  /**
   * True when the scoring task already joined the final label (the local label join, see {@link
   * LabelIndex}): {@code label}/{@code labelSource} (null when none) and {@code trainedMask} are
   * final, and no LABEL records of the id follow.
   */
  public boolean resolved;

  /** With {@code resolved}: bit i set when version i (or an ancestor) trained on the event. */
  public long trainedMask;

  // LABEL (and EVENT when resolved)
  public String label;
  public String labelSource;
  public int partition;
  public long offset;

  // SERVED
  public int servedVersion;
  public String servedDecision;
  public String servedTopLabel;
  public String[] servedLabels;
  public float[] servedProbs;

  public BacktestRecord() {}

  public java.util.Map<String, String> attributes() {
    java.util.Map<String, String> m = new java.util.LinkedHashMap<>();
    for (int i = 0; attributeKeys != null && i < attributeKeys.length; i++) {
      m.put(attributeKeys[i], attributeValues[i]);
    }
    return m;
  }
}
