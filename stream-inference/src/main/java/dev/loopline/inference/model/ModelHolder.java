package dev.loopline.inference.model;

import java.util.concurrent.atomic.AtomicReference;

/**
 * The one reference a hot swap changes. Batches {@link #acquire()} the current version and release
 * it when done; {@link #swap(ServingModel)} publishes a new version and drops the holder's
 * reference to the old one, which then closes when its last in-flight batch releases it.
 */
public final class ModelHolder {

  private final AtomicReference<ServingModel> current = new AtomicReference<>();

  /** The serving version with a reference taken for the caller, or null when none is loaded. */
  public ServingModel acquire() {
    while (true) {
      ServingModel m = current.get();
      if (m == null) {
        return null;
      }
      if (m.retain()) {
        return m;
      }
      // Swapped and closed between get() and retain(): the new one is already published.
    }
  }

  /** The serving version without taking a reference (for health and metrics only). */
  public ServingModel peek() {
    return current.get();
  }

  /**
   * Publishes {@code next} (the holder takes over its initial reference; null clears) and releases
   * the previous version. Returns the previous version's number, or -1.
   */
  public int swap(ServingModel next) {
    ServingModel old = current.getAndSet(next);
    if (old == null) {
      return -1;
    }
    int v = old.version();
    old.release();
    return v;
  }

  /** Releases the serving version (app shutdown). */
  public void close() {
    swap(null);
  }
}
