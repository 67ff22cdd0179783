package dev.loopline.retrain.job;

import dev.loopline.model.train.TrainingListener;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Epoch progress of training tasks running in THIS JVM (the local environment the CLI starts), so
 * the CLI can draw a progress bar. On a remote cluster the training task runs elsewhere: there the
 * epoch log lines of the TaskManager are the progress report.
 */
public final class TrainingProgress {

  private static final List<TrainingListener> LISTENERS = new CopyOnWriteArrayList<>();

  private TrainingProgress() {}

  /** Registers a listener; close the returned handle to remove it. */
  public static AutoCloseable subscribe(TrainingListener l) {
    LISTENERS.add(l);
    return () -> LISTENERS.remove(l);
  }

  static void publish(
      int epoch, int epochs, double trainLoss, double validationLoss, long examplesPerSecond) {
    for (TrainingListener l : LISTENERS) {
      l.onEpoch(epoch, epochs, trainLoss, validationLoss, examplesPerSecond);
    }
  }
}
