package dev.loopline.inference.model;

import dev.loopline.avro.Deployment;
import dev.loopline.inference.ops.ScoringMetrics;
import java.time.Instant;
import java.util.Objects;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies one {@link Deployment} to the {@link Models}: loads and verifies the named version (and
 * shadow) off the stream threads, then swaps one reference. A rejected artifact is logged with its
 * reason and counted; whatever served before serves on. Rollback is just a deployment of an older
 * version.
 */
public final class HotSwapper {

  private static final Logger LOG = LoggerFactory.getLogger(HotSwapper.class);

  private final Models models;
  private final ModelSource source;
  private final ScoringMetrics metrics;
  private final double defaultShadowRate;
  private final Consumer<ServingModel> beforeServe;
  private volatile String servingSha;
  private volatile String shadowSha;
  private volatile String lastRejection;
  private volatile Instant lastRejectionAt;

  /**
   * @param beforeServe runs on a verified version before it is published (the app creates the
   *     version's routed topics here); an exception rejects the version
   */
  public HotSwapper(
      Models models,
      ModelSource source,
      ScoringMetrics metrics,
      double defaultShadowRate,
      Consumer<ServingModel> beforeServe) {
    this.models = models;
    this.source = source;
    this.metrics = metrics;
    this.defaultShadowRate = defaultShadowRate;
    this.beforeServe = beforeServe;
  }

  /** Applies {@code d}; returns true when the serving version is (now) the one it names. */
  public boolean apply(Deployment d) {
    boolean serving = applyServing(d);
    applyShadow(d);
    return serving;
  }

  /** Whether some version is serving now. */
  public boolean isServing() {
    return models.serving().peek() != null;
  }

  /**
   * Loads an earlier deployment's serving version only (its shadow is not applied): the fallback of
   * an instance that starts while the latest deployment's artifact is rejected, so it serves what
   * the running instances kept serving instead of waiting for a good deployment.
   */
  public boolean applyFallback(Deployment earlier) {
    return applyServing(earlier);
  }

  private boolean applyServing(Deployment d) {
    ServingModel current = models.serving().peek();
    if (current != null
        && current.version() == d.getVersion()
        && Objects.equals(servingSha, d.getSha256())) {
      return true;
    }
    LOG.info(
        "deployment of {} v{} ({} by {} {}: {}): loading {}",
        d.getModelName(),
        d.getVersion(),
        d.getAction(),
        d.getActorType(),
        d.getActor(),
        d.getReason(),
        d.getArtifactUri());
    long t0 = System.nanoTime();
    ServingModel next;
    try {
      next = source.load(d.getArtifactUri(), d.getSha256(), d.getVersion());
    } catch (ModelSource.ModelRejected e) {
      reject(d.getVersion(), e);
      return false;
    }
    try {
      beforeServe.accept(next);
    } catch (RuntimeException e) {
      next.release();
      reject(d.getVersion(), new ModelSource.ModelRejected("setup", e.getMessage(), e));
      return false;
    }
    int old = models.serving().swap(next);
    servingSha = d.getSha256();
    metrics.swapped();
    LOG.info(
        "model {} now serving v{} (was {}), loaded and verified in {} ms",
        d.getModelName(),
        d.getVersion(),
        old < 0 ? "none" : "v" + old,
        (System.nanoTime() - t0) / 1_000_000);
    return true;
  }

  private void applyShadow(Deployment d) {
    Integer v = d.getShadowVersion();
    if (v == null || d.getShadowArtifactUri() == null) {
      if (models.shadow().peek() != null) {
        LOG.info("shadow scoring stopped (deployment names no shadow version)");
      }
      models.shadowSampleRate(0);
      models.shadow().swap(null);
      shadowSha = null;
      return;
    }
    double rate = d.getShadowSampleRate() > 0 ? d.getShadowSampleRate() : defaultShadowRate;
    ServingModel current = models.shadow().peek();
    if (current == null
        || current.version() != v
        || !Objects.equals(shadowSha, d.getShadowSha256())) {
      try {
        ServingModel next = source.load(d.getShadowArtifactUri(), d.getShadowSha256(), v);
        models.shadow().swap(next);
        shadowSha = d.getShadowSha256();
      } catch (ModelSource.ModelRejected e) {
        reject(v, e);
        models.shadow().swap(null);
        models.shadowSampleRate(0);
        return;
      }
    }
    models.shadowSampleRate(rate);
    LOG.info("shadow v{} scores a {} sample", v, rate);
  }

  private void reject(int version, ModelSource.ModelRejected e) {
    metrics.rejected(e.category());
    lastRejection = "v" + version + ": " + e.getMessage();
    lastRejectionAt = Instant.now();
    ServingModel current = models.serving().peek();
    LOG.error(
        "rejected model v{} ({}): {}; {}",
        version,
        e.category(),
        e.getMessage(),
        current == null ? "no model serves yet" : "v" + current.version() + " keeps serving");
  }

  /** The last rejection as "v<version>: reason", or null. */
  public String lastRejection() {
    return lastRejection;
  }

  public Instant lastRejectionAt() {
    return lastRejectionAt;
  }
}
