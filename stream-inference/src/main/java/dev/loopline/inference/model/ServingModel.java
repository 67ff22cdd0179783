package dev.loopline.inference.model;

import dev.loopline.model.artifact.ModelMetadata;
import dev.loopline.model.features.Featurizer;
import dev.loopline.model.features.SparseVector;
import dev.loopline.model.scoring.Scorer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One loaded model version as the topology uses it: the scorer, the featurizer its artifact was
 * trained with, and a reference count. The {@link ModelHolder} owns one reference; every batch
 * takes one for its duration. The scorer's native memory is freed when the last reference is
 * released, so a swap never closes a model under a batch that is still using it.
 */
public final class ServingModel {

  private static final Logger LOG = LoggerFactory.getLogger(ServingModel.class);

  private final Scorer scorer;
  private final Featurizer featurizer;
  private final ModelMetadata metadata;
  private final Instant since;
  private final AtomicInteger refs = new AtomicInteger(1);
  private final Runnable afterClose;

  public ServingModel(Scorer scorer, Instant since) {
    this(scorer, since, () -> {});
  }

  /**
   * @param afterClose runs once the scorer is closed (e.g. deletes the unpacked artifact)
   */
  public ServingModel(Scorer scorer, Instant since, Runnable afterClose) {
    this.scorer = scorer;
    this.afterClose = afterClose;
    this.metadata = scorer.metadata();
    this.featurizer = new Featurizer(metadata.featurizer());
    this.since = since;
  }

  public ModelMetadata metadata() {
    return metadata;
  }

  public int version() {
    return metadata.version();
  }

  public List<String> labels() {
    return metadata.labels();
  }

  /** When this version started serving (or was loaded, for a shadow). */
  public Instant since() {
    return since;
  }

  /** Featurizes with this version's own featurizer spec and scores, as one model call. */
  public float[][] featurizeAndPredict(List<String> texts, List<Map<String, String>> attrs) {
    List<SparseVector> rows = new ArrayList<>(texts.size());
    for (int i = 0; i < texts.size(); i++) {
      rows.add(featurizer.featurize(texts.get(i), attrs.get(i)));
    }
    // A Scorer is not thread-safe; with several stream threads they take turns on one version.
    synchronized (this) {
      return scorer.predict(rows);
    }
  }

  /** Takes a reference; false if this version was already closed. */
  boolean retain() {
    while (true) {
      int n = refs.get();
      if (n <= 0) {
        return false;
      }
      if (refs.compareAndSet(n, n + 1)) {
        return true;
      }
    }
  }

  /** Drops a reference; the last one closes the scorer. */
  public void release() {
    int n = refs.decrementAndGet();
    if (n == 0) {
      LOG.info(
          "closing model {} v{} (last batch released it)", metadata.name(), metadata.version());
      try {
        scorer.close();
      } finally {
        afterClose.run();
      }
    } else if (n < 0) {
      throw new IllegalStateException("model v" + metadata.version() + " released too often");
    }
  }

  /** Current references (the holder's plus in-flight batches); 0 once closed. */
  public int references() {
    return Math.max(0, refs.get());
  }
}
