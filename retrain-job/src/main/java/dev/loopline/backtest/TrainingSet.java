package dev.loopline.backtest;

import dev.loopline.retrain.job.HoldoutSplit;
import java.io.Serializable;
import java.util.Map;
import java.util.TreeMap;

/**
 * What one model version trained on, as its lineage records it: every feedback record below the
 * recorded (exclusive) end offset of its partition whose id the version's {@link HoldoutSplit} puts
 * in training. Conservative by design: an id also counts when its record there was later excluded
 * (invalid text, the most-recent time holdout), so the guard may exclude a little more than was
 * trained on, never less.
 *
 * @param version the version this set belongs to (the chosen version or an ancestor)
 * @param feedbackOffsets partition to exclusive end offset read by that version's run
 * @param split the split seed and holdout fraction of that run
 */
public record TrainingSet(int version, Map<Integer, Long> feedbackOffsets, HoldoutSplit split)
    implements Serializable {

  public TrainingSet {
    feedbackOffsets = new TreeMap<>(feedbackOffsets);
  }

  /** Whether the feedback record of {@code eventId} at {@code partition/offset} was trained on. */
  public boolean contains(String eventId, int partition, long offset) {
    Long end = feedbackOffsets.get(partition);
    return end != null && offset < end && !split.isHoldout(eventId);
  }
}
