package dev.loopline.feedback.topology;

/**
 * Layout of the stats counters. Windows are by prediction time, so the correction rate of a window
 * is "of the predictions served in this window, how many were later corrected", and a late
 * correction updates the window its prediction belongs to.
 */
public final class Stats {

  /** Separates the parts of a composite stats key; labels may contain anything printable. */
  public static final char SEP = '\u001f';

  // Per version: long[VERSION_FIELDS]
  public static final int PREDICTIONS = 0;
  public static final int LABELED = 1; // human labels (not IMPLICIT) with a known prediction
  public static final int WRONG = 2; // human label != predicted label
  public static final int IMPLICIT = 3; // implicit confirmations
  public static final int TTC_SUM_MS = 4; // time to correction, sum over LABELED
  public static final int TTC_COUNT = 5;
  public static final int VERSION_FIELDS = 6;

  // Per version and label: long[LABEL_FIELDS]
  public static final int PREDICTED = 0; // predictions with this top label
  public static final int LABELED_PREDICTED = 1; // labeled examples predicted as this label
  public static final int LABELED_ACTUAL = 2; // labeled examples whose label is this
  public static final int TRUE_POSITIVE = 3; // predicted == actual == this label
  public static final int LABEL_FIELDS = 4;

  private Stats() {}

  public static String versionKey(String modelName, int version) {
    return modelName + ":" + version;
  }

  public static String labelKey(String versionKey, String label) {
    return versionKey + SEP + label;
  }

  public static String confusionKey(String versionKey, String predicted, String actual) {
    return versionKey + SEP + predicted + SEP + actual;
  }
}
