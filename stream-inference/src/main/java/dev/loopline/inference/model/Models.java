package dev.loopline.inference.model;

/**
 * What the topology scores with: the serving version, the optional shadow version and the share of
 * events the shadow sees. The deployment watcher writes here; stream threads only read.
 */
public final class Models {

  private final ModelHolder serving = new ModelHolder();
  private final ModelHolder shadow = new ModelHolder();
  private volatile double shadowSampleRate;

  public ModelHolder serving() {
    return serving;
  }

  public ModelHolder shadow() {
    return shadow;
  }

  public double shadowSampleRate() {
    return shadowSampleRate;
  }

  public void shadowSampleRate(double rate) {
    this.shadowSampleRate = rate;
  }

  /** Releases both versions (app shutdown); in-flight batches still finish on them. */
  public void close() {
    serving.close();
    shadow.close();
  }
}
