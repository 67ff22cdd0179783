package dev.loopline.model.train;

/** Progress callback, one call per finished epoch (for logs, job metrics and tests). */
@FunctionalInterface
public interface TrainingListener {

  TrainingListener NONE = (epoch, epochs, trainLoss, validationLoss, examplesPerSecond) -> {};

  /**
   * @param epoch 1-based epoch just finished
   * @param epochs the configured maximum
   * @param trainLoss mean (class-weighted) training loss over the epoch
   * @param validationLoss loss on the validation set after the epoch, NaN without one
   * @param examplesPerSecond training throughput of the epoch
   */
  void onEpoch(
      int epoch, int epochs, double trainLoss, double validationLoss, long examplesPerSecond);
}
