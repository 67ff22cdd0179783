package dev.loopline.inference;

import dev.loopline.model.artifact.ModelMetadata;
import dev.loopline.model.features.Featurizer;
import dev.loopline.model.features.FeaturizerSpec;
import dev.loopline.model.features.SparseVector;
import dev.loopline.model.scoring.Scorer;
import java.time.Instant;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A deterministic stand-in {@link Scorer} for TopologyTestDriver tests: texts registered with
 * {@link #row} score the given probabilities (looked up by their featurized vector, since a scorer
 * only sees features), anything else scores uniformly. Counts model calls and closes.
 */
public final class TableScorer implements Scorer {

  public static final FeaturizerSpec SPEC =
      new FeaturizerSpec(1, 12, 1, 0, 0, 20_000, List.of(), 7, true, true);
  private static final Featurizer FEATURIZER = new Featurizer(SPEC);

  private final ModelMetadata metadata;
  private final Map<String, float[]> rows = new HashMap<>();
  public final AtomicInteger calls = new AtomicInteger();
  public final AtomicInteger closes = new AtomicInteger();

  /** Names of the threads that called {@link #predict}. */
  public final java.util.Set<String> threads = java.util.concurrent.ConcurrentHashMap.newKeySet();

  /** When set, {@link #predict} throws it (a model that fails at run time). */
  public volatile RuntimeException failWith;

  public TableScorer(int version, String... labels) {
    this.metadata =
        new ModelMetadata(
            "tickets",
            version,
            List.of(labels),
            SPEC,
            FEATURIZER.fingerprint(),
            "sparse",
            List.of("indices", "values", "dense_shape"),
            "probabilities",
            Instant.parse("2026-01-01T00:00:00Z"),
            null,
            0,
            null,
            null,
            Map.of(),
            Map.of());
  }

  /** Scores {@code text} (with no attributes) as {@code probs}. */
  public TableScorer row(String text, float... probs) {
    rows.put(key(FEATURIZER.featurize(text, Map.of())), probs.clone());
    return this;
  }

  private static String key(SparseVector v) {
    return Arrays.toString(v.indices()) + Arrays.toString(v.values());
  }

  @Override
  public ModelMetadata metadata() {
    return metadata;
  }

  @Override
  public float[][] predict(List<SparseVector> batch) {
    calls.incrementAndGet();
    threads.add(Thread.currentThread().getName());
    if (failWith != null) {
      throw failWith;
    }
    int n = metadata.labels().size();
    float[][] out = new float[batch.size()][];
    for (int i = 0; i < batch.size(); i++) {
      float[] p = rows.get(key(batch.get(i)));
      if (p == null) {
        p = new float[n];
        Arrays.fill(p, 1f / n);
      }
      out[i] = p.clone();
    }
    return out;
  }

  @Override
  public void close() {
    closes.incrementAndGet();
  }
}
